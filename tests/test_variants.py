"""analytics/variants.py: distinct whole journeys, counted by hand on small journeys."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest
import sqlglot
from small_store import clock, small_store

from journey.analytics import reach, variants
from journey.analytics.filters import Filters
from journey.analytics.scope import FlowOptions
from journey.cli import main
from journey.db.engine import Engine

T0 = dt.datetime(2024, 3, 1, 9, 0)


at = clock(T0, "minutes")


TOUCHPOINTS = [
    ("ad", "awareness", "social", True),
    ("site", "consideration", "web", True),
    ("checkout", "purchase", "web", True),
]
EVENTS = [
    # a: ad > site > site > checkout (a repeat), 180 minutes, converted
    ("a", at(0), "ad", "mobile", None),
    ("a", at(30), "site", "mobile", None),
    ("a", at(60), "site", "mobile", None),
    ("a", at(180), "checkout", "mobile", 10.0),
    # b: ad > site > checkout, 60 minutes, converted
    ("b", at(0), "ad", "desktop", None),
    ("b", at(30), "site", "desktop", None),
    ("b", at(60), "checkout", "desktop", 20.0),
    # c: ad > site
    ("c", at(0), "ad", "mobile", None),
    ("c", at(10), "site", "mobile", None),
    # d: ad
    ("d", at(0), "ad", "mobile", None),
    # e: site > ad > site (a loop)
    ("e", at(0), "site", "desktop", None),
    ("e", at(5), "ad", "desktop", None),
    ("e", at(9), "site", "desktop", None),
    # f: names that look like the key's own syntax
    ("f", at(0), "a:b", "mobile", None),
    ("f", at(1), "1:x", "mobile", None),
]
CUSTOMERS = [("a", "Parent"), ("b", "Parent"), ("c", "Senior"), ("d", "Senior"),
             ("e", "Senior"), ("f", "Senior")]
RESPONSES = [
    ("a", at(200), "purchase", "checkout", 10, None, None, None),
    ("b", at(200), "purchase", "checkout", 0, None, None, None),
    ("c", at(20), "consideration", "site", 9, None, None, None),
]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    s = small_store(tmp_path_factory.mktemp("v") / "v.duckdb", touchpoints=TOUCHPOINTS,
                    events=EVENTS, customers=CUSTOMERS, responses=RESPONSES)
    yield s
    s.close()


def rows(df) -> dict[tuple[str, ...], dict]:
    return {tuple(r["path"]): r for r in df.to_dict(orient="records")}


def test_hand_counted_variants(store):
    df = variants.variants(store.cursor(), Filters())
    got = rows(df)
    assert set(got) == {
        ("ad", "site", "checkout"), ("ad", "site"), ("ad",), ("site", "ad", "site"),
        ("a:b", "1:x"),
    }
    main_ = got[("ad", "site", "checkout")]
    assert (main_["customers"], main_["converted"], main_["converted_share"]) == (2, 2, 1.0)
    assert main_["share"] == pytest.approx(2 / 6)
    assert main_["median_minutes"] == pytest.approx(120.0)  # median of 180 and 60
    assert (main_["nps_n"], main_["nps"]) == (2, 0.0)  # one promoter, one detractor
    assert main_["nps_margin"] > 0 and main_["small_sample"]
    assert got[("ad", "site")]["nps"] == 100.0 and got[("ad", "site")]["nps_n"] == 1
    assert pd.isna(got[("ad",)]["nps"]) and got[("ad",)]["nps_n"] == 0
    assert got[("ad",)]["median_minutes"] == 0.0
    assert got[("site", "ad", "site")]["steps"] == 3
    # Largest first, every journey counted once.
    assert list(df["customers"]) == [2, 1, 1, 1, 1]
    assert df["customers"].sum() == 6 and df["share"].sum() == pytest.approx(1.0)


def test_keep_repeats_splits_the_repeat(store):
    got = rows(variants.variants(store.cursor(), Filters(), FlowOptions(keep_repeats=True)))
    assert got[("ad", "site", "site", "checkout")]["customers"] == 1
    assert got[("ad", "site", "checkout")]["customers"] == 1


def test_stage_level(store):
    got = rows(variants.variants(store.cursor(), Filters(), FlowOptions(level="stage")))
    assert got[("awareness", "consideration", "purchase")]["customers"] == 2
    assert got[("consideration", "awareness", "consideration")]["customers"] == 1


def test_the_long_tail_is_folded_with_its_count(store):
    df = variants.variants(store.cursor(), Filters(), top=2)
    assert list(df["kind"]) == ["variant", "variant", "other"]
    other = df.iloc[-1]
    assert other["path"] == [] and other["variants"] == 3 and other["customers"] == 3
    assert df["customers"].sum() == 6
    assert other["converted"] == 0
    # The folded row's NPS is that of its customers' answers (c's 9, or none).
    assert other["nps_n"] in (0, 1)


def test_converted_agrees_with_reach_under_filters(store):
    for f in (Filters(), Filters(personas=["Parent"]), Filters(devices=["mobile"]),
              Filters(stages=["awareness", "purchase"]), Filters(outcome="converted")):
        df = variants.variants(store.cursor(), f)
        tot = reach.totals(store.cursor(), f)
        assert df["customers"].sum() == tot["customers"], f
        assert df["converted"].sum() == tot["converted"], f


def test_a_device_filter_narrows_the_steps(store):
    got = rows(variants.variants(store.cursor(), Filters(devices=["desktop"])))
    assert set(got) == {("ad", "site", "checkout"), ("site", "ad", "site")}


def test_bad_options_are_refused(store):
    with pytest.raises(ValueError, match="session gap"):
        variants.variants(store.cursor(), Filters(), FlowOptions(session_gap=30))
    with pytest.raises(ValueError, match="top"):
        variants.variants(store.cursor(), Filters(), top=0)


def test_empty_scope(store):
    df = variants.variants(store.cursor(), Filters(personas=["Nobody"]))
    assert df.empty and list(df.columns) == variants.COLUMNS


def test_sql_runs_through_the_engine_and_transpiles(store):
    engine = Engine(store.cursor())
    for f, o in ((Filters(), FlowOptions()), (Filters(devices=["mobile"]), FlowOptions()),
                 (Filters(), FlowOptions(keep_repeats=True, level="stage"))):
        variants.variants(engine, f, o)
    runs = [r for r in engine.history if r.purpose == "variants.variants"]
    assert len(runs) == 3
    for run in runs:
        assert sqlglot.transpile(run.sql, read="duckdb", write="spark",
                                 unsupported_level=sqlglot.ErrorLevel.RAISE)


def test_decode_key():
    assert variants.decode_key("3:a:b3:1:x") == ["a:b", "1:x"]
    assert variants.decode_key("") == []


def test_cli(store, tmp_path, capsys):
    db = tmp_path / "cli.duckdb"
    small_store(db, touchpoints=TOUCHPOINTS, events=EVENTS, customers=CUSTOMERS,
                responses=RESPONSES).close()
    code = main(["query", "variants", "--top", "2", "--db", str(db), "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    data = json.loads(out)
    assert [d["customers"] for d in data] == [2, 1, 3]
    first = data[0]
    assert first["path"] == ["ad", "site", "checkout"]
    assert {"path", "customers", "share", "converted_share", "median_minutes", "nps"} <= set(first)
    assert data[-1]["kind"] == "other" and data[-1]["variants"] == 3
    code = main(["query", "variants", "--persona", "Parent", "--db", str(db), "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and [d["customers"] for d in data] == [2]
