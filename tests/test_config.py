from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.core.config import ConfigError, dump_yaml, load_config


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "c.yaml"
    path.write_text(text)
    return path


def test_defaults_and_shipped_config_load():
    assert load_config(None).run.workers == 0  # one per core
    cfg = load_config("configs/default.yaml")
    assert cfg.dedup.enabled and cfg.annotate.langdetect_seed == 0


@pytest.mark.parametrize(
    "text, key",
    [
        ("dedup:\n  nonsense: 1\n", "dedup.nonsense"),
        ("nosection: {}\n", "nosection"),
        ("run:\n  workers: two\n", "run.workers"),
        ("run:\n  workers: -2\n", "run.workers"),
        ("write:\n  zstd_level: 99\n", "write.zstd_level"),
        ("dedup:\n  source_priority: Reuters\n", "dedup.source_priority"),
        ("annotate:\n  annotators: [language, nope]\n", "annotate.annotators"),
        ("annotate:\n  annotators: [gopher, gopher]\n", "annotate.annotators"),
        ("annotate:\n  pii: redact\n", "annotate.pii"),
        ("filter:\n  gopher.nope: [3, 10]\n", "filter"),
        ("filter:\n  gopher_mean_word_length: [3, 10]\n", "filter"),
        ("filter:\n  gopher.mean_word_length: 3\n", "filter"),
        ("filter:\n  gopher.mean_word_length: [10, 3]\n", "filter"),
        ("filter:\n  c4.lorem_ipsum: {max: 0}\n", "filter"),
        ("annotate:\n  annotators: [language]\nfilter:\n  gopher.word_count: {min: 50}\n", "filter"),
        ("ingest:\n  fields: {nope: [a]}\n", "ingest.fields"),
        ("dedup:\n  near:\n    containment: 3\n", "dedup.near.containment"),
        ("clean:\n  allowlist: ['(unclosed']\n", "clean.allowlist"),
        ("run:\n  executor: spark\n", "run.executor"),
    ],
)
def test_errors_name_file_and_key(tmp_path, text, key):
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as e:
        load_config(path)
    assert str(path) in str(e.value) and f"'{key}'" in str(e.value)


def test_bad_yaml_and_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(_write(tmp_path, "run: [unclosed\n"))
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "missing.yaml")


def test_set_overrides_and_round_trip(tmp_path):
    cfg = load_config(None, ["dedup.source_priority=[Reuters, AP]", "run.workers=2"])
    assert cfg.dedup.source_priority == ("Reuters", "AP") and cfg.run.workers == 2
    again = load_config(_write(tmp_path, dump_yaml(cfg)))
    assert again == cfg
    with pytest.raises(ConfigError, match="section.key=value"):
        load_config(None, ["workers=2"])


def test_validate_command(tmp_path, capsys):
    assert main(["validate", "--config", "configs/default.yaml"]) == 0
    assert main(["validate", "--config", str(_write(tmp_path, "run:\n  workers: -1\n"))]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "run.workers" in err


def test_zero_workers_means_one_per_core():
    from pipeline.runtime.executors import cpu_count, make_executor

    with make_executor("local", 0) as executor:
        assert executor.workers == cpu_count() >= 1
    with make_executor("local", 3) as executor:
        assert executor.workers == 3
