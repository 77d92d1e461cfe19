"""The Ray executor runs the same stages as Ray tasks and writes the same bytes as a local run."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from pipeline.core.config import load_config
from pipeline.runner import run

from conftest import SEED_FILES, SEEDS, output_digest, require_ray


def test_ray_output_is_identical_to_local(tmp_path: Path):
    ray = require_ray()
    raw = tmp_path / "raw"
    (raw / "wire").mkdir(parents=True)
    for name in SEED_FILES:
        shutil.copy(SEEDS / name, raw / name)
    with (raw / "wire" / "feed.jsonl").open("w") as fh:
        for i in range(30):
            text = (f"Council meeting {i} approved a budget of {i * 7} million for the harbour.\n"
                    "Residents asked for more buses on the night routes across the river.")
            fh.write(json.dumps({"id": f"w{i}", "date": f"2024-01-{i % 28 + 1:02d}", "text": text}) + "\n")
    (raw / "broken.jsonl").write_text('{"id": "x", "text": "fine line of text here"}\n{broken\n')

    shards = ["write.paragraphs_per_shard=20", "write.documents_per_shard=7"]
    local = run(load_config(None, ["run.workers=2", *shards]), raw, tmp_path / "local")
    on_ray = run(load_config(None, ["run.executor=ray", "run.workers=2", *shards]), raw, tmp_path / "ray")
    assert len(list((tmp_path / "ray" / "parquet" / "paragraphs").glob("*.parquet"))) > 3
    assert on_ray["totals"] == local["totals"]
    assert output_digest(tmp_path / "ray", ignore=("config.yaml",)) == output_digest(tmp_path / "local", ignore=("config.yaml",))
    assert local["totals"]["paragraphs_by_status"]["duplicate"] >= 2
    assert not ray.is_initialized()  # the executor shut down the Ray it started
