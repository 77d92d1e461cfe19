"""Personal-data detection on allsides part-00: `python -m pipeline.eval.pii [--json PATH]`.

Runs the pii annotator's finder over every article's text as published (`content_original`,
boilerplate included, so that contact lines are there), then prints:
- the detections per kind, and a fixed random sample of 50 per kind with 40 characters of
  context each side, to be read by a person (precision is what a reader judges right);
- the e-mail check: every address a plain regex finds ([\\w.+-]+@[\\w-]+\\.[\\w.-]+, trailing
  dots removed) must be among ours, and the differences are listed.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import sys
from collections import Counter
from pathlib import Path

from ..annotators import pii
from .common import corpora_dir, publish

PLAIN_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
SAMPLE = 50


def texts(path: Path) -> list[tuple[str, str]]:
    out = []
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            rec = json.loads(line)
            out.append((str(rec.get("id") or i), rec.get("content_original") or rec.get("text") or ""))
    return out


def evaluate(path: Path, seed: int = 0) -> dict:
    found: dict[str, list[dict]] = {"email": [], "phone": [], "ip": []}
    plain: Counter = Counter()
    ours_email: Counter = Counter()
    for doc_id, text in texts(path):
        for kind, spans in pii.find(text).items():
            for a, b in spans:
                found[kind].append({"id": doc_id, "match": text[a:b],
                                    "context": text[max(0, a - 40):b + 40].replace("\n", " ")})
                if kind == "email":
                    ours_email[text[a:b]] += 1
        for m in PLAIN_EMAIL.finditer(text):
            plain[m.group().rstrip(".-")] += 1
    rng = random.Random(seed)
    samples = {k: rng.sample(v, min(SAMPLE, len(v))) for k, v in found.items()}
    missed = plain - ours_email
    extra = ours_email - plain
    return {"documents": len(texts(path)), "detections": {k: len(v) for k, v in found.items()},
            "samples": samples, "plain_email_regex": sum(plain.values()),
            "emails_found": sum(ours_email.values()), "emails_missed": dict(missed),
            "emails_not_in_plain": dict(extra)}


def render(res: dict) -> str:
    lines = [f"PII on allsides part-00 ({res['documents']} articles as published)", "",
             "detections: " + ", ".join(f"{k} {n}" for k, n in res["detections"].items()),
             f"e-mail check: plain regex {res['plain_email_regex']}, ours {res['emails_found']}, "
             f"missed {sum(res['emails_missed'].values())} {sorted(res['emails_missed'])[:10]}"]
    for kind, rows in res["samples"].items():
        lines += ["", f"{kind}: {len(rows)} sampled detections (read them)"]
        lines += [f"- [{r['match']}] ...{r['context']}..." for r in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m pipeline.eval.pii", description=__doc__)
    ap.add_argument("--json", help="also write the figures to this JSON file")
    args = ap.parse_args(argv)
    path = corpora_dir() / "allsides-news" / "articles-part-00.jsonl.gz"
    if not path.is_file():
        print(f"skipped: corpus not found at {path}")
        return 0
    res = evaluate(path)
    return publish(res, render(res), args.json)


if __name__ == "__main__":
    sys.exit(main())
