"""`make eval`: quality figures on ../shared/corpora: dedup, boilerplate, the quality signals
beside datatrove's filters, and personal-data detection.

`python -m pipeline.eval [dedup|boilerplate ...] [--json DIR]`: the named evaluations (all by
default), each printing its table; with --json, each also writes DIR/<name>.json.
"""

from __future__ import annotations

import argparse
import importlib
import sys

EVALUATIONS = ("dedup", "boilerplate", "quality", "pii")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.eval", description=__doc__)
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"any of {', '.join(EVALUATIONS)}")
    parser.add_argument("--json", metavar="DIR", default=None)
    args = parser.parse_args(argv)
    unknown = sorted(set(args.names) - set(EVALUATIONS))
    if unknown:
        parser.error(f"unknown evaluation {unknown[0]!r} (known: {', '.join(EVALUATIONS)})")
    status = 0
    for name in args.names or EVALUATIONS:
        print(f"\n=== {name} ===", flush=True)
        module = importlib.import_module(f"pipeline.eval.{name}")
        sub_argv = ["--json", f"{args.json}/{name}.json"] if args.json else []
        status |= module.main(sub_argv)
    return status


if __name__ == "__main__":
    sys.exit(main())
