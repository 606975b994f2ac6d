"""ui.charts.stable_names: a chart's datasets named by their place, not by their rows, so the
same chart with other numbers is the same spec (the browser then swaps the rows in)."""

from __future__ import annotations

import pandas as pd

from journey.present import stat_charts as sc
from ui.charts import stable_names, vega_spec


def test_datasets_are_renamed_by_their_place_and_every_reference_follows():
    spec = {
        "data": {"name": "f00d"},
        "layer": [
            {"mark": "bar", "data": {"name": "beef"}},
            {"mark": "rule", "transform": [
                {"lookup": "k", "from": {"data": {"name": "f00d"}, "key": "k"}}]},
        ],
        # A field that happens to hold a dataset's name is not a reference: left alone.
        "encoding": {"x": {"field": "beef", "title": "f00d"}},
        "datasets": {"f00d": [{"k": 1}], "beef": [{"k": 2}, {"k": 3}]},
    }
    out = stable_names(spec)
    assert out == {
        "data": {"name": "data-0"},
        "layer": [
            {"mark": "bar", "data": {"name": "data-1"}},
            {"mark": "rule", "transform": [
                {"lookup": "k", "from": {"data": {"name": "data-0"}, "key": "k"}}]},
        ],
        "encoding": {"x": {"field": "beef", "title": "f00d"}},
        "datasets": {"data-0": [{"k": 1}], "data-1": [{"k": 2}, {"k": 3}]},
    }
    assert spec["datasets"] == {"f00d": [{"k": 1}], "beef": [{"k": 2}, {"k": 3}]}  # not mutated


def test_a_spec_without_datasets_is_returned_as_it_is():
    spec = {"data": {"values": [{"a": 1}]}, "mark": "bar"}
    assert stable_names(spec) == spec


def _frame(promoters: int, passives: int, detractors: int) -> pd.DataFrame:
    n = promoters + passives + detractors
    return pd.DataFrame({
        "stage": ["awareness", "purchase"], "n": [n, n],
        "promoters": [promoters, passives], "passives": [passives, promoters],
        "detractors": [detractors, detractors],
    })


def _without_data(spec: dict) -> dict:
    return {k: v for k, v in spec.items() if k != "datasets"}


def test_the_same_chart_with_other_numbers_is_the_same_spec_with_other_rows():
    # Two selections with the same groups and other counts (what a filter change gives).
    a = vega_spec(sc.nps_stacked(_frame(50, 30, 20), by="stage", lang="en"))
    b = vega_spec(sc.nps_stacked(_frame(40, 35, 25), by="stage", lang="en"))
    assert _without_data(a) == _without_data(b)
    assert list(a["datasets"]) == list(b["datasets"]) == ["data-0"]
    rows_a = a["datasets"]["data-0"]
    rows_b = b["datasets"]["data-0"]
    # The shares drawn are each selection's own: 50 promoters of 100, then 40 of 100.
    share = {(r["label"], r["rank"]): r["share"] for r in _arrow_rows(rows_a)}
    assert share[("awareness", 2)] == 50.0  # rank 2: the promoters
    share = {(r["label"], r["rank"]): r["share"] for r in _arrow_rows(rows_b)}
    assert share[("awareness", 2)] == 40.0


def test_other_groups_make_another_spec():
    a = vega_spec(sc.nps_stacked(_frame(50, 30, 20), by="stage", lang="en"))
    other = _frame(50, 30, 20).assign(stage=["awareness", "retention"])
    b = vega_spec(sc.nps_stacked(other, by="stage", lang="en"))
    assert _without_data(a) != _without_data(b)  # another axis: drawn anew


def _arrow_rows(data) -> list[dict]:
    import pyarrow as pa

    if isinstance(data, bytes):
        return pa.ipc.open_stream(data).read_all().to_pylist()
    return list(data)
