"""Faults of the machine: a full disk at each stage, too little space to start, an output that
cannot be written, a worker killed by SIGKILL, a driver killed under its workers, and the fsyncs
that make a swapped-in output durable.

Each fault ends with its documented exit code and one line on stderr (no traceback), the previous
output byte-identical, no staging folder and no partial cache entry left, and once the fault is
cleared, a re-run whose output equals a clean run's. The disk is a real filesystem (tmpfs,
mounted when the tests run as root, as here and in CI; skipped otherwise), shrunk as a stage
starts to leave it half of what a calibration run saw that stage add: each stage in turn fills it.
"""

from __future__ import annotations

import gzip
import hashlib
import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import pytest

from conftest import ROOT, SEED_FILES, SEEDS, corpus
from pipeline import runner
from pipeline.cli import main
from pipeline.runtime import faults, outdir, store

FAST = ["--quiet", "--workers", "2", "--set", "annotate.annotators=[]"]


@pytest.fixture(scope="module")
def articles(tmp_path_factory) -> Path:
    """A raw folder of 300 allsides articles (one JSONL file)."""
    src = corpus("allsides-news", "articles-part-00.jsonl.gz")
    raw = tmp_path_factory.mktemp("articles") / "raw"
    raw.mkdir()
    with gzip.open(src, "rt", encoding="utf-8") as fh, (raw / "articles.jsonl").open("w") as out:
        out.writelines(itertools.islice(fh, 300))
    return raw


@contextmanager
def small_fs(path: Path, size: int | str):
    """A tmpfs of `size` mounted at `path` for the block."""
    if os.geteuid() != 0:
        pytest.skip("a small filesystem needs root to mount")
    path.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "newsprep-test", str(path)],
                          capture_output=True, text=True)
    if done.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def remount(path: Path, options: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{options}", str(path)], check=True)


def used(path: Path) -> int:
    st = os.statvfs(path)
    return (st.f_blocks - st.f_bfree) * st.f_frsize


def digest(out: Path, with_stats: bool = False) -> dict[str, str]:
    """Every file of an output but the cache (and stats.json, which holds timings)."""
    return {str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(out.rglob("*"))
            if p.is_file() and (with_stats or p.name != "stats.json")
            and ".cache" not in p.relative_to(out).parts}


def run(capsys, raw: Path, out: Path, *extra: str) -> tuple[int, list[str]]:
    """The command line in this process: its exit code and its stderr lines."""
    capsys.readouterr()
    rc = main(["run", "--raw", str(raw), "--out", str(out), *FAST, *extra])
    return rc, [line for line in capsys.readouterr().err.splitlines() if line.strip()]


def assert_nothing_left(out: Path) -> None:
    """No staging folder beside the output, no partial entry in its cache (every entry whole)."""
    assert not list(out.parent.glob(f".{out.name}.*")), "staging left behind"
    cache = out / ".cache"
    for folder in (cache, cache / "ingest"):
        if folder.is_dir():
            assert not [p.name for p in folder.iterdir() if p.name.startswith(".")], "partial cache"
    for entry in (cache / "ingest").glob("*") if (cache / "ingest").is_dir() else ():
        assert (entry / "index.json").is_file(), f"incomplete cache entry {entry.name}"


def file_bytes(paths) -> int:
    return sum(p.stat().st_blocks * 512 for p in paths if p.is_file())


def at_stage_start(monkeypatch, hook, at_end=None) -> None:
    """Call `hook(stage name)` as each stage of a run starts (and `at_end(stage name)` as it
    returns, before the runner releases what it no longer needs)."""
    def wrapped(stage):
        def run_stage(handoff, cfg, ctx):
            hook(stage.NAME)
            after = stage.run(handoff, cfg, ctx)
            if at_end is not None:
                at_end(stage.NAME)
            return after
        return SimpleNamespace(NAME=stage.NAME, run=run_stage)

    monkeypatch.setattr(runner, "STAGES", tuple(wrapped(s) for s in runner.STAGES))


def calibrate(monkeypatch, capsys, raw: Path, out: Path, fs: Path) -> dict[str, int]:
    """Run once with the space the filesystem uses sampled: per stage, how much more than at
    its start it used at its peak (the write stage: until the end of the run)."""
    samples: list[tuple[float, int]] = []
    starts: list[tuple[float, str, int]] = []
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            samples.append((time.perf_counter(), used(fs)))
            time.sleep(0.001)

    # The sampler can miss a short stage's peak on a loaded machine; what a stage hands on is
    # still on disk when it returns, so that is sampled too.
    at_stage_start(monkeypatch, lambda name: starts.append((time.perf_counter(), name, used(fs))),
                   lambda name: samples.append((time.perf_counter(), used(fs))))
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        rc, err = run(capsys, raw, out, "--no-space-check")
    finally:
        stop.set()
        sampler.join()
        monkeypatch.undo()
    assert rc == 0, err
    bounds = [t for t, _, _ in starts[1:]] + [float("inf")]
    return {name: max([u for s, u in samples if t <= s < end], default=at_start) - at_start
            for (t, name, at_start), end in zip(starts, bounds)}


def test_disk_full_at_each_stage(monkeypatch, capsys, tmp_path: Path, articles: Path,
                                 seed_raw: Path):
    with small_fs(tmp_path / "fs", "256m") as fs:
        out, reference = fs / "processed", fs / "reference"
        assert run(capsys, seed_raw, out)[0] == 0
        cache_before = tmp_path / "cache-before"
        shutil.copytree(out / ".cache", cache_before)
        growth = calibrate(monkeypatch, capsys, articles, reference, fs)
        expected = digest(reference)
        shutil.rmtree(reference)
        for stage in ("ingest", "clean", "dedup", "annotate", "write"):
            assert growth[stage] > 64 * 1024, f"{stage} writes too little to be placed: {growth}"
            # The cache as it was before the corpus was ever read, so that ingest writes again.
            shutil.rmtree(out / ".cache")
            shutil.copytree(cache_before, out / ".cache")
            previous, entries = digest(out, with_stats=True), set((out / ".cache" / "ingest").iterdir())
            base = used(fs)

            def shrink(name: str, stage: str = stage) -> None:
                # The disk fills up half-way through this stage.
                if name == stage:
                    remount(fs, f"size={used(fs) + growth[stage] // 2}")

            at_stage_start(monkeypatch, shrink)
            try:
                rc, err = run(capsys, articles, out, "--no-space-check", "--force")
            finally:
                monkeypatch.undo()
                left = used(fs)
                remount(fs, "size=256m")

            assert rc == 3, (stage, err)
            assert len(err) == 1 and "Traceback" not in err[0], err
            assert err[0].startswith(f"error: no space left on device in {fs} during {stage} ("), err
            assert err[0].endswith(" free)"), err
            assert digest(out, with_stats=True) == previous, f"previous output changed ({stage})"
            assert_nothing_left(out)
            # The disk holds what it held before plus whole cache entries, nothing else.
            new = set((out / ".cache" / "ingest").iterdir()) - entries
            assert left <= base + file_bytes(p for e in new for p in e.rglob("*")), stage

            assert run(capsys, articles, out, "--no-space-check", "--force") == (0, [])
            assert digest(out) == expected, f"re-run after the disk filled in {stage} differs"


def test_too_little_space_stops_before_the_first_stage(capsys, tmp_path: Path, articles: Path,
                                                        seed_raw: Path):
    with small_fs(tmp_path / "fs", "4m") as fs:
        out = fs / "processed"
        assert run(capsys, seed_raw, out)[0] == 0
        previous, base = digest(out, with_stats=True), used(fs)
        rc, err = run(capsys, articles, out)
        assert rc == 3
        assert len(err) == 1 and err[0].startswith(f"error: not enough free space in {fs}: "), err
        need, _, free = err[0].partition("needs about ")[2].partition(", ")
        assert need.split(" (")[0] and free.endswith("free (--no-space-check runs anyway)"), err
        # Stopped at once: nothing written, nothing read into the cache.
        assert used(fs) == base and digest(out, with_stats=True) == previous
        assert_nothing_left(out)
        # With --debug the same line comes after the traceback.
        capsys.readouterr()
        assert main(["run", "--raw", str(articles), "--out", str(out), *FAST, "--debug"]) == 3
        lines = capsys.readouterr().err.splitlines()
        assert lines[0].startswith("Traceback") and lines[-1] == err[0]


def test_estimate_follows_the_measured_spill(tmp_path: Path):
    """The input size is known without reading: plain files by size, gzip by its trailer,
    HTML counted at its text share."""
    raw = tmp_path / "raw"
    (raw / "site").mkdir(parents=True)
    (raw / "a.txt").write_bytes(b"x" * 1000)
    with gzip.open(raw / "b.jsonl.gz", "wb") as fh:
        fh.write(b'{"text": "y"}\n' * 5000)
    (raw / "site" / "c.html").write_bytes(b"<p>z</p>" * 500)
    (raw / ".hidden").write_bytes(b"w" * 10**6)
    assert faults.input_bytes(raw) == (1000 + 14 * 5000, 4000)


def test_unwritable_output_is_refused_before_any_work(capsys, tmp_path: Path, seed_raw: Path):
    reference = tmp_path / "reference"
    assert run(capsys, seed_raw, reference)[0] == 0
    with small_fs(tmp_path / "fs", "16m") as fs:
        out, one = fs / "processed", tmp_path / "one"
        one.mkdir()
        shutil.copy(SEEDS / SEED_FILES[0], one / SEED_FILES[0])
        assert run(capsys, one, out)[0] == 0
        previous = digest(out, with_stats=True)
        remount(fs, "ro")
        try:
            rc, err = run(capsys, seed_raw, out)
        finally:
            remount(fs, "rw")
        assert rc == 2
        assert err == [f"error: cannot write the output {out}: {fs} is on a read-only file system"]
        assert digest(out, with_stats=True) == previous
        assert_nothing_left(out)
        assert run(capsys, seed_raw, out) == (0, [])
        assert digest(out) == digest(reference)


def test_unwritable_output_without_root(capsys, tmp_path: Path, seed_raw: Path):
    if os.geteuid() == 0:
        pytest.skip("root may write anywhere: covered by the read-only filesystem above")
    parent = tmp_path / "locked"
    parent.mkdir()
    parent.chmod(0o555)
    try:
        rc, err = run(capsys, seed_raw, parent / "processed")
    finally:
        parent.chmod(0o755)
    assert rc == 2 and err == [f"error: cannot write the output {parent / 'processed'}: "
                               f"{parent} is not writable by this user"]
    assert list(parent.iterdir()) == []


def test_missing_output_parent(capsys, tmp_path: Path, seed_raw: Path):
    out = tmp_path / "missing" / "processed"
    rc, err = run(capsys, seed_raw, out)
    assert rc == 2
    assert err == [f"error: cannot write the output {out}: its parent folder {out.parent} does not exist"]
    assert not out.parent.exists()
    out.parent.mkdir()
    assert run(capsys, seed_raw, out) == (0, [])


def _children(pid: int) -> set[int]:
    kids: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            kids.update(int(k) for k in (task / "children").read_text().split())
        except OSError:
            pass
    return kids


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def test_worker_killed_mid_stage(monkeypatch, capsys, tmp_path: Path, articles: Path, seed_raw: Path):
    out, reference = tmp_path / "processed", tmp_path / "reference"
    assert run(capsys, articles, reference)[0] == 0
    assert run(capsys, seed_raw, out)[0] == 0
    previous = digest(out, with_stats=True)
    driver, write_docs = os.getpid(), store.write_docs

    def killed_reading(path, docs):
        # A worker reading the input dies as the out-of-memory killer ends a process.
        if os.getpid() != driver:
            os.kill(os.getpid(), signal.SIGKILL)
        return write_docs(path, docs)

    monkeypatch.setattr(store, "write_docs", killed_reading)
    rc, err = run(capsys, articles, out)
    monkeypatch.undo()
    assert rc == 4
    assert err == ["error: a worker process was killed by SIGKILL during ingest, perhaps by the "
                   "out-of-memory killer: lower --workers so that fewer parts are in memory at once"]
    assert digest(out, with_stats=True) == previous
    assert_nothing_left(out)
    assert not [p for p in _children(os.getpid()) if _alive(p)], "workers left running"
    assert run(capsys, articles, out) == (0, [])
    assert digest(out) == digest(reference)


def test_workers_end_when_the_driver_is_killed(tmp_path: Path, articles: Path):
    """A SIGKILLed run leaves no worker behind, waiting forever for work."""
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "run", "--raw", str(articles), "--out",
                             str(tmp_path / "processed"), *FAST], cwd=ROOT)
    workers: set[int] = set()
    deadline = time.monotonic() + 60
    while len(workers) < 2 and proc.poll() is None and time.monotonic() < deadline:
        workers = _children(proc.pid)
        time.sleep(0.01)
    proc.kill()
    proc.wait()
    assert len(workers) >= 2, "the run ended before its workers were seen"
    deadline = time.monotonic() + 10
    while any(_alive(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    orphans = [p for p in workers if _alive(p)]
    for pid in orphans:  # not to leave them behind when the test fails
        os.kill(pid, signal.SIGKILL)
    assert not orphans, "workers outlived their driver"


def test_output_is_fsynced_before_the_swap(monkeypatch, capsys, tmp_path: Path, seed_raw: Path):
    out = tmp_path / "processed"
    assert run(capsys, seed_raw, out)[0] == 0
    events: list[tuple[str, str]] = []
    real_fsync, real_exchange = os.fsync, outdir.exchange

    def fsync(fd: int) -> None:
        events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        real_fsync(fd)

    def exchange(a, b):
        events.append(("swap", str(a)))
        return real_exchange(a, b)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(outdir, "exchange", exchange)
    assert run(capsys, seed_raw, out, "--force") == (0, [])
    monkeypatch.undo()
    swaps = [i for i, (kind, _) in enumerate(events) if kind == "swap"]
    assert len(swaps) == 1
    staging = events[swaps[0]][1]
    before = [path for kind, path in events[:swaps[0]] if kind == "fsync"]
    after = [path for kind, path in events[swaps[0]:] if kind == "fsync"]
    cache = out / ".cache"
    written = [p for p in out.rglob("*") if not p.is_relative_to(cache)] + [out, cache]
    missing = [str(p) for p in written if str(p).replace(str(out), staging, 1) not in before]
    assert not missing, f"not fsynced before the swap: {missing[:5]}"
    assert after == [str(tmp_path)], "the parent folder is fsynced after the swap"
    assert len(before) == len(set(before)) == len(written), "each file and folder once"
    assert len(before) == len(set(before)) == len(written), "each file and folder once"


def test_cache_entry_cut_short_is_read_again(capsys, tmp_path: Path, seed_raw: Path):
    """A power cut can leave a renamed cache entry whose files were never written out (entries
    are not fsynced): its index's sizes tell, and the file is read again."""
    out = tmp_path / "processed"
    assert run(capsys, seed_raw, out)[0] == 0
    expected = digest(out)
    for entry in (out / ".cache" / "ingest").iterdir():
        (entry / "00000.arrow").write_bytes(b"")
    assert run(capsys, seed_raw, out, "--force") == (0, [])
    assert digest(out) == expected
    stats = json.loads((out / "stats.json").read_text())
    assert stats["stages"]["ingest"]["files_reused"] == 0
