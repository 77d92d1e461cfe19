"""`python -m pipeline.report OUT_DIR`: rewrite OUT_DIR/report.html from the outputs."""

import sys

from .render import main

sys.exit(main())
