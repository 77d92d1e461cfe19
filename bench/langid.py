"""Language identification: pipeline.langid.detect_languages against seeded langdetect.

Agreement is measured against the reference answer `detect_langs(text)[0]` with
`DetectorFactory.seed = seed` on each *whole* text (langdetect itself reads at most 10,000
characters after removing URLs and e-mails), on allsides part-00 and on both texts (hand-written
body, full page text) of the 181 article-extraction-benchmark pages. The reference run is slow
(~20 ms per article), so its answers are cached under /tmp (never in the repository), keyed by a
hash of the texts, the seed and the langdetect version. Corpora are read from ../shared/corpora
(or $NEWSPREP_CORPORA) and skipped cleanly when absent.

`python -m bench langid [-- --limit N --workers W]`
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPORA = Path(os.environ.get("NEWSPREP_CORPORA", ROOT.parent / "shared" / "corpora"))
ALLSIDES = CORPORA / "allsides-news" / "articles-part-00.jsonl.gz"
AEB = CORPORA / "article-extraction-benchmark"
CACHE = Path(os.environ.get("NEWSPREP_LANGID_CACHE", "/tmp/newsprep-langid-ref"))

Answer = tuple  # (lang | None, prob | None)


def load_allsides(limit: int | None = None) -> list[str] | None:
    if not ALLSIDES.exists():
        return None
    texts = []
    with gzip.open(ALLSIDES, "rt", encoding="utf-8") as f:
        for line in f:
            texts.append(json.loads(line).get("content_original") or "")
            if limit is not None and len(texts) >= limit:
                break
    return texts


def load_benchmark() -> tuple[list[str], list[str]] | None:
    """(texts, labels): per page its hand-written body and its full page text, in id order."""
    gt_path, full_path = AEB / "ground-truth.json", AEB / "output" / "html-text.json"
    if not (gt_path.exists() and full_path.exists()):
        return None
    gt = json.loads(gt_path.read_text(encoding="utf-8"))
    full = json.loads(full_path.read_text(encoding="utf-8"))["output"]
    texts, labels = [], []
    for pid in sorted(gt):
        texts.append(gt[pid]["articleBody"])
        labels.append(f"{pid[:8]}:body")
        texts.append(full[pid]["articleBody"])
        labels.append(f"{pid[:8]}:page")
    return texts, labels


def _reference_one(text: str, seed: int) -> Answer:
    from langdetect import DetectorFactory, detect_langs
    from langdetect.lang_detect_exception import LangDetectException

    DetectorFactory.seed = seed
    try:
        best = detect_langs(text)[0]
    except (LangDetectException, IndexError):  # IndexError: no language above 0.1
        return None, None
    return best.lang, float(best.prob)


def _reference_chunk(args: tuple[list[str], int]) -> list[Answer]:
    texts, seed = args
    return [_reference_one(t, seed) for t in texts]


def reference(texts: list[str], seed: int = 0, workers: int = 1) -> tuple[list[Answer], float]:
    """Seeded langdetect on whole texts: (answers, seconds spent, 0.0 when cached)."""
    import langdetect

    h = hashlib.sha256(f"{seed}|{getattr(langdetect, '__version__', '1.0.9')}".encode())
    for t in texts:
        h.update(t.encode("utf-8", "surrogatepass"))
        h.update(b"\0")
    path = CACHE / f"{h.hexdigest()[:24]}.json"
    if path.exists():
        return [tuple(a) for a in json.loads(path.read_text())], 0.0
    t0 = time.perf_counter()
    chunks = [(texts[i : i + 200], seed) for i in range(0, len(texts), 200)]
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            answers = [a for part in pool.map(_reference_chunk, chunks) for a in part]
    else:
        answers = [a for part in map(_reference_chunk, chunks) for a in part]
    seconds = time.perf_counter() - t0
    CACHE.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(answers))
    tmp.replace(path)
    return answers, seconds


def _ours_chunk(args: tuple[list[str], int, int]) -> list[Answer]:
    from pipeline.langid.detect import detect_languages

    texts, seed, max_chars = args
    return detect_languages(texts, seed=seed, max_chars=max_chars)


def timed(fn, *args):
    """(result, wall seconds, CPU seconds of this process)."""
    w, c = time.perf_counter(), time.process_time()
    out = fn(*args)
    return out, time.perf_counter() - w, time.process_time() - c


def agreement(ours: list[Answer], ref: list[Answer], keep=None) -> dict:
    idx = [i for i in range(len(ref)) if keep is None or keep(i)]
    same = [i for i in idx if ours[i][0] == ref[i][0]]
    scored = [i for i in same if ref[i][1] is not None]
    diffs = [abs(ours[i][1] - ref[i][1]) for i in scored]
    return {
        "n": len(idx),
        "lang": len(same),
        "exact": sum(d < 1e-6 for d in diffs),
        "close": sum(d < 0.01 for d in diffs),
        "maxdiff": max(diffs, default=0.0),
        "wrong": [i for i in idx if ours[i][0] != ref[i][0]],
    }


def exact_posterior(texts: list[str], max_chars: int = 10_000) -> list[str | None]:
    """The alternative the sampling approximates: argmax over languages of the full naive-Bayes
    posterior, sum over *all* the text's n-grams of log(0.5/10000 + p(w|lang)) (langdetect's
    smoothing at its mean alpha). Measured only, to show why the exact replay is used instead."""
    import numpy as np

    from pipeline.langid.ngrams import extract
    from pipeline.langid.tables import tables

    T = tables()
    logP = np.log(T.P + 0.5 / 10000)
    out: list[str | None] = []
    for start in range(0, len(texts), 200):
        batch = extract(texts[start : start + 200], max_chars, T)
        for d, n in enumerate(batch.count.tolist()):
            if n == 0:
                out.append(None)
                continue
            rows = batch.rows(np.full(n, d), np.arange(n), T)
            uniq, mult = np.unique(rows, return_counts=True)
            out.append(T.langs[int((mult @ logP[uniq]).argmax())])
    return out


def pct(a: int, n: int) -> str:
    return f"{100.0 * a / n:.2f}%" if n else "-"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench langid", description=__doc__.split("\n")[0])
    ap.add_argument("--limit", type=int, default=None, help="allsides articles (default: all)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workers", type=int, default=2, help="processes for the reference run")
    ap.add_argument("--speed-sample", type=int, default=300,
                    help="articles timed with langdetect when its answers come from the cache")
    ap.add_argument("--prefixes", default="500,1000,2000,5000",
                    help="max_chars values compared with whole-text langdetect")
    ap.add_argument("--posterior-sample", type=int, default=1000,
                    help="texts per corpus for the exact-posterior comparison (it is slow)")
    argv = list(sys.argv[1:] if argv is None else argv)
    args = ap.parse_args(argv[1:] if argv[:1] == ["--"] else argv)
    from pipeline.langid.detect import detect_languages
    from pipeline.langid.tables import tables

    _, init_wall, init_cpu = timed(tables)
    print(f"tables: {init_wall:.2f} s wall, {init_cpu:.2f} s CPU (once per process)")
    corpora = []
    bench = load_benchmark()
    if bench is None:
        print(f"skip: article-extraction-benchmark not found under {CORPORA}")
    else:
        corpora.append(("aeb (body+page)", bench[0]))
    allsides = load_allsides(args.limit)
    if allsides is None:
        print(f"skip: allsides part-00 not found under {CORPORA}")
    else:
        corpora.append(("allsides part-00", allsides))
    if not corpora:
        return 0

    rows, speed, prefix_rows, post_rows = [], [], [], []
    for name, texts in corpora:
        ref, ref_wall = reference(texts, args.seed, args.workers)
        ours, wall, cpu = timed(detect_languages, texts, args.seed)
        a = agreement(ours, ref)
        rows.append((name, a))
        non_en = agreement(ours, ref, keep=lambda i: ref[i][0] != "en")
        rows.append(("  of which langdetect != en", non_en))
        for i in a["wrong"][:10]:
            print(f"  differs: {name} #{i}: ours {ours[i]} langdetect {ref[i]}")
        # langdetect speed, same run: the reference run if it happened now, else a sample
        if ref_wall and args.workers == 1:
            ld_rate, ld_note = len(texts) / ref_wall, "whole reference run"
        else:
            sample = texts[: args.speed_sample]
            _, w, c = timed(_reference_chunk, (sample, args.seed))
            ld_rate, ld_note = len(sample) / c, f"first {len(sample)} texts, CPU time"
        speed.append((name, len(texts), ld_rate, ld_note, len(texts) / cpu, len(texts) / wall))
        if name.startswith("allsides"):
            half = (len(texts) + 1) // 2
            jobs = [(texts[:half], args.seed, 10_000), (texts[half:], args.seed, 10_000)]
            t0 = time.perf_counter()
            with ProcessPoolExecutor(2) as pool:  # fresh processes: includes building the tables
                two = [x for part in pool.map(_ours_chunk, jobs) for x in part]
            two_wall = time.perf_counter() - t0
            assert two == ours, "answers depend on batching"
            speed.append((f"{name}, 2 processes", len(texts), None, "", None, len(texts) / two_wall))
        m = min(len(texts), args.posterior_sample)
        post = exact_posterior(texts[:m])
        post_rows.append((name, m, sum(post[i] == ref[i][0] for i in range(m)),
                          [i for i in range(m) if ref[i][0] != "en"], post, ref))
        for n in [int(x) for x in args.prefixes.split(",") if x]:
            pre, _, pre_cpu = timed(detect_languages, texts, args.seed, n)
            p = agreement(pre, ref)
            prefix_rows.append((name, n, p, len(texts) / pre_cpu))

    print("\nAgreement with seeded langdetect on whole texts (score diff on same-language answers)")
    print(f"{'corpus':<30} {'texts':>6} {'same lang':>10} {'%':>8} {'|d|<1e-6':>9} {'|d|<0.01':>9} {'max |d|':>9}")
    for name, a in rows:
        print(f"{name:<30} {a['n']:>6} {a['lang']:>10} {pct(a['lang'], a['n']):>8} "
              f"{pct(a['exact'], a['lang']):>9} {pct(a['close'], a['lang']):>9} {a['maxdiff']:>9.1e}")
    print("\nSpeed (documents per second; CPU = this process's CPU time, the machine may be shared)")
    print(f"{'corpus':<32} {'texts':>6} {'langdetect/CPU-s':>17} {'ours/CPU-s':>11} {'ours/wall-s':>12}  note")
    for name, n, ld, note, cpu_rate, wall_rate in speed:
        ld_s = f"{ld:.0f}" if ld else "-"
        cpu_s = f"{cpu_rate:.0f}" if cpu_rate else "-"
        print(f"{name:<32} {n:>6} {ld_s:>17} {cpu_s:>11} {wall_rate:>12.0f}  {note}")
    print("\nAlternative: langdetect on the first N characters (max_text_length = N, computed with")
    print("detect_languages(max_chars=N), which replays langdetect) vs langdetect on whole texts")
    print(f"{'corpus':<30} {'N':>6} {'same lang':>10} {'%':>8} {'|d|<0.01':>9} {'ours/CPU-s':>11}")
    for name, n, p, rate in prefix_rows:
        print(f"{name:<30} {n:>6} {p['lang']:>10} {pct(p['lang'], p['n']):>8} "
              f"{pct(p['close'], p['lang']):>9} {rate:>11.0f}")
    print("\nAlternative: argmax of the exact posterior over all n-grams (alpha = 0.5) vs langdetect")
    print(f"{'corpus':<30} {'texts':>6} {'same lang':>10} {'%':>8} {'non-en same':>12}")
    for name, m, same, non_en, post, ref in post_rows:
        ne = sum(post[i] == ref[i][0] for i in non_en)
        print(f"{name:<30} {m:>6} {same:>10} {pct(same, m):>8} {f'{ne}/{len(non_en)}':>12}")
    overall = sum(a["lang"] for name, a in rows if not name.startswith(" "))
    total = sum(a["n"] for name, a in rows if not name.startswith(" "))
    print(f"\noverall language agreement: {overall}/{total} = {pct(overall, total)}")
    return 0 if total == 0 or overall >= 0.99 * total else 1


if __name__ == "__main__":
    sys.exit(main())
