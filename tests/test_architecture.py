"""The shape of the package: the rules a newcomer relies on to find their way, checked.

- no import cycle between modules (type-checking imports included: a cycle there still ties the
  files together for a reader);
- no module longer than 400 lines;
- every stage in `runner.STAGES` is one module with a NAME, a config section of that name and
  `run(handoff, cfg, ctx)`.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

from pipeline.core.config import Config
from pipeline.runner import STAGES
from pipeline.stages.base import Handoff

PACKAGE = Path(__file__).resolve().parents[1] / "pipeline"
MAX_LINES = 400


def _modules() -> dict[str, Path]:
    mods = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        mods[name] = path
    return mods


def import_graph(mods: dict[str, Path]) -> dict[str, set[str]]:
    """Module -> the package modules it imports (relative and absolute, at any depth)."""
    graph: dict[str, set[str]] = {m: set() for m in mods}
    for name, path in mods.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                found = {target} | {f"{target}.{a.name}" for a in node.names}
            elif isinstance(node, ast.Import):
                found = {a.name for a in node.names}
            else:
                continue
            graph[name] |= {t for t in found if t in mods and t != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            v, edges = work[-1]
            w = next(edges, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(graph[w]))))
                elif w in on_stack:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    x = stack.pop()
                    on_stack.discard(x)
                    comp.append(x)
                    if x == v:
                        break
                if len(comp) > 1:
                    found.append(sorted(comp))
    return found


def test_cycle_finder_finds_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle_between_modules():
    assert cycles(import_graph(_modules())) == []


def test_modules_are_small_enough_to_read_whole():
    long = {name: n for name, path in _modules().items()
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}


def test_the_tree_has_packages_by_responsibility():
    packages = {p.parent.name for p in PACKAGE.glob("*/__init__.py")}
    assert {"core", "runtime", "readers", "stages", "boilerplate", "neardup", "langid",
            "report"} <= packages


@pytest.mark.parametrize("stage", STAGES, ids=lambda s: s.NAME)
def test_every_stage_has_one_shape(stage):
    params = list(inspect.signature(stage.run).parameters)
    assert params == ["handoff", "cfg", "ctx"]
    hints = inspect.get_annotations(stage.run, eval_str=True)
    assert hints["handoff"] is Handoff and hints["return"] is Handoff
    # Its configuration is the section of its name, of the type its run takes.
    assert isinstance(getattr(Config(), stage.NAME), hints["cfg"])


def test_stage_order_is_declared_once():
    names = [s.NAME for s in STAGES]
    assert names == ["ingest", "clean", "dedup", "annotate", "filter", "write"]
    runner = (PACKAGE / "runner.py").read_text(encoding="utf-8")
    # The loop drives the stages: no stage is called by name outside STAGES.
    for name in names:
        assert f"{name}.run(" not in runner
