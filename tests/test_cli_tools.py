"""explain, the dataset card and Parquet loading through `datasets.load_dataset`."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from datasets import load_dataset, load_from_disk

from conftest import ROOT, fork_cli


def test_explain_shows_reasons_and_the_kept_copy(seeds_out: Path):
    r = fork_cli("explain", "003_f0f537a06f17b18a", "--out", str(seeds_out))
    assert r.returncode == 0, r.stderr
    assert "DUPLICATE (near_duplicate)" in r.stdout
    assert "matches 000_c31a543739f4d4b5" in r.stdout and "similarity" in r.stdout
    assert "I have strongly requested to President Putin" in r.stdout  # the kept copy is shown
    missing = fork_cli("explain", "nope", "--out", str(seeds_out))
    assert missing.returncode == 1 and "no document 'nope'" in missing.stderr


def test_explain_takes_the_input_path_as_typed_and_suggests_close_ids(seeds_out: Path):
    for typed in ("raw/003_f0f537a06f17b18a.txt", "003_f0f537a06f17b18a.txt",
                  str(ROOT / "raw" / "003_f0f537a06f17b18a.txt")):
        r = fork_cli("explain", typed, "--out", str(seeds_out))
        assert r.returncode == 0, (typed, r.stderr)
        assert r.stdout.startswith("003_f0f537a06f17b18a: "), typed
    typo = fork_cli("explain", "003_f0f537a06f17b18b", "--out", str(seeds_out))
    assert typo.returncode == 1 and "closest ids: 003_f0f537a06f17b18a" in typo.stderr


def test_dataset_card_header(seeds_out: Path):
    card = (seeds_out / "README.md").read_text()
    _, header, body = card.split("---\n", 2)
    meta = yaml.safe_load(header)
    assert meta["license"] == "other" and meta["language"] == ["en"]  # --set write.license: test_readme_promises
    assert meta["size_categories"] == ["n<1K"]
    configs = {c["config_name"]: c for c in meta["configs"]}
    assert configs["documents"]["default"] is True and "default" not in configs["paragraphs"]
    for name, config in configs.items():  # relative to the output folder, and matching files
        (files,) = [f["path"] for f in config["data_files"]]
        assert files == f"parquet/{name}/*.parquet" and list(seeds_out.glob(files))
    assert "| documents written | 2 |" in body and "`language_score`" in body
    assert "## License\n\nThe license is `other`" in body
    assert not (seeds_out / "hf" / "documents" / "README.md").exists()  # one card, at the root


@pytest.mark.parametrize("name", ["documents", "paragraphs"])
def test_load_dataset_of_the_folder_equals_load_from_disk(seeds_out: Path, name: str, monkeypatch, tmp_path: Path):
    monkeypatch.chdir(seeds_out.parent)  # as a user would: load_dataset("processed", ...)
    ds = load_dataset(seeds_out.name, name, split="train", cache_dir=str(tmp_path / "hf-cache"))
    disk = load_from_disk(str(Path(seeds_out.name) / "hf" / name))
    assert ds.features == disk.features and len(ds) == len(disk) > 1
    assert ds.to_list() == disk.to_list()
    if name == "documents":  # the default configuration
        default = load_dataset(seeds_out.name, split="train", cache_dir=str(tmp_path / "hf-cache"))
        assert default.to_list() == disk.to_list()


def test_parquet_loads_with_load_dataset(seeds_out: Path, tmp_path: Path):
    files = sorted(str(p) for p in (seeds_out / "parquet" / "documents").glob("*.parquet"))
    ds = load_dataset("parquet", data_files=files, split="train",
                      cache_dir=str(tmp_path / "hf-cache"))
    assert sorted(ds["id"]) == ["000_c31a543739f4d4b5", "003_f0f537a06f17b18a"]


def test_progress_bars_per_stage(seed_raw: Path, tmp_path: Path, capsys):
    from pipeline.core.config import load_config
    from pipeline.runner import STAGES, run

    run(load_config(None), seed_raw, tmp_path / "out", progress=True)
    err = capsys.readouterr().err
    for stage in STAGES:
        assert f"{stage.NAME:9s}:" in err
    assert "doc/s" in err
    run(load_config(None), seed_raw, tmp_path / "quiet", progress=False)
    assert capsys.readouterr().err == ""


def test_bench_help_prints_usage_and_runs_no_benchmark(monkeypatch, capsys):
    import importlib

    from bench.__main__ import main

    def no_run(name):
        raise AssertionError(f"-h must not run {name}")

    monkeypatch.setattr(importlib, "import_module", no_run)
    assert main(["-h"]) == 0
    assert "python -m bench [pipeline|scale|dedup" in capsys.readouterr().out
    assert main(["nope"]) == 2  # an unknown name is refused before anything runs
