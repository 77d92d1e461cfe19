"""A run killed at any moment (SIGKILL) leaves the previous complete output intact, and the next
run ends with output identical to an uninterrupted run."""

from __future__ import annotations

import hashlib
import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import ROOT

ARGS = ["--set", "annotate.annotators=[]", "--set", "write.paragraphs_per_shard=5000", "--quiet"]


def _corpus(raw: Path, n: int, seed: int) -> None:
    rng = random.Random(seed)
    words = "river bridge council budget storm school election court police museum harbour".split()
    with (raw / "feed.jsonl").open("w") as fh:
        for i in range(n):
            paragraphs = [
                " ".join(rng.choice(words) for _ in range(25)) + f" {i}-{k}." for k in range(6)
            ]
            fh.write(json.dumps({"id": f"d{i}", "source": f"s{i % 7}", "text": "\n".join(paragraphs)}) + "\n")


def _digest(out: Path) -> dict[str, str]:
    return {
        str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(out.rglob("*"))
        if p.is_file() and p.name != "stats.json" and ".cache" not in p.relative_to(out).parts
    }


def _cmd(raw: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "pipeline", "run", "--raw", str(raw), "--out", str(out), *ARGS]


def test_sigkill_never_damages_the_previous_output(tmp_path: Path):
    raw_old, raw_new = tmp_path / "old", tmp_path / "new"
    raw_old.mkdir()
    raw_new.mkdir()
    _corpus(raw_old, 200, seed=1)
    _corpus(raw_new, 3000, seed=2)
    out, reference = tmp_path / "processed", tmp_path / "reference"

    subprocess.run(_cmd(raw_old, out), cwd=ROOT, check=True)
    previous = _digest(out)
    t = time.perf_counter()
    subprocess.run(_cmd(raw_new, reference), cwd=ROOT, check=True)
    duration = time.perf_counter() - t
    expected = _digest(reference)
    assert previous != expected

    for fraction in (0.3, 0.6, 0.8, 0.9, 0.95, 0.98):
        proc = subprocess.Popen(_cmd(raw_new, out), cwd=ROOT)
        time.sleep(duration * fraction)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if proc.returncode == 0:  # finished before the kill: output is the new one
            assert _digest(out) == expected
            previous = expected
            continue
        # A kill between the two renames of a non-atomic swap leaves no output folder: the next
        # run restores it; with the atomic exchange the old output is always in place.
        # Killed after the swap, the new output is complete: either whole output, never a mix.
        if out.exists():
            now = _digest(out)
            assert now in (previous, expected), (
                f"output damaged by a kill at {fraction:.0%}: differs from the previous output in "
                f"{sorted(k for k in now.keys() | previous.keys() if now.get(k) != previous.get(k))[:8]}, "
                f"from the new one in "
                f"{sorted(k for k in now.keys() | expected.keys() if now.get(k) != expected.get(k))[:8]}")
            previous = now

    subprocess.run([*_cmd(raw_new, out), "--force"], cwd=ROOT, check=True)
    assert _digest(out) == expected
    # The file read by a killed run was reused, not read again.
    stats = json.loads((out / "stats.json").read_text())
    assert stats["stages"]["ingest"]["files_reused"] == 1
    assert not list(tmp_path.glob(".processed.*")), "staging left behind"
