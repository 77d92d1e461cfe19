"""Command line: `python -m pipeline run|validate|explain|diff|publish`."""

from __future__ import annotations

import argparse
import logging
import sys
import traceback
from pathlib import Path

from .core.config import ConfigError, load_config

# Exit codes (README, "Command line"); a fault of the machine carries its own (`runtime/faults.py`).
EXIT_NOTHING = 1  # nothing at all could be read
EXIT_CONFIG = 2  # bad configuration, or an output location that cannot be written
EXIT_NO_SPACE = 3  # too little free space for the run, or the disk filled up during it
EXIT_WORKER_KILLED = 4  # a worker process was killed (by the out-of-memory killer, say)


def _error(args: argparse.Namespace, line: str) -> None:
    """One line on stderr; with --debug, the traceback of the error being handled first."""
    if getattr(args, "debug", False):
        traceback.print_exc()
    print(line, file=sys.stderr)


def _config_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", type=Path, default=None, help="YAML configuration (default: built-in defaults)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="SECTION.KEY=VALUE",
                   help="override one configuration value (repeatable)")
    p.add_argument("--debug", action="store_true", help="print the full traceback of an error")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m pipeline", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run the pipeline on a raw folder")
    _config_args(run)
    run.add_argument("--raw", type=Path, default=Path("raw"), help="input folder (default: raw/)")
    run.add_argument("--out", type=Path, default=Path("processed"), help="output folder (default: processed/)")
    run.add_argument("--workers", type=int, default=None, help="worker processes, 0 = one per CPU core (default: run.workers, 0)")
    run.add_argument("--executor", choices=["local", "ray"], default=None,
                     help="where the parallel work runs (default: run.executor, local)")
    run.add_argument("--address", default=None, help="Ray cluster address (with --executor ray)")
    run.add_argument("--quiet", action="store_true", help="no progress output")
    run.add_argument("--force", action="store_true",
                     help="run even when the output is up to date with the inputs, config and code")
    run.add_argument("--no-space-check", action="store_true",
                     help="start even when the free disk space looks too small for the run")

    validate = sub.add_parser("validate", help="check a configuration without running")
    _config_args(validate)

    explain = sub.add_parser("explain", help="why a document's paragraphs were kept or removed")
    explain.add_argument("doc_id", metavar="DOC_ID_OR_PATH",
                         help="a document id, or an input path as in raw/ (raw/a.txt, a.txt)")
    explain.add_argument("--out", type=Path, default=Path("processed"), help="output folder to read")

    diff = sub.add_parser("diff", help="which paragraphs changed fate between two output folders")
    diff.add_argument("a", type=Path, help="output folder before the change")
    diff.add_argument("b", type=Path, help="output folder after the change")
    diff.add_argument("--html", type=Path, default=None, metavar="FILE",
                      help="also write the comparison as a self-contained HTML page")
    diff.add_argument("--json", action="store_true", help="print a machine-readable summary")
    diff.add_argument("--moved", type=Path, default=None, metavar="FILE.csv",
                      help="write every moved paragraph (doc_id, index, source, fates) as CSV")

    publish = sub.add_parser("publish", help="upload an output folder as a Hugging Face dataset")
    publish.add_argument("repo_id", help="the dataset repository, e.g. user/news-corpus")
    publish.add_argument("--out", type=Path, default=Path("processed"), help="output folder to upload")
    publish.add_argument("--private", action="store_true", help="create the repository private")
    return parser


def _diff(a: Path, b: Path, html: Path | None, as_json: bool, moved: Path | None) -> int:
    import json

    from .share.diff import NotAnOutput, compare
    from .share.diffhtml import render_diff
    from .share.diffout import render_text, to_json

    try:
        d = compare(a, b, moved_csv=moved)
    except NotAnOutput as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_NOTHING
    if html is not None:
        html.write_text(render_diff(d), encoding="utf-8")
    if as_json:
        sys.stdout.write(json.dumps(to_json(d), ensure_ascii=False, indent=1) + "\n")
    else:
        sys.stdout.write(render_text(d))
        if html is not None:
            print(f"wrote {html}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    if args.command == "explain":
        from .explain import explain

        return explain(args.doc_id, args.out)
    if args.command == "diff":
        return _diff(args.a, args.b, args.html, args.json, args.moved)
    if args.command == "publish":
        from .share.publish import main as publish_main

        return publish_main(args.repo_id, args.out, args.private)
    overrides = list(args.overrides)
    if getattr(args, "workers", None) is not None:
        overrides.append(f"run.workers={args.workers}")
    if getattr(args, "executor", None) is not None:
        overrides.append(f"run.executor={args.executor}")
    if getattr(args, "address", None) is not None:
        overrides.append(f"run.address={args.address}")
    try:
        cfg = load_config(args.config, overrides)
    except ConfigError as e:
        _error(args, f"config error: {e}")
        return EXIT_CONFIG
    if args.command == "validate":
        print(f"{args.config or '<defaults>'}: configuration is valid")
        return 0

    from .runner import NothingToRead, run
    from .runtime.faults import Fault

    try:
        stats = run(cfg, args.raw, args.out, progress=not args.quiet and sys.stderr.isatty(),
                    force=args.force, space_check=not args.no_space_check)
    except NothingToRead as e:
        _error(args, f"error: {e}")
        return EXIT_NOTHING
    except Fault as e:
        _error(args, f"error: {e}")
        return e.exit_code
    if stats.get("up_to_date"):
        print(f"{args.out} is up to date with {args.raw}, the configuration and the code (--force reruns)")
        return 0
    if not args.quiet:
        for name, s in stats["stages"].items():
            print(f"{name:9s} docs {s['documents_in'] if s['documents_in'] is not None else '-':>7} -> "
                  f"{s['documents_out']:>7}  paragraphs {s['paragraphs_in'] if s['paragraphs_in'] is not None else '-':>8} -> "
                  f"{s['paragraphs_out']:>8}  {s['wall_seconds']:8.2f}s")
        t = stats["totals"]
        print(f"wrote {args.out}: {stats['stages']['write']['documents_out']} documents, "
              f"{t['paragraphs_ingested']} ledger rows, {t['inputs_quarantined']} quarantined, "
              f"{stats['wall_seconds']:.1f}s")
    return 0
