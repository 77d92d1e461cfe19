"""A run killed (SIGKILL) at any point leaves the previous complete output intact, and the next
run ends with output identical to an uninterrupted run. The kill is deterministic: the test-only
hook NEWSPREP_KILL_AT (pipeline/runtime/killpoint.py) makes the run kill itself at a named
point, in each stage and between the steps of the swap."""

from __future__ import annotations

import json
import random
import time
from pathlib import Path

from pipeline.core.config import load_config
from pipeline.runner import run
from pipeline.runtime import outdir
from pipeline.runtime.killpoint import ENV

from conftest import fork_cli, output_digest

ARGS = ("--set", "annotate.annotators=[]", "--set", "write.paragraphs_per_shard=5000", "--quiet")
STAGE_POINTS = ("ingest", "clean", "dedup", "annotate", "filter", "write")


def _corpus(raw: Path, n: int, seed: int) -> None:
    raw.mkdir()
    rng = random.Random(seed)
    words = ["river", "bridge", "council", "budget", "storm", "school", "election", "court", "police", "museum", "harbour"]
    with (raw / "feed.jsonl").open("w") as fh:
        for i in range(n):
            paragraphs = [" ".join(rng.choice(words) for _ in range(25)) + f" {i}-{k}." for k in range(6)]
            fh.write(json.dumps({"id": f"d{i}", "source": f"s{i % 7}", "text": "\n".join(paragraphs)}) + "\n")


def _run(raw: Path, out: Path, *extra: str, kill_at: str | None = None, exchange: bool = True):
    """`pipeline run`, forked from this process (each of the many runs costs its work, not an
    interpreter's start), SIGKILLing itself at `kill_at`; its `pid` is its process group, where
    its pool's workers are. exchange=False: with renameat2(RENAME_EXCHANGE) disabled, the
    two-rename swap of kernels without it."""
    def without_exchange() -> None:
        outdir.exchange = lambda a, b: False

    return fork_cli("run", "--raw", str(raw), "--out", str(out), *ARGS, *extra,
                    env={ENV: kill_at} if kill_at else None,
                    setup=None if exchange else without_exchange)


def _survivors(group: int) -> list[int]:
    """Processes of the killed run's group still alive 15 s after it was killed (its pool's
    workers, which end when they see their parent gone)."""
    for _ in range(150):
        alive = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == group and fields[0] != "Z":  # pgrp; a zombie has ended
                alive.append(int(stat.parent.name))
        if not alive:
            return []
        time.sleep(0.1)
    return alive


def _siblings(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.glob(f".{out.name}.*"))


def test_sigkill_at_every_point_never_damages_the_previous_output(tmp_path: Path):
    raw_old, raw_new = tmp_path / "old", tmp_path / "new"
    _corpus(raw_old, 50, seed=1)
    _corpus(raw_new, 400, seed=2)
    out, reference = tmp_path / "processed", tmp_path / "reference"
    cfg = load_config(None, [a for a in ARGS if "=" in a])
    run(cfg, raw_old, out)  # in this process: only the runs to kill need one of their own
    previous = output_digest(out)
    run(cfg, raw_new, reference)
    expected = output_digest(reference)
    assert previous != expected and any(k.endswith(".parquet") for k in previous)

    for point in (*STAGE_POINTS, "commit:start", "commit:cache-moved"):
        r = _run(raw_new, out, kill_at=point)
        assert r.returncode == -9, f"not killed at {point}: exit {r.returncode} {r.stderr[-500:]}"
        assert output_digest(out) == previous, f"a kill at {point} changed the previous output"
        assert _siblings(out), f"killed at {point}, yet no staging folder was left to clean up"
        assert _survivors(r.pid) == [], f"the workers of the run killed at {point} live on"

    # Killed just after the exchange: the new output is in place, whole.
    r = _run(raw_new, out, kill_at="commit:exchanged")
    assert r.returncode == -9
    assert output_digest(out) == expected

    r = _run(raw_new, out, "--force")
    assert r.returncode == 0, r.stderr
    assert output_digest(out) == expected
    # The file read by the killed run was reused from the cache, not read again.
    stats = json.loads((out / "stats.json").read_text())
    assert stats["stages"]["ingest"]["files_reused"] == 1
    assert _siblings(out) == [], "staging left behind"


def test_a_kill_between_the_two_renames_is_repaired_by_the_next_run(tmp_path: Path):
    """Without an atomic exchange the swap is two renames; killed between them, the output folder
    is briefly absent and the next run puts the previous one back before anything else."""
    raw_old, raw_new = tmp_path / "old", tmp_path / "new"
    _corpus(raw_old, 30, seed=3)
    _corpus(raw_new, 40, seed=4)
    out = tmp_path / "processed"
    assert _run(raw_old, out, exchange=False).returncode == 0
    previous = output_digest(out)

    r = _run(raw_new, out, kill_at="commit:old-moved", exchange=False)
    assert r.returncode == -9
    assert not out.exists() and any(n.startswith(".processed.old-") for n in _siblings(out))
    outdir.recover(out)  # what every run does first
    assert output_digest(out) == previous and _siblings(out) == []

    r = _run(raw_new, out, kill_at="commit:exchanged", exchange=False)
    assert r.returncode == -9
    new = output_digest(out)
    assert new != previous
    assert _run(raw_new, out, "--force", exchange=False).returncode == 0
    assert output_digest(out) == new and _siblings(out) == []
