"""Filters: SQL (one by one and combined), URL round-trip, CLI options."""

from __future__ import annotations

import argparse
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st
from small_store import add_import, small_store

from journey import i18n
from journey.analytics import scope
from journey.analytics.filters import Filters
from journey.db.store import Store

# Three customers, written by hand:
#  a (Busy parent):   Ad(mobile, social) 01-01 -> Product page(desktop, web) 01-02
#                     -> Cart(desktop, web, purchase) 01-03
#  b (Cautious senior): Ad(mobile, social) 01-05 -> Product page(mobile, web) 01-06
#  c (no persona):    Store visit(in-store, store) 02-01 -> Cart(in-store, web) 02-01
EVENTS = [
    ("a", "2026-01-01 09:00", "Ad", "social", "mobile"),
    ("a", "2026-01-02 09:00", "Product page", "web", "desktop"),
    ("a", "2026-01-03 09:00", "Cart", "web", "desktop"),
    ("b", "2026-01-05 09:00", "Ad", "social", "mobile"),
    ("b", "2026-01-06 09:00", "Product page", "web", "mobile"),
    ("c", "2026-02-01 09:00", "Store visit", "store", "in-store"),
    ("c", "2026-02-01 09:30", "Cart", "web", "in-store"),
]
TOUCHPOINTS = [
    ("Ad", "awareness", "social", True),
    ("Product page", "consideration", "web", True),
    ("Store visit", "consideration", "store", False),
    ("Cart", "purchase", "web", True),
]
RESPONSES = [
    ("a", "2026-01-03 10:00", "purchase", "Cart", 10),
    ("b", "2026-01-06 10:00", "consideration", "Product page", 3),
    ("c", "2026-02-01 10:00", "purchase", "Cart", 8),
]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    s = small_store(
        tmp_path_factory.mktemp("filters") / "f.duckdb", name="f.csv",
        events=EVENTS, event_columns=("customer_id", "ts", "touchpoint", "channel", "device"),
        touchpoints=TOUCHPOINTS, customers=[("a", "Busy parent"), ("b", "Cautious senior")],
        responses=RESPONSES,
        response_columns=("customer_id", "ts", "stage", "touchpoint", "nps"),
    )
    yield s
    s.close()


def _events(store: Store, f: Filters) -> list[tuple[str, str]]:
    sql, params = scope.events_sql(f)
    return store.cursor().execute(
        f"SELECT customer_id, touchpoint FROM ({sql}) ORDER BY customer_id, ts, event_id", params
    ).fetchall()


def _customers(store: Store, f: Filters) -> set[str]:
    return {c for c, _ in _events(store, f)}


def _responders(store: Store, f: Filters) -> list[str]:
    sql, params = scope.responses_sql(f)
    return [r[0] for r in store.cursor().execute(
        f"SELECT customer_id FROM ({sql}) ORDER BY customer_id", params).fetchall()]


def test_no_filter_keeps_everything(store):
    assert len(_events(store, Filters())) == 7
    assert _responders(store, Filters()) == ["a", "b", "c"]


@pytest.mark.parametrize(
    ("f", "customers", "n_events"),
    [
        (Filters(personas=["Busy parent"]), {"a"}, 3),
        (Filters(stages=["awareness"]), {"a", "b"}, 2),
        (Filters(touchpoints=["Cart"]), {"a", "c"}, 2),
        (Filters(channels=["social"]), {"a", "b"}, 2),
        (Filters(devices=["desktop"]), {"a"}, 2),
        (Filters(since="2026-01-02", until="2026-01-05"), {"a", "b"}, 3),
        (Filters(includes=["Store visit"]), {"c"}, 2),
        (Filters(outcome="converted"), {"a", "c"}, 5),
        (Filters(outcome="dropped_off"), {"b"}, 2),
        (Filters(personas=["Nobody"]), set(), 0),
    ],
)
def test_each_filter_alone(store, f, customers, n_events):
    assert _customers(store, f) == customers
    assert len(_events(store, f)) == n_events


def test_filters_combined(store):
    # Converted customers, only their mobile events: a's Ad; c has no mobile event.
    f = Filters(outcome="converted", devices=["mobile"])
    assert _events(store, f) == [("a", "Ad")]
    # Converted is judged inside the date range: before 01-03 a had not purchased yet.
    assert _customers(store, Filters(outcome="converted", until="2026-01-02")) == set()
    assert _customers(store, Filters(outcome="dropped_off", until="2026-01-02")) == {"a"}


def test_responses_follow_customer_conditions(store):
    assert _responders(store, Filters(personas=["Cautious senior"])) == ["b"]
    assert _responders(store, Filters(stages=["purchase"])) == ["a", "c"]
    assert _responders(store, Filters(channels=["web"])) == ["a", "b", "c"]
    assert _responders(store, Filters(devices=["in-store"])) == ["c"]
    assert _responders(store, Filters(outcome="dropped_off")) == ["b"]
    assert _responders(store, Filters(since="2026-02-01")) == ["c"]


def test_user_text_is_bound_not_formatted(store):
    evil = "'); DROP TABLE events;--"
    f = Filters(personas=[evil], touchpoints=[evil], includes=[evil])
    sql, params = scope.events_sql(f)
    assert evil not in sql and evil in params.values()
    assert _events(store, f) == []
    assert store.info()["events"] == 7


def test_reversed_dates_are_swapped_and_bad_values_dropped():
    f = Filters(since="2026-03-01", until="2026-01-01", outcome="maybe")
    assert (f.since, f.until, f.outcome) == (dt.date(2026, 1, 1), dt.date(2026, 3, 1), None)
    assert Filters(since="not a date").since is None


def test_url_params_are_short_and_readable():
    f = Filters(personas=["Busy parent"], stages=["purchase", "retention"], since="2026-01-01",
                outcome="converted")
    assert f.to_query_params() == {
        "persona": ["Busy parent"], "stage": ["purchase", "retention"],
        "since": ["2026-01-01"], "outcome": ["converted"],
    }
    assert Filters.from_query_params({"stage": "purchase", "junk": "x", "until": "nope"}) == \
        Filters(stages=["purchase"])


names = st.lists(st.text(min_size=1, max_size=12), max_size=3)


@given(
    personas=names, stages=names, touchpoints=names, channels=names, devices=names,
    includes=names, since=st.none() | st.dates(), until=st.none() | st.dates(),
    outcome=st.sampled_from([None, "converted", "dropped_off"]),
)
def test_url_round_trip(personas, stages, touchpoints, channels, devices, includes, since,
                        until, outcome):
    f = Filters(personas=personas, stages=stages, touchpoints=touchpoints, channels=channels,
                devices=devices, includes=includes, since=since, until=until, outcome=outcome)
    assert Filters.from_query_params(f.to_query_params()) == f


def test_cli_options_round_trip():
    parser = argparse.ArgumentParser()
    Filters.add_cli_options(parser)
    args = parser.parse_args([
        "--persona", "Busy parent", "--persona", "Deal hunter", "--stage", "purchase",
        "--device", "mobile", "--since", "2026-01-01", "--until", "2026-01-31",
        "--includes", "Cart", "--dropped-off",
    ])
    f = Filters.from_cli_args(args)
    assert f == Filters(personas=["Busy parent", "Deal hunter"], stages=["purchase"],
                        devices=["mobile"], since="2026-01-01", until="2026-01-31",
                        includes=["Cart"], outcome="dropped_off")
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        Filters.from_cli_args(parser.parse_args(["--since", "01/02/2026"]))
    with pytest.raises(SystemExit):
        parser.parse_args(["--converted", "--dropped-off"])


def test_response_without_stage_takes_its_touchpoints_stage(store):
    iid = add_import(
        store, kind="responses", responses=[("b", "2026-01-06 11:00", None, "Ad", 6)],
        response_columns=("customer_id", "ts", "stage", "touchpoint", "nps"),
    )
    try:
        sql, params = scope.responses_sql(Filters(stages=["awareness"]))
        rows = store.cursor().execute(
            f"SELECT customer_id, touchpoint, stage FROM ({sql})", params
        ).fetchall()
        assert rows == [("b", "Ad", "awareness")]
    finally:
        assert store.remove_import(iid)


# -- in words: the one caption writer -----------------------------------------------------------
def test_describe_everyone_and_n():
    assert Filters().describe("en") == "All customers"
    assert Filters().describe("fr") == "Tous les clients"
    assert Filters().describe("en", n=1234) == "All customers · n = 1,234"
    assert Filters().describe("fr", n=1234, extra="x") == (
        f"Tous les clients · x · n = {i18n.fmt_int(1234, 'fr')}"
    )


def test_describe_every_filter_in_order():
    f = Filters(
        personas=["Busy parent"], stages=["purchase", "awareness"], devices=["mobile"],
        channels=["web"], touchpoints=["Ad"], since="2026-01-01", until="2026-02-15",
        includes=["Cart"], outcome="converted",
    )
    assert f.describe("en") == (
        "Persona: Busy parent · Stages: Purchase, Awareness · Touchpoints: Ad · Channels: web"
        " · Devices: mobile · Jan 1, 2026 to Feb 15, 2026 · Journeys through: Cart"
        " · Converted journeys"
    )
    # The store's own stage labels, when given, name the stages.
    assert "Étapes\u202f: Achat!, Sensibilisation" in f.describe(
        "fr", lambda s: "Achat!" if s == "purchase" else i18n.stage_label(s, "fr")
    )
    assert Filters(since="2026-01-01").describe("en") == "From Jan 1, 2026"
    assert Filters(until="2026-01-01", outcome="dropped_off").describe("en") == (
        "Until Jan 1, 2026 · Dropped-off journeys"
    )


def test_describe_keeps_long_lists_short():
    f = Filters(touchpoints=[f"T{i}" for i in range(6)])
    assert f.describe("en") == "Touchpoints: T0, T1, T2, T3 +2"
