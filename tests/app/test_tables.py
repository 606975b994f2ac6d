"""ui/tables.py: the comparison's A and B on one line, and what a projected table shows."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ui.tables import WORKSHOP_ROWS, align_rows, paired, projected


def test_rows_are_aligned_in_first_seen_order() -> None:
    a = pd.DataFrame({"x": ["1", "2"]}, index=["reach", "channel: app"])
    b = pd.DataFrame({"x": ["3", "4"]}, index=["reach", "channel: store"])
    left, right = align_rows(a, b)
    assert list(left.index) == list(right.index) == ["reach", "channel: app", "channel: store"]
    assert left["x"].tolist() == ["1", "2", ""] and right["x"].tolist() == ["3", "", "4"]


def test_paired_cells_read_a_then_b_with_one_mark() -> None:
    a = pd.DataFrame({"Awareness": ["100", "67 ◆"], "Purchase": ["56", ""]},
                     index=["Reach", "Channel: social"])
    b = pd.DataFrame({"Awareness": ["100", "24 ◆", ""], "Advocacy": ["9", "", "18"]},
                     index=["Reach", "Channel: social", "Channel: search"])
    both = paired(a, b, mark=" ◆")
    assert list(both.columns) == ["Awareness", "Purchase", "Advocacy"]
    assert list(both.index) == ["Reach", "Channel: social", "Channel: search"]
    assert both.loc["Channel: social", "Awareness"] == "67 → 24 ◆"
    assert both.loc["Reach", "Purchase"] == "56 → –"
    assert both.loc["Channel: search", "Advocacy"] == "– → 18"
    assert both.loc["Channel: social", "Purchase"] == ""


def test_projected_table_uses_labels_formats_and_a_row_limit() -> None:
    df = pd.DataFrame({"tp": [f"T{i}" for i in range(20)], "n": range(1000, 1020),
                       "hidden": 0.5, "share": 0.5})
    out = projected(df, "fr", {"tp": st.column_config.TextColumn("Point de contact"),
                               "n": st.column_config.NumberColumn("Clients"),
                               "hidden": None})
    assert list(out.columns) == ["Point de contact", "Clients", "share"]
    assert len(out) == WORKSHOP_ROWS
    assert out["Clients"].iloc[0] == "1\u202f000" and out["share"].iloc[0] == "0,5"
