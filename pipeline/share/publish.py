"""`python -m pipeline publish REPO_ID [--private]`: the output folder as a Hub dataset repository.

The folder already is one (its `README.md` is the dataset card, whose `configs` point at the
Parquet tables), so publishing is `huggingface_hub.create_repo` and `upload_folder`, minus what
is not output: the reusable-work cache and anything a killed run left behind.
"""

from __future__ import annotations

import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from ..report.card import CARD_FILE
from ..runtime.outdir import CACHE_DIR

EXIT_NO_TOKEN = 2
EXIT_NOT_OUTPUT = 1

# Patterns of `huggingface_hub.upload_folder` (fnmatch on paths relative to the folder): the
# cache, the spill folder of a stage's parts, a staging or old output folder of a run that was
# killed (normally beside the output, but found inside when the output's parent is uploaded),
# and the placeholder that keeps an empty processed/ in git.
IGNORE_PATTERNS = [f"{CACHE_DIR}/*", f"{CACHE_DIR}/**", ".spill/*", ".spill/**",
                   ".*.staging-*/**", ".*.old-*/**", ".gitkeep"]

HUB: Any = None  # the module that talks to the Hub (huggingface_hub; a stand-in in tests)


def _hub() -> ModuleType | Any:
    if HUB is not None:
        return HUB
    import huggingface_hub

    return huggingface_hub


def publish(repo_id: str, out: Path, private: bool, token: str) -> Any:
    """Create the dataset repository if needed and upload `out` to it in one commit."""
    hub = _hub()
    hub.create_repo(repo_id, token=token, private=private, repo_type="dataset", exist_ok=True)
    return hub.upload_folder(repo_id=repo_id, folder_path=str(out), repo_type="dataset",
                             token=token, ignore_patterns=list(IGNORE_PATTERNS),
                             commit_message=f"newsprep output ({_run_key(out)})")


def _run_key(out: Path) -> str:
    key = out / "run_key.txt"
    return f"run key {key.read_text().strip()}" if key.is_file() else "no run key"


def main(repo_id: str, out: Path, private: bool) -> int:
    if not (out / CARD_FILE).is_file() or not (out / "parquet").is_dir():
        print(f"error: {out} is not an output folder with a dataset card (run the pipeline first)",
              file=sys.stderr)
        return EXIT_NOT_OUTPUT
    token = _hub().get_token()
    if not token:
        print("error: publish needs a Hugging Face token: set HF_TOKEN or run `hf auth login`",
              file=sys.stderr)
        return EXIT_NO_TOKEN
    info = publish(repo_id, out, private, token)
    url = getattr(info, "commit_url", None) or getattr(info, "repo_url", None) or repo_id
    print(f"published {out} to {url}")
    return 0
