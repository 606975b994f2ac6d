"""The shape DESIGN.md asks for, enforced: the UI holds no SQL and no unescaped HTML."""

from __future__ import annotations

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
