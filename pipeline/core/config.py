"""Typed, frozen run configuration loaded from one YAML file.

Each stage declares its own section as a frozen dataclass next to its code (`IngestConfig` in
`ingest.py`, ...); this module assembles them, checks every key and type, and reports the first
problem as one line naming the file and the key. Range checks live in each section's
`__post_init__` and raise `ValueError`, which is reported the same way.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Union

import yaml

from ..stages.annotate import AnnotateConfig
from ..stages.clean import CleanConfig
from ..stages.dedup import DedupConfig
from ..stages.ingest import IngestConfig
from ..stages.write import WriteConfig


class ConfigError(Exception):
    """A configuration problem, already phrased for the user (file and key)."""


@dataclass(frozen=True)
class RunConfig:
    # How a run executes, never what it writes: outputs are identical for every value here.
    # Processes for the parallel parts; 0: one per CPU core this process may use.
    workers: int = 0
    # "local": this machine (a process pool when workers > 1); "ray": Ray tasks.
    executor: Literal["local", "ray"] = "local"
    # Ray cluster address ("auto", "ray://host:10001"); null starts a local Ray instance.
    address: str | None = None
    # Reuse work of earlier (or killed) runs kept in <out>/.cache: files already read, languages
    # already identified. Entries are keyed by content, so reuse never changes the output.
    cache: bool = True

    def __post_init__(self) -> None:
        if self.workers < 0:
            raise ValueError("workers: must be 0 (one per core) or a positive count")


@dataclass(frozen=True)
class Config:
    run: RunConfig = field(default_factory=RunConfig)
    ingest: IngestConfig = field(default_factory=IngestConfig)
    clean: CleanConfig = field(default_factory=CleanConfig)
    dedup: DedupConfig = field(default_factory=DedupConfig)
    annotate: AnnotateConfig = field(default_factory=AnnotateConfig)
    # Rules over the annotators' columns that drop documents (`annotators/filters.py`), e.g.
    # {"gopher.mean_word_length": [3, 10]}; none by default.
    filter: dict[str, Any] = field(default_factory=dict)
    write: WriteConfig = field(default_factory=WriteConfig)

    def __post_init__(self) -> None:
        from ..annotators.filters import parse

        parse(self.filter, self.annotate.annotators)  # ValueError("filter: ...") when wrong


def load_config(path: str | Path | None, overrides: list[str] | tuple[str, ...] = ()) -> Config:
    """Load `path` (or the defaults when None), apply `section.key=value` overrides, validate."""
    where = str(path) if path else "<defaults>"
    raw: dict[str, Any] = {}
    if path is not None:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as e:
            raise ConfigError(f"{where}: cannot read configuration ({e.strerror or e})") from None
        try:
            raw = yaml.safe_load(text) or {}
        except yaml.YAMLError as e:
            mark = getattr(e, "problem_mark", None)
            at = f" line {mark.line + 1}" if mark else ""
            raise ConfigError(f"{where}:{at} not valid YAML ({getattr(e, 'problem', e)})") from None
        if not isinstance(raw, dict):
            raise ConfigError(f"{where}: top level must be a mapping of sections")
    for item in overrides:
        key, sep, value = item.partition("=")
        if not sep or "." not in key:
            raise ConfigError(f"--set {item!r}: expected section.key=value")
        node = raw
        *parents, leaf = key.split(".")
        if parents[0] == "filter":  # filter keys are dotted signal names: filter.gopher.x=...
            parents, leaf = ["filter"], key.split(".", 1)[1]
        for part in parents:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ConfigError(f"--set {item!r}: {part} is not a section")
        node[leaf] = yaml.safe_load(value)
    return _build(Config, raw, where, "")


def to_dict(cfg: Any) -> Any:
    """Plain data (for YAML output and hashing): dataclasses to dicts, tuples to lists."""
    if dataclasses.is_dataclass(cfg):
        return {f.name: to_dict(getattr(cfg, f.name)) for f in dataclasses.fields(cfg)}
    if isinstance(cfg, (list, tuple)):
        return [to_dict(v) for v in cfg]
    if isinstance(cfg, dict):
        return {k: to_dict(v) for k, v in cfg.items()}
    return cfg


def dump_yaml(cfg: Config) -> str:
    return yaml.safe_dump(to_dict(cfg), sort_keys=False, allow_unicode=True)


def _build(cls: type, data: Any, where: str, prefix: str) -> Any:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: key '{prefix.rstrip('.') or '<root>'}' must be a mapping")
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    for key in data:
        if key not in names:
            known = ", ".join(sorted(names))
            raise ConfigError(f"{where}: unknown key '{prefix}{key}' (known: {known})")
    kwargs = {k: _coerce(v, hints[k], where, f"{prefix}{k}") for k, v in data.items()}
    try:
        return cls(**kwargs)
    except ValueError as e:
        # __post_init__ checks name their field in the message as "field: problem" when they can.
        msg = str(e)
        field_name, sep, rest = msg.partition(": ")
        if sep and field_name in names:
            raise ConfigError(f"{where}: key '{prefix}{field_name}' {rest}") from None
        raise ConfigError(f"{where}: section '{prefix.rstrip('.') or '<root>'}': {msg}") from None


def _coerce(value: Any, tp: Any, where: str, key: str) -> Any:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)

    def bad(expected: str) -> ConfigError:
        return ConfigError(f"{where}: key '{key}' must be {expected}, got {value!r}")

    if dataclasses.is_dataclass(tp):
        return _build(tp, value, where, key + ".")
    if origin in (Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        inner = [a for a in args if a is not type(None)]
        if len(inner) == 1:
            return _coerce(value, inner[0], where, key)
        for a in inner:
            try:
                return _coerce(value, a, where, key)
            except ConfigError:
                continue
        raise bad(" or ".join(getattr(a, "__name__", str(a)) for a in inner))
    if origin is Literal:
        if value not in args:
            raise bad("one of " + ", ".join(map(repr, args)))
        return value
    if tp is bool:
        if not isinstance(value, bool):
            raise bad("true or false")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise bad("an integer")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise bad("a number")
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise bad("a string")
        return value
    if origin is tuple:
        if not isinstance(value, (list, tuple)):
            raise bad("a list")
        item_tp = args[0] if args else Any
        return tuple(_coerce(v, item_tp, where, f"{key}[{i}]") for i, v in enumerate(value))
    if origin is dict:
        if not isinstance(value, dict):
            raise bad("a mapping")
        k_tp, v_tp = args if args else (Any, Any)
        return {
            _coerce(k, k_tp, where, f"{key}"): _coerce(v, v_tp, where, f"{key}.{k}")
            for k, v in value.items()
        }
    if tp is Any:
        return value
    raise ConfigError(f"{where}: key '{key}' has an unsupported type {tp!r}")  # pragma: no cover
