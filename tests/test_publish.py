"""`python -m pipeline publish`: a stand-in Hub (no network) that selects files the way
`huggingface_hub.upload_folder` does and copies them into a local repository."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from datasets import load_dataset, load_from_disk
from huggingface_hub.hf_api import DEFAULT_IGNORE_PATTERNS
from huggingface_hub.utils import filter_repo_objects

from conftest import ROOT
from pipeline.share import publish


class StandInHub:
    """create_repo / upload_folder / get_token with the real call signatures, on a local folder."""

    def __init__(self, root: Path, token: str | None = "hf_test") -> None:
        self.root, self.token, self.calls = root, token, []

    def get_token(self) -> str | None:
        return self.token

    def create_repo(self, repo_id: str, *, token=None, private=None, repo_type=None,
                    exist_ok=False):
        self.calls.append(("create_repo", repo_id, token, private, repo_type, exist_ok))
        (self.root / repo_id).mkdir(parents=True, exist_ok=exist_ok)
        return f"https://huggingface.co/datasets/{repo_id}"

    def upload_folder(self, *, repo_id: str, folder_path: str, repo_type=None, token=None,
                      ignore_patterns=None, commit_message=None, **rest):
        self.calls.append(("upload_folder", repo_id, token, repo_type, commit_message))
        folder = Path(folder_path)
        files = sorted(p.relative_to(folder).as_posix() for p in folder.glob("**/*")
                       if p.is_file())
        # what upload_folder does: the caller's patterns plus its defaults, fnmatch on paths
        sent = list(filter_repo_objects(files, ignore_patterns=list(ignore_patterns or [])
                                        + DEFAULT_IGNORE_PATTERNS))
        for rel in sent:
            dst = self.root / repo_id / rel
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(folder / rel, dst)
        return type("CommitInfo", (), {"commit_url": f"https://huggingface.co/datasets/{repo_id}"})()


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("publish") / "processed"
    r = subprocess.run([sys.executable, "-m", "pipeline", "run", "--raw", "raw", "--out", str(out),
                        "--quiet"], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return out


def test_sends_every_file_but_the_cache_and_leftovers(out, tmp_path, monkeypatch, capsys):
    assert any((out / ".cache").rglob("*")), "the run left no cache: the test would prove nothing"
    # what a killed run or git can leave inside the folder
    for leftover in (".spill/part-00000.arrow", ".processed.staging-123/x.parquet", ".gitkeep"):
        (out / leftover).parent.mkdir(parents=True, exist_ok=True)
        (out / leftover).write_text("x")
    hub = StandInHub(tmp_path / "hub")
    monkeypatch.setattr(publish, "HUB", hub)
    assert publish.main("someone/news", out, private=True) == 0
    assert capsys.readouterr().out.strip() == (
        f"published {out} to https://huggingface.co/datasets/someone/news")
    assert hub.calls[0] == ("create_repo", "someone/news", "hf_test", True, "dataset", True)
    assert hub.calls[1][:4] == ("upload_folder", "someone/news", "hf_test", "dataset")
    repo = tmp_path / "hub" / "someone" / "news"
    sent = {p.relative_to(repo).as_posix() for p in repo.rglob("*") if p.is_file()}
    every = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    left_out = {f for f in every if f.startswith((".cache/", ".spill/", ".processed.staging-"))}
    assert sent == every - left_out - {".gitkeep"}
    assert {"README.md", "stats.json", "report.html"} <= sent
    assert any(f.startswith("parquet/paragraphs/") for f in sent)
    # the uploaded copy is a dataset repository: its card loads the same rows
    ds = load_dataset(str(repo), "paragraphs", split="train", cache_dir=str(tmp_path / "c"))
    assert ds.to_list() == load_from_disk(str(out / "hf" / "paragraphs")).to_list()


def test_without_a_token_one_line_and_exit_2(out, tmp_path, monkeypatch, capsys):
    hub = StandInHub(tmp_path / "hub", token=None)
    monkeypatch.setattr(publish, "HUB", hub)
    assert publish.main("someone/news", out, private=False) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "token" in err and hub.calls == []


def test_cli_without_a_token(out, tmp_path):
    """The real huggingface_hub finds no token (none in the environment, an empty HF_HOME)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HF_")}
    env["HF_HOME"] = str(tmp_path / "hf-home")
    r = subprocess.run([sys.executable, "-m", "pipeline", "publish", "someone/news", "--out",
                        str(out)], cwd=ROOT, capture_output=True, text=True, env=env)
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.count("\n") == 1 and r.stderr.startswith("error: publish needs a Hugging Face token")


def test_not_an_output_folder(tmp_path):
    r = subprocess.run([sys.executable, "-m", "pipeline", "publish", "someone/news", "--out",
                        str(tmp_path)], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and "not an output folder" in r.stderr
