"""The floors as a contract (docs/architecture.md): the layers and the loops are import-linter's (`make lint`);
this test adds what it cannot say: an app reaches another only through its public face."""

import ast
import functools
from pathlib import Path

import grimp

import grassroots


@functools.cache
def _graph() -> grimp.ImportGraph:
    return grimp.build_graph("grassroots", cache_dir=None)


def _app(module: str) -> str:
    return ".".join(module.split(".")[:2])


def _is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


@functools.cache
def _tree(module: str) -> ast.Module:
    parts = module.split(".")[1:]
    path = Path(grassroots.__file__).parent.joinpath(*parts)
    source = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
    return ast.parse(source.read_text(encoding="utf-8"))


def _names_imported_at(tree: ast.Module, line: int) -> list[str]:
    """The names of the `from ... import` statement starting at `line`, its wrapped lines included."""
    return [
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.lineno == line
        for alias in node.names
    ]


def _private_reaches() -> list[str]:
    graph = _graph()
    found = []
    for importer in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            if not imported.startswith("grassroots.") or _app(importer) == _app(imported):
                continue
            if any(_is_private(part) for part in imported.split(".")):
                found.append(f"{importer} -> {imported}")
            for detail in graph.get_import_details(importer=importer, imported=imported):
                private = [n for n in _names_imported_at(_tree(importer), detail["line_number"]) if _is_private(n)]
                if private:
                    found.append(f"{importer}:{detail['line_number']} -> {imported}: {', '.join(private)}")
    return found


def test_no_app_reaches_into_another_apps_private_modules_or_names():
    assert _private_reaches() == []


def test_the_check_reads_every_name_of_a_wrapped_import():
    tree = ast.parse("import os\nfrom grassroots.core.policy import (\n    Action,\n    _private,\n)\n")
    names = _names_imported_at(tree, 2)
    assert names == ["Action", "_private"]
    assert [n for n in names if _is_private(n)] == ["_private"]
