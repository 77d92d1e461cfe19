"""datatrove's WarcReader + Trafilatura on a folder of .warc.gz, for `bench readers`:
`python -m bench.dt_warc FOLDER WORKERS LOGS OUT` prints {"seconds", "documents"} as JSON.
A module (not a -c script): datatrove's workers are spawned and import their steps by name."""

from __future__ import annotations

import glob
import json
import sys
import time


def count(data, rank: int = 0, world_size: int = 1):
    n = sum(1 for d in data if d.text.strip())
    with open(f"{sys.argv[4]}/{rank}.count", "w") as fh:
        fh.write(str(n))
    return iter(())


def main() -> None:
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.extractors import Trafilatura
    from datatrove.pipeline.readers import WarcReader

    folder, workers, logs, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    t = time.perf_counter()
    LocalPipelineExecutor(pipeline=[WarcReader(folder, glob_pattern="*.warc*"), Trafilatura(), count],
                          tasks=workers, workers=workers, logging_dir=logs).run()
    print(json.dumps({"seconds": time.perf_counter() - t,
                      "documents": sum(int(open(p).read()) for p in glob.glob(out + "/*.count"))}))


if __name__ == "__main__":
    main()
