"""journey/ is the core: CLI, exports and tests use it without Streamlit (DESIGN.md)."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import journey

ROOT = Path(__file__).resolve().parents[1]


def test_no_journey_module_imports_streamlit() -> None:
    modules = sorted(
        m.name
        for m in pkgutil.walk_packages(journey.__path__, prefix="journey.")
        if not m.name.endswith("__main__")
    )
    assert "journey.db.store" in modules
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m == 'streamlit' or m.startswith('streamlit.'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "", f"streamlit imported by journey/: {out.stdout.strip()}"
