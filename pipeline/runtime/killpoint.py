"""A test-only hook: with NEWSPREP_KILL_AT=<point> set, the run SIGKILLs itself on reaching that
named point, so a crash-safety test kills at a known place instead of after a guessed delay.

Points: each stage's name once its work is done (`ingest` ... `write`), and the steps of the
swap in `outdir.commit` (`commit:start`, `commit:cache-moved`, `commit:old-moved`,
`commit:exchanged`). Unset, it costs one dictionary lookup per point.
"""

from __future__ import annotations

import os
import signal

ENV = "NEWSPREP_KILL_AT"


def reach(point: str) -> None:
    if os.environ.get(ENV) == point:
        os.kill(os.getpid(), signal.SIGKILL)
