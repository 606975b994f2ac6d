"""The shape DESIGN.md asks for, enforced: the UI holds no SQL and no unescaped HTML."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
UI_FILES = sorted([ROOT / "app.py", *(ROOT / "views").glob("*.py"), *(ROOT / "ui").glob("*.py")])
SQL = re.compile(r"\.execute\(|\bSELECT\s+\w|\bINSERT\s+INTO\b|\bDELETE\s+FROM\b", re.I)


def test_there_are_ui_files_to_check():
    names = {p.name for p in UI_FILES}
    assert {"app.py", "overview.py", "flows.py", "network.py", "nps.py", "journey_map.py",
            "data.py"} <= names


def test_ui_holds_no_sql():
    offenders = [f"{p.relative_to(ROOT)}:{i}" for p in UI_FILES
                 for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
                 if SQL.search(line)]
    assert offenders == []


def test_ui_never_renders_markup_unsafely():
    # unsafe_allow_html would let a touchpoint name or a comment run as HTML in the app.
    offenders = [str(p.relative_to(ROOT)) for p in UI_FILES
                 if "unsafe_allow_html=True" in p.read_text(encoding="utf-8")]
    assert offenders == []


def test_pages_use_the_deprecated_components_call_nowhere():
    offenders = [str(p.relative_to(ROOT)) for p in UI_FILES
                 if "components.html" in p.read_text(encoding="utf-8")
                 or "components.v1" in p.read_text(encoding="utf-8")]
    assert offenders == []


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"))


PAGES = sorted((ROOT / "views").glob("*.py"))


def test_every_page_has_the_same_shape():
    # `def render(ctx)`, then only `if __name__ == "__main__": render(current_context())`:
    # importing a page runs nothing, and app.py's context is the only way in.
    for path in PAGES:
        tree = _tree(path)
        renders = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "render"]
        assert len(renders) == 1, path.name
        assert [a.arg for a in renders[0].args.args] == ["ctx"], path.name
        last = tree.body[-1]
        assert isinstance(last, ast.If) and ast.unparse(last.test) == "__name__ == '__main__'"
        assert [ast.unparse(s) for s in last.body] == ["render(current_context())"], path.name
        side_effects = [ast.unparse(n)[:60] for n in tree.body[1:-1]
                        if isinstance(n, (ast.Expr, ast.With, ast.For, ast.If, ast.While))]
        assert side_effects == [], (path.name, side_effects)


def _ui_imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("ui"):
            found |= {node.module} if node.module != "ui" else {f"ui.{a.name}" for a in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("ui.")}
    return found


def test_ui_modules_import_without_a_cycle():
    graph = {f"ui.{p.stem}": _ui_imports(p) for p in (ROOT / "ui").glob("*.py")}
    done: set[str] = set()

    def visit(module: str, path: tuple[str, ...]) -> None:
        assert module not in path, " -> ".join((*path, module))
        if module in done:
            return
        for target in graph.get(module, ()):
            visit(target, (*path, module))
        done.add(module)

    for module in graph:
        visit(module, ())
    assert "ui.context" not in graph  # the old twelve-job module is gone


def test_one_markdown_escape():
    # User text reaches Markdown through journey.i18n.md_escape only (there were four copies
    # of the regex, one without ":").
    pattern = re.compile(r"re\.compile\(r?[\"'].*\\\[.*\\\]")
    copies = [f"{p.relative_to(ROOT)}:{i}" for p in [*UI_FILES, *(ROOT / "journey").rglob("*.py")]
              for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
              if pattern.search(line) and "`" in line and "markdown.py" not in p.name]
    assert copies == []
