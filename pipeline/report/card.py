"""The dataset card (`README.md` at the root of the output folder), in Hugging Face's format:
YAML header, then prose. Its `configs` point at the Parquet tables relative to that folder, so the
folder is a dataset repository as it stands: `datasets.load_dataset(out, "documents")`, the Hub's
viewer and `huggingface_hub.upload_folder` all read it.

Only deterministic facts go in (counts, configuration hash, versions), so that identical runs
write identical cards.
"""

from __future__ import annotations

from collections import Counter
from importlib.metadata import version
from typing import Any

import xxhash
import yaml

from .. import __version__
from ..core.config import Config, to_dict
from ..annotators import selected
from ..annotators.filters import parse
from ..core.schema import PARAGRAPH_SCHEMA, document_schema


CARD_FILE = "README.md"  # at the root of the output folder
DATA_FILES = {name: f"parquet/{name}/*.parquet" for name in ("documents", "paragraphs")}
OTHER_LICENSE = ("The license is `other`: the texts keep their publishers' rights. The cleaning, "
                 "deduplication and annotations add no claim to them; check each source's terms "
                 "before you redistribute or train on the text.")


def size_category(n: int) -> str:
    for limit, label in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"),
                         (1_000_000, "100K<n<1M"), (10_000_000, "1M<n<10M")):
        if n < limit:
            return label
    return "n>10M"


def _pkg(name: str) -> str:
    try:
        return version(name)
    except Exception:  # noqa: BLE001 - a missing distribution only leaves the field out
        return "unknown"


def output_config_hash(cfg: Config) -> str:
    """xxh3-64 of the configuration sections that shape the output (not `run`: workers and the
    like change how a run executes, never what it writes)."""
    sections = {k: v for k, v in to_dict(cfg).items() if k != "run"}
    return xxhash.xxh3_64_hexdigest(yaml.safe_dump(sections, sort_keys=True).encode())


def dataset_card(cfg: Config, stats: dict[str, Any], languages: Counter) -> str:
    """`languages`: how many written documents have each language (first seen first)."""
    n_docs = stats["stages"]["write"]["documents_out"]
    langs = [lang for lang, _ in languages.most_common() if lang]
    header = {
        "pretty_name": cfg.write.pretty_name,
        "language": langs or ["und"],
        "license": cfg.write.license,
        "size_categories": [size_category(n_docs)],
        "task_categories": ["text-generation"],
        "configs": [
            {"config_name": "documents", "default": True,
             "data_files": [{"split": "train", "path": DATA_FILES["documents"]}]},
            {"config_name": "paragraphs",
             "data_files": [{"split": "train", "path": DATA_FILES["paragraphs"]}]},
        ],
    }
    totals = stats["totals"]
    config_hash = output_config_hash(cfg)
    lines = [
        "---", yaml.safe_dump(header, sort_keys=False).rstrip(), "---", "",
        f"# {cfg.write.pretty_name}", "",
        "News and web articles from several outlets, cleaned of boilerplate and with repeated",
        "paragraphs removed across outlets (one copy kept: the earliest-dated document's), each",
        "document annotated with its language and counts. `paragraphs` is the ledger: every",
        "ingested paragraph with its status and, for a removed one, why and what it matched.", "",
        "## Loading", "",
        "```python",
        "from datasets import load_dataset, load_from_disk",
        'docs = load_dataset("path/to/this/folder", "documents", split="train")   # or "paragraphs"',
        'docs = load_from_disk("path/to/this/folder/hf/documents")                # the same rows',
        "```", "",
        "## License", "",
        OTHER_LICENSE if cfg.write.license == "other" else f"`{cfg.write.license}`.", "",
        "## How it was made", "",
        f"- newsprep {__version__}; datasets {_pkg('datasets')}, pyarrow {_pkg('pyarrow')}, "
        f"langdetect {_pkg('langdetect')}",
        f"- stages: {', '.join(stats['stages'])}",
        f"- configuration hash (xxh3-64 of config.yaml without its `run` section): `{config_hash}`", "",
        "## Counts", "",
        "| what | count |", "|---|---|",
        f"| documents ingested | {totals['documents_ingested']} |",
        f"| documents written | {n_docs} |",
        f"| paragraphs ingested | {totals['paragraphs_ingested']} |",
    ]
    for status, n in totals["paragraphs_by_status"].items():
        lines.append(f"| paragraphs {status} | {n} |")
    lines.append(f"| inputs quarantined | {totals['inputs_quarantined']} |")
    lines += ["", "Languages: " + (", ".join(f"{k} {v}" for k, v in languages.most_common() if k) or "none"), ""]
    lines += _filters(cfg, stats)
    about = {c.name: f"{a.name}: {c.doc}" for a in selected(cfg.annotate.annotators) for c in a.columns}
    for title, schema in (("documents", document_schema(cfg.annotate.annotators)),
                          ("paragraphs (ledger)", PARAGRAPH_SCHEMA)):
        lines += [f"## Schema: {title}", "", "| column | type | annotator |", "|---|---|---|"]
        lines += [f"| `{f.name}` | {f.type} | {about.get(f.name, '')} |" for f in schema]
        lines.append("")
    return "\n".join(lines)


def _filters(cfg: Config, stats: dict[str, Any]) -> list[str]:
    """The filter rules applied and the documents each dropped; how personal data was handled."""
    lines = ["## Filters", ""]
    rules = parse(cfg.filter, cfg.annotate.annotators)
    if not rules:
        lines.append("No filter rules: no document was dropped for its quality signals.")
    else:
        dropped = stats["stages"].get("filter", {}).get("documents_dropped", {})
        lines += ["A document failing a rule was dropped; its paragraphs are in the ledger with "
                  "status `filtered` and the rule as reason.", "",
                  "| rule (kept when) | documents dropped |", "|---|---|"]
        lines += [f"| `{r.reason}` | {dropped.get(f'filtered:{r.reason}', 0)} |" for r in rules]
    if "pii" in cfg.annotate.annotators or cfg.annotate.pii == "mask":
        lines += ["", "Personal data: " + (
            "e-mail addresses, phone numbers and IP addresses are replaced by `<EMAIL>`, "
            "`<PHONE>`, `<IP>` in every text field." if cfg.annotate.pii == "mask" else
            "e-mail addresses, phone numbers and IP addresses are counted (`pii_*` columns), "
            "not masked.")]
    return lines + [""]
