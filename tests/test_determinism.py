"""Same input and configuration give byte-identical Parquet and `datasets` files whatever
`--workers`: 1 (everything in this process), 2 and 3 (process pools that split the work
differently), on real articles spread over several input files, parts and shards."""

from __future__ import annotations

import gzip
import itertools
from pathlib import Path

import pandas as pd
import pytest

from pipeline.core.config import load_config
from pipeline.runner import run
from pipeline.runtime import store

from conftest import SEED_FILES, SEEDS, corpus, output_digest

N_FILES, PER_FILE = 4, 200  # allsides articles: four read jobs
PART_DOCS = 128  # instead of 1,024: the same code over seven parts, at a fraction of the cost


@pytest.fixture(scope="module")
def allsides_raw(tmp_path_factory) -> Path:
    raw = tmp_path_factory.mktemp("determinism") / "raw"
    (raw / "allsides").mkdir(parents=True)
    with gzip.open(corpus("allsides-news", "articles-part-00.jsonl.gz"), "rt", encoding="utf-8") as fh:
        for k in range(N_FILES):
            (raw / "allsides" / f"articles-{k}.jsonl").write_text(
                "".join(itertools.islice(fh, PER_FILE)), encoding="utf-8")
    for name in SEED_FILES:
        (raw / name).write_bytes((SEEDS / name).read_bytes())
    return raw


def test_worker_counts_give_identical_bytes(allsides_raw: Path, tmp_path: Path, monkeypatch):
    # Set before the pools fork, so their workers cut parts at the same size.
    monkeypatch.setattr(store, "PART_DOCS", PART_DOCS)
    digests, stats = {}, {}
    for workers in (1, 2, 3):
        out = tmp_path / f"w{workers}"
        stats[workers] = run(load_config(None, [f"run.workers={workers}", "write.paragraphs_per_shard=6000",
                                                "write.documents_per_shard=300"]), allsides_raw, out)
        # config.yaml records run.workers, which differs on purpose; stats.json holds timings.
        digests[workers] = output_digest(out, ignore=("config.yaml",))
    files = digests[1]
    assert sum(k.startswith("parquet/paragraphs/") for k in files) > 1
    assert sum(k.startswith("parquet/documents/") for k in files) > 1
    assert sum(k.startswith("hf/paragraphs/data-") for k in files) > 1
    for workers in (2, 3):
        differ = sorted(k for k in files.keys() | digests[workers].keys()
                        if files.get(k) != digests[workers].get(k))
        assert not differ, f"--workers {workers} differs from --workers 1 in {differ}"
    n_docs = stats[3]["stages"]["ingest"]["documents_out"]
    assert n_docs == N_FILES * PER_FILE + len(SEED_FILES) and n_docs > 5 * PART_DOCS
    # The run did real work that an ordering bug would disturb: duplicates across documents.
    ledger = pd.read_parquet(tmp_path / "w1" / "parquet" / "paragraphs", columns=["status"])
    assert (ledger.status == "duplicate").sum() > 20
