"""What the tests share, each defined once: where ../shared is, the seeds' run, the command line
in a new process or a forked one, the digest of an output folder, a ledger table, how a missing
requirement is reported, and the order in which the files run.

A test that needs ../shared, Ray or Chromium skips when it is absent, except under
NEWSPREP_REQUIRE_ALL=1 (set by .ci/run), where the same test fails: a missing corpus or a failed
Chromium install is a red run, not a silent pass.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("NEWSPREP_SHARED", ROOT.parent / "shared"))
CORPORA = Path(os.environ.get("NEWSPREP_CORPORA", SHARED / "corpora"))
# The evaluation code (pipeline.eval) finds the corpora through the same variable.
os.environ["NEWSPREP_CORPORA"] = str(CORPORA)
REQUIRE_ALL = os.environ.get("NEWSPREP_REQUIRE_ALL", "") not in ("", "0")
SEEDS = ROOT / "raw"  # the two sample articles (the same files as ../shared/seeds)
SEED_FILES = ("000_c31a543739f4d4b5.txt", "003_f0f537a06f17b18a.txt")
SEED_A, SEED_B = (name.removesuffix(".txt") for name in SEED_FILES)


def missing(reason: str) -> None:
    """Skip the test for a missing requirement; fail it under NEWSPREP_REQUIRE_ALL."""
    if REQUIRE_ALL:
        pytest.fail(f"{reason} (NEWSPREP_REQUIRE_ALL is set: a skip here is a failure)", pytrace=False)
    pytest.skip(reason)


def corpus(*parts: str) -> Path:
    """A path under ../shared/corpora, read in place."""
    path = CORPORA.joinpath(*parts)
    if not path.exists():
        missing(f"corpus not available: {path}")
    return path


def require_ray():
    try:
        import ray
    except ImportError:
        missing("ray is not installed (the test extra installs it)")
    return ray


def run_cli(*args: str, env: dict | None = None, prefix: tuple[str, ...] = ("-m", "pipeline"),
            **kw) -> subprocess.CompletedProcess:
    """`python -m pipeline ARGS` from the repository root, output captured; `env` adds variables."""
    return subprocess.run([sys.executable, *prefix, *args], cwd=ROOT, capture_output=True,
                          text=True, env=None if env is None else {**os.environ, **env}, **kw)


def fork_cli(*args: str, env: dict | None = None,
             setup: Callable[[], None] | None = None) -> subprocess.CompletedProcess:
    """What `run_cli` returns, from `pipeline.cli.main(ARGS)` run in a forked copy of this process
    (a process of its own, with its exit code and its own stdout and stderr files) instead of a
    new interpreter: the imports are done, so a test pays for the command's work only (~1.5 s of
    CPU less per command). The conftest's seeds run and a few end-to-end tests keep `run_cli`, so
    `python -m pipeline` itself stays tested.

    `setup` runs in the copy before the command (to patch something for it alone). The copy leads
    a process group of its own, whose id is the result's `pid`: the processes it started can be
    found by it after it was killed (-9 as returncode: SIGKILL)."""
    import tempfile

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        pid = os.fork()
        if pid == 0:  # the command
            code = 1
            try:
                os.setpgid(0, 0)
                os.chdir(ROOT)
                os.environ.update(env or {})
                if setup is not None:
                    setup()
                os.dup2(out.fileno(), 1)
                os.dup2(err.fileno(), 2)
                sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115 - for the process's life
                sys.stderr = open(2, "w", closefd=False)  # noqa: SIM115
                import logging

                logging.root.handlers.clear()  # pytest's capture handlers: the command sets its own
                from pipeline.cli import main

                code = main(list(args))
            except SystemExit as e:  # argparse
                code = e.code if isinstance(e.code, int) else (0 if e.code is None else 2)
            except BaseException:  # noqa: BLE001 - as the interpreter would: a traceback, exit 1
                import traceback

                traceback.print_exc()
            finally:
                for stream in (sys.stdout, sys.stderr):
                    stream.flush()
                os._exit(code or 0)
        _, status = os.waitpid(pid, 0)
        code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
        texts = []
        for f in (out, err):
            f.seek(0)
            texts.append(f.read().decode("utf-8", "replace"))
    done = subprocess.CompletedProcess(["pipeline", *args], code, texts[0], texts[1])
    done.pid = pid
    return done


def output_digest(out: Path, ignore: tuple[str, ...] = ()) -> dict[str, str]:
    """sha256 of every output file by relative path. Always left out: `stats.json` (it holds
    timings) and `.cache/` (reusable work, not output); `ignore` adds file names."""
    return {
        p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(out.rglob("*"))
        if p.is_file() and p.name != "stats.json" and p.name not in ignore
        and ".cache" not in p.relative_to(out).parts
    }


def ledger_table(rows: list[dict[str, Any]] | dict[str, Any]) -> pa.Table:
    """A ledger (paragraphs) table in the output schema, from row dicts or from columns (lists or
    numpy arrays); a column or key left out is null."""
    from pipeline.core.schema import PARAGRAPH_SCHEMA

    if isinstance(rows, list):
        rows = {f.name: [r.get(f.name) for r in rows] for f in PARAGRAPH_SCHEMA}
    n = len(next(iter(rows.values())))
    cols = {}
    for f in PARAGRAPH_SCHEMA:
        value = rows.get(f.name, [None] * n)
        if getattr(value, "dtype", None) == object:
            value = list(value)
        cols[f.name] = pa.array(value, type=f.type)
    return pa.Table.from_pydict(cols, schema=PARAGRAPH_SCHEMA)


@pytest.fixture
def seed_raw(tmp_path: Path) -> Path:
    """A raw folder of one's own holding the two sample articles shipped in raw/."""
    raw = tmp_path / "raw"
    raw.mkdir()
    for name in SEED_FILES:
        shutil.copy(SEEDS / name, raw / name)
    return raw


SEEDS_RUN_ARGS = ("--config", "configs/default.yaml", "--raw", "raw", "--quiet")


@pytest.fixture(scope="session")
def seeds_out(tmp_path_factory) -> Path:
    """One run of the command line on raw/ (the seeds) for every test that only reads its output."""
    out = tmp_path_factory.mktemp("seeds") / "processed"
    r = run_cli("run", *SEEDS_RUN_ARGS, "--out", str(out), timeout=600)
    assert r.returncode == 0, r.stderr
    return out


# The modules whose tests take longest (seconds of CPU each, measured with the tests spread over
# two workers), first: pytest-xdist hands out tests in collection order, and a long test that
# starts last keeps one core busy alone at the end of the run (longest first is the classic cure).
SLOW_FIRST = ("test_crash_safety", "test_ray", "test_neardup_facts", "test_faults", "test_diff",
              "test_compressed_inputs", "test_determinism", "test_pii_filters", "test_htmlextract",
              "test_clean", "test_readme_promises", "test_cli_tools")


def pytest_collection_modifyitems(items: list) -> None:
    rank = {name: i for i, name in enumerate(SLOW_FIRST)}
    # A stable sort: each module's tests stay together and in order, so its fixtures are made once.
    items.sort(key=lambda item: rank.get(getattr(getattr(item, "module", None), "__name__", ""), len(rank)))
