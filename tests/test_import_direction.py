"""The core's layers import only downward: cli -> present -> analytics/ingest -> voc -> db,
i18n a leaf.

Read from the source (every import statement, function-level ones too), so a late import
cannot hide an upward arrow or a cycle between layers.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORE = ROOT / "journey"

# What each layer may import from the core besides itself.
ALLOWED: dict[str, set[str]] = {
    "i18n": set(),
    "db": {"i18n"},
    "voc": {"db", "i18n"},
    "ingest": {"voc", "db", "i18n"},
    "analytics": {"voc", "db", "i18n"},
    "present": {"analytics", "i18n"},
    "cli": {"present", "analytics", "ingest", "voc", "db", "i18n"},
}


def _layer(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "journey":
        return None
    return parts[1] if len(parts) > 1 else ""


def _imports(path: Path) -> list[str]:
    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found += [f"{node.module}.{a.name}" for a in node.names]
    return found


def _edges() -> list[tuple[str, str, str]]:
    edges = []
    for path in sorted(CORE.rglob("*.py")):
        rel = path.relative_to(CORE)
        if len(rel.parts) == 1:
            continue  # journey/__init__.py and __main__.py only start the CLI
        layer = rel.parts[0]
        for target in _imports(path):
            other = _layer(target)
            if other and other != layer:
                edges.append((str(rel), layer, other))
    return edges


def test_every_core_module_sits_in_a_known_layer() -> None:
    layers = {p.relative_to(CORE).parts[0] for p in CORE.rglob("*.py") if p.parent != CORE}
    assert layers == set(ALLOWED)


def test_core_imports_only_downward() -> None:
    upward = [(f, a, b) for f, a, b in _edges() if b not in ALLOWED[a]]
    assert upward == [], f"upward or sideways imports: {upward}"


def test_an_upward_import_is_caught(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text("def f():\n    from journey.present import stat_charts\n")
    assert "journey.present.stat_charts" in _imports(probe)
    assert _layer("journey.present.stat_charts") not in ALLOWED["db"]


def test_ui_and_views_never_reach_the_store_tables_directly() -> None:
    # Pages and UI helpers go through analytics/ingest/db functions; no layer below imports them.
    for path in CORE.rglob("*.py"):
        assert not any(t.startswith(("ui", "views", "streamlit")) for t in _imports(path)), path
