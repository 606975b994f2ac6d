"""The 33 hand-written verbatims of tests/data/themes_three_subjects.csv (three subjects of ten
comments, three of none) as the survey the theme tests import: answer i scores NPS[i % 3],
at the purchase stage for an even i and retention for an odd one (tests/test_themes.py
checks the themes and drivers found in it by hand; the page and browser tests show them)."""

from __future__ import annotations

import csv
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "themes_three_subjects.csv"
NPS = (3, 8, 10)


def rows() -> list[dict[str, str]]:
    """The file's rows: text, subject (delivery, till, price or none)."""
    with DATA.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def survey() -> bytes:
    """The verbatims as a `;`-separated survey file: customer_id, stage, nps, comment."""
    lines = ["customer_id;stage;nps;comment"] + [
        f"c{i:02d};{('purchase', 'retention')[i % 2]};{NPS[i % 3]};{r['text']}"
        for i, r in enumerate(rows())]
    return ("\n".join(lines) + "\n").encode()
