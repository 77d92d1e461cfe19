"""The Ray executor runs the same stages as Ray tasks and writes the same bytes as a local run,
on one node and on a cluster of two, where every stage with tasks uses both nodes."""

from __future__ import annotations

import gzip
import itertools
import json
import shutil
import sys
from pathlib import Path

from pipeline.core.config import load_config
from pipeline.runner import run
from pipeline.runtime import store

from conftest import SEED_FILES, SEEDS, corpus, output_digest, require_ray


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


# Two nodes on this machine, each a raylet with its own CPU and object store; allsides articles
# in enough files and parts that every stage has several tasks to spread.
N_FILES, PER_FILE, PART_DOCS = 6, 100, 128
NODE_ARGS = {"num_cpus": 1, "object_store_memory": 100 * 1024 * 1024}


def _small_parts() -> None:
    """Ray workers' set-up: they cut parts as the local run's forked workers do."""
    from pipeline.runtime import store

    store.PART_DOCS = PART_DOCS


def test_two_node_cluster_gives_the_local_bytes_and_uses_both_nodes(tmp_path: Path, monkeypatch):
    ray = require_ray()
    from ray.cluster_utils import Cluster

    raw = tmp_path / "raw"
    (raw / "allsides").mkdir(parents=True)
    with gzip.open(corpus("allsides-news", "articles-part-00.jsonl.gz"), "rt", encoding="utf-8") as fh:
        for k in range(N_FILES):
            (raw / "allsides" / f"a{k}.jsonl").write_text("".join(itertools.islice(fh, PER_FILE)),
                                                          encoding="utf-8")
    for name in SEED_FILES:
        shutil.copy(SEEDS / name, raw / name)
    monkeypatch.setattr(store, "PART_DOCS", PART_DOCS)  # the driver, and the local run's pool
    # A filter rule, so that the filter stage has tasks too (documents printing a phone number).
    sets = ["filter.pii.phones={max: 0}", "write.paragraphs_per_shard=5000"]
    # The local run in this process (any worker count writes the same bytes: test_determinism).
    local = run(load_config(None, [*sets, "run.workers=1"]), raw, tmp_path / "local")

    # Ray's workers cannot import this test module: its set-up function travels by value.
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    cluster = Cluster(initialize_head=True, head_node_args={**NODE_ARGS, "include_dashboard": False})
    try:
        nodes = {cluster.head_node.node_id, (second := cluster.add_node(**NODE_ARGS)).node_id}
        cluster.wait_for_nodes()
        ray.init(address=cluster.address, include_dashboard=False, log_to_driver=False,
                 runtime_env={"worker_process_setup_hook": _small_parts})
        on_ray = run(load_config(None, [*sets, "run.executor=ray", "run.workers=2"]), raw, tmp_path / "ray")
    finally:
        ray.shutdown()
        cluster.shutdown()

    assert on_ray["totals"] == local["totals"]
    assert output_digest(tmp_path / "ray", ignore=("config.yaml",)) == output_digest(tmp_path / "local", ignore=("config.yaml",))
    stages = on_ray["stages"]
    # The run did what an ordering or placement bug would disturb: duplicates, dropped documents.
    assert local["totals"]["paragraphs_by_status"]["duplicate"] > 20
    assert stages["filter"]["documents_dropped"]
    for name in ("ingest", "clean", "dedup", "annotate", "filter"):
        ran = stages[name]["tasks_by_node"]
        assert ran.get(second.node_id, 0) >= 1, f"{name}: no task on the second node {ran}"
        assert set(ran) <= nodes
    assert "tasks_by_node" not in stages["write"]  # the write stage streams on the driver
    assert "tasks_by_node" not in local["stages"]["ingest"]  # a local pool has no nodes
