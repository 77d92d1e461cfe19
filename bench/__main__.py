"""`make bench`: speed and memory on ../shared/corpora, beside the peers, in one run.

`python -m bench [pipeline|scale|dedup|langid|faults|annotators ...] [-- extra args for a single benchmark]`.
"""

from __future__ import annotations

import importlib
import sys

BENCHMARKS = ("pipeline", "scale", "dedup", "langid", "faults", "diff", "readers", "annotators", "report")


def main(argv: list[str]) -> int:
    if argv[:1] in (["-h"], ["--help"]):
        print(__doc__.strip())
        print("Options after a single benchmark's name are its own: `python -m bench dedup -h`.")
        return 0
    first_opt = next((i for i, a in enumerate(argv) if a.startswith("-")), len(argv))
    names, extra = argv[:first_opt] or list(BENCHMARKS), argv[first_opt:]
    status = 0
    for name in names:
        if name not in BENCHMARKS:
            print(f"unknown benchmark {name!r} (known: {', '.join(BENCHMARKS)})", file=sys.stderr)
            return 2
        print(f"\n=== {name} ===", flush=True)
        status |= importlib.import_module(f"bench.{name}").main(extra if len(names) == 1 else [])
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
