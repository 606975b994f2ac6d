"""journey.present.exports.safe_csv: Excel-friendly and formula-safe."""

from __future__ import annotations

import io

import pandas as pd

from journey.present.exports import BOM, neutralise, safe_csv


def test_bom_and_utf8() -> None:
    data = safe_csv(pd.DataFrame({"touchpoint": ["Considération"], "n": [3]}))
    assert data.startswith(BOM.encode("utf-8"))
    assert "Considération" in data.decode("utf-8-sig")


def test_formulas_are_neutralised() -> None:
    evil = ["=HYPERLINK(\"http://x\")", "+1+2", "-2+3", "@SUM(A1)", "\tx", "\rx", "ok"]
    df = pd.DataFrame({"name": evil, "=head": range(len(evil))})
    text = safe_csv(df).decode("utf-8-sig")
    back = pd.read_csv(io.StringIO(text), keep_default_na=False)
    assert list(back.columns) == ["name", "'=head"]
    assert back["name"].tolist()[:4] == ["'=HYPERLINK(\"http://x\")", "'+1+2", "'-2+3", "'@SUM(A1)"]
    assert back["name"].tolist()[-1] == "ok"
    for cell in back["name"]:
        assert not str(cell).startswith(("=", "+", "-", "@"))


def test_numbers_stay_numbers_and_french_format() -> None:
    df = pd.DataFrame({"label": ["a", "b"], "rate": [-0.5, 1.25], "n": [-3, 4]})
    text = safe_csv(df, sep=";", decimal=",").decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0] == "label;rate;n"
    assert lines[1] == "a;-0,5;-3"  # a negative number is a number, not a formula
    assert lines[2] == "b;1,25;4"


def test_missing_values_and_non_strings() -> None:
    assert neutralise(None) is None
    assert neutralise(5) == 5
    df = pd.DataFrame({"x": ["=1", None], "y": [1, 2]})
    assert safe_csv(df).decode("utf-8-sig").splitlines()[1:] == ["'=1,1", ",2"]
