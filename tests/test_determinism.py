"""Same input and configuration give byte-identical Parquet and `datasets` files whatever
`--workers`: 1 (everything in this process), 2 and 3 (process pools that split the work
differently), on real articles spread over several parts and shards."""

from __future__ import annotations

import gzip
import itertools
import json
from pathlib import Path

import pandas as pd
import pytest

from pipeline.runtime import store

from conftest import SEED_FILES, SEEDS, corpus, output_digest, run_cli

N_ARTICLES = 2100  # three parts of up to store.PART_DOCS documents, three JSONL read jobs


@pytest.fixture(scope="module")
def allsides_raw(tmp_path_factory) -> Path:
    raw = tmp_path_factory.mktemp("determinism") / "raw"
    (raw / "allsides").mkdir(parents=True)
    with gzip.open(corpus("allsides-news", "articles-part-00.jsonl.gz"), "rt", encoding="utf-8") as fh, \
            (raw / "allsides" / "articles.jsonl").open("w", encoding="utf-8") as dst:
        dst.writelines(itertools.islice(fh, N_ARTICLES))
    for name in SEED_FILES:
        (raw / name).write_bytes((SEEDS / name).read_bytes())
    return raw


def test_worker_counts_give_identical_bytes(allsides_raw: Path, tmp_path: Path):
    assert N_ARTICLES > 2 * store.PART_DOCS
    digests = {}
    for workers in (1, 2, 3):
        out = tmp_path / f"w{workers}"
        r = run_cli("run", "--raw", str(allsides_raw), "--out", str(out), "--workers", str(workers),
                    "--quiet", "--set", "write.paragraphs_per_shard=20000",
                    "--set", "write.documents_per_shard=1000", timeout=900)
        assert r.returncode == 0, r.stderr
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
    # The run did real work that an ordering bug would disturb: duplicates across documents.
    ledger = pd.read_parquet(tmp_path / "w1" / "parquet" / "paragraphs", columns=["status"])
    assert (ledger.status == "duplicate").sum() > 50
    stats = json.loads((tmp_path / "w3" / "stats.json").read_text())
    assert stats["stages"]["ingest"]["documents_out"] == N_ARTICLES + 2
