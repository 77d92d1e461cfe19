"""Faults of the machine, each told in one line: a full disk, an output location that cannot be
written, a worker process killed by the system.

The runner turns what it catches into one of these (`classify`) after a stage fails; the command
line prints the message and exits with the fault's documented code (README, "Command line").
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import signal
from collections.abc import Iterable, Iterator
from pathlib import Path

# Bytes a run adds on disk (staging folder with its spill, the new output, the cache) per byte
# of uncompressed input: 3.60 per byte of article text and 3.33 per byte of JSONL input at the
# peak of a run on allsides part-00, mostly the output itself (`python -m bench faults`,
# bench/results/faults.md; zstd spill, released stage by stage). The text figure, rounded up,
# is used for every input byte, so the JSONL fields around the text are the margin.
SPILL_PER_INPUT_BYTE = 3.7
# HTML is mostly markup: the article text is 2.8% of the HTML bytes of the article-extraction
# benchmark and 2.9% of web-content-extraction-2026; counted at 5% here.
HTML_TEXT_SHARE = 0.05
# Uncompressed bytes per compressed byte where the format does not record the size (bz2, xz).
COMPRESSION_RATIO = 4


class Fault(Exception):
    """A fault of the machine, told in one line; `exit_code` is the command line's."""

    exit_code = 1


class OutputUnwritable(Fault):
    exit_code = 2


class NoSpace(Fault):
    exit_code = 3


class WorkerKilled(Fault):
    exit_code = 4

    def __init__(self, signum: int | None, exitcode: int | None = None, stage: str | None = None):
        self.signum, self.exitcode, self.stage = signum, exitcode, stage
        if signum is None:
            how = f"ended unexpectedly (exit code {exitcode})"
        else:
            try:
                how = f"was killed by {signal.Signals(signum).name}"
            except ValueError:
                how = f"was killed by signal {signum}"
        during = f" during {stage}" if stage else ""
        # SIGKILL from outside is nearly always the out-of-memory killer.
        oom = ", perhaps by the out-of-memory killer" if signum == signal.SIGKILL else ""
        super().__init__(f"a worker process {how}{during}{oom}: lower --workers so that "
                         "fewer parts are in memory at once")

    def during(self, stage: str) -> WorkerKilled:
        return self if self.stage else WorkerKilled(self.signum, self.exitcode, stage)


def human(n: float) -> str:
    for unit in ("bytes", "kB", "MB", "GB", "TB"):
        if abs(n) < 1000 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} TB"  # pragma: no cover


def existing(path: Path) -> Path:
    """`path` or its nearest existing ancestor (absolute)."""
    path = Path(os.path.abspath(path))
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


# A short write reported without an errno (numpy's `tofile`: "N requested and M written").
_SHORT_WRITE = re.compile(r"\d+ requested and \d+ written")


def _disk_full(e: BaseException) -> bool:
    if not isinstance(e, OSError):
        return False
    return e.errno in (errno.ENOSPC, errno.EDQUOT) or (
        e.errno is None and bool(_SHORT_WRITE.search(str(e))))


def classify(exc: BaseException, stage: str, places: Iterable[Path]) -> Fault | None:
    """The fault `exc` stands for, raised during `stage` of a run writing to `places` (the
    staging folder's parent first); None when it is not a fault of the machine."""
    for e in _chain(exc):
        if isinstance(e, WorkerKilled):
            return e.during(stage)
        if _disk_full(e):
            places = [existing(Path(p)) for p in places]
            if e.filename:
                places.insert(0, existing(Path(os.fsdecode(e.filename)).parent))
            # The fullest of the places written (they are usually one filesystem).
            where = min(places, key=lambda p: shutil.disk_usage(p).free)
            return NoSpace(f"no space left on device in {where} during {stage} "
                           f"({human(shutil.disk_usage(where).free)} free)")
        if isinstance(e, Fault):
            return e
    return None


def input_bytes(raw: Path) -> tuple[int, int]:
    """(uncompressed bytes of the text inputs, of the HTML inputs) under `raw`, without reading
    them: a gzip file records its size (modulo 4 GiB) in its last four bytes."""
    text = html = 0
    for folder, dirs, files in os.walk(raw):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            if name.startswith("."):
                continue
            path = os.path.join(folder, name)
            try:
                size = os.stat(path).st_size
                lower = name.lower()
                stem = lower.rsplit(".", 1)[0] if lower.endswith((".gz", ".bz2", ".xz")) else lower
                if lower.endswith((".warc.gz", ".wet.gz", ".parquet")):
                    # A WARC is gzipped record by record (the last four bytes give the last
                    # record's size only); Parquet compresses inside the file.
                    size *= COMPRESSION_RATIO
                elif lower.endswith(".gz") and size >= 18:
                    with open(path, "rb") as fh:
                        fh.seek(-4, os.SEEK_END)
                        recorded = int.from_bytes(fh.read(4), "little")
                    # The smallest size with these low 32 bits that is not below the compressed one.
                    wraps = -(-max(0, size - recorded) // (1 << 32))
                    size = recorded + wraps * (1 << 32)
                elif lower.endswith((".bz2", ".xz")):
                    size *= COMPRESSION_RATIO
            except OSError:
                continue  # unreadable: the run quarantines it
            # A WARC holds whole HTTP responses: markup (and images), like an HTML file; a WET
            # file holds the pages' text.
            if stem.endswith((".html", ".htm", ".warc")):
                html += size
            else:
                text += size
    return text, html


def preflight(raw: Path, staging_parent: Path) -> None:
    """Stop before any stage when the disk where the staging folder will live cannot hold
    what the run is estimated to write."""
    text, html = input_bytes(raw)
    need = int(SPILL_PER_INPUT_BYTE * (text + HTML_TEXT_SHARE * html))
    where = existing(staging_parent)
    free = shutil.disk_usage(where).free
    if need > free:
        raise NoSpace(f"not enough free space in {where}: the run needs about {human(need)} "
                      f"({SPILL_PER_INPUT_BYTE} bytes per byte of its {human(text + html)} of input"
                      f"{f', HTML counted at {HTML_TEXT_SHARE:.0%}' if html else ''}), {human(free)} free "
                      f"(--no-space-check runs anyway)")
