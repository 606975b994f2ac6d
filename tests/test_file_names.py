"""Download file names: bounded, safe on every system, and built by one helper."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from ui.filenames import MAX_CHARS, download_name, safe_stem

ROOT = Path(__file__).resolve().parents[1]
UI_FILES = sorted([ROOT / "app.py", *(ROOT / "views").glob("*.py"), *(ROOT / "ui").glob("*.py")])
SAFE = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")

PERSONAS = [
    "Busy parent",
    "Parent pressé",
    "x" * 5000,
    "é" * 5000,
    "顧客" * 3000,
    'a/b\\c:d*e?f"g<h>i|j\x00k\x1fl',
    "../../etc/passwd",
    "CON",
    " . ",
    "[Log in again](http://evil.example/login)",
    "👩‍👧 Famille",
]


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_name_is_bounded_and_safe(persona: str) -> None:
    for ext in ("png", "svg", "html", "csv", "duckdb"):
        name = download_name("journey-map", persona, "fr", ext=ext)
        assert len(name) <= MAX_CHARS and len(name.encode()) <= MAX_CHARS, name
        assert set(name) <= SAFE, name
        stem = name.rsplit(".", 1)[0]
        assert name.endswith("." + ext) and stem and not stem.startswith((".", "-"))
        assert stem.split("-")[0].upper() not in {"CON", "PRN", "AUX", "NUL"}
        assert name.count(".") == 1  # no "..", no hidden second extension


def test_readable_names_stay_as_they_were() -> None:
    assert download_name("journey-map", "Busy parent", "en", ext="png") == \
        "journey-map-Busy-parent-en.png"
    assert download_name("journey-map", "Parent pressé", "fr", ext="svg") == \
        "journey-map-Parent-presse-fr.svg"
    assert safe_stem("parcours-flows") == "parcours-flows"


def test_long_names_keep_their_ends_and_stay_apart() -> None:
    a = download_name("journey-map", "A" * 5000, "fr", ext="png")
    b = download_name("journey-map", "A" * 4999 + "B", "fr", ext="png")
    assert a != b
    assert a.startswith("journey-map-AAAA") and a.endswith("-fr.png") and len(a) == MAX_CHARS
    # Two names in another script differ too, though no letter of them is kept.
    assert download_name("map", "顧客", ext="png") != download_name("map", "客顧", ext="png")


def _file_name_values(path: Path) -> list[tuple[int, ast.expr]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    # The importer's own file_name= (the uploaded file's name, for its report) is no download.
    importer_calls = {"import_file", "preview"}
    return [(node.lineno, kw.value) for node in ast.walk(tree) if isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", None)) not in importer_calls
            for kw in node.keywords if kw.arg == "file_name"]


def test_every_download_name_comes_from_the_helper() -> None:
    # The import pipeline's own file_name= (the uploaded file's name, for its report) is not a
    # download: ui/data_actions.py passes it through.
    offenders = []
    for path in UI_FILES:
        if path.name == "data_actions.py":
            continue
        for line, value in _file_name_values(path):
            called = value.func.id if isinstance(value, ast.Call) and isinstance(
                value.func, ast.Name) else None
            if called not in {"download_name", "safe_stem"}:
                offenders.append(f"{path.relative_to(ROOT)}:{line} {ast.unparse(value)}")
    assert offenders == []
