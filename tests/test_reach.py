"""reach.py, the one definition of customers in scope, journeys, converted, the conversion rate
and the funnel in its two forms, on the hand-made store of test_metrics (every number is
worked out by hand below), and the stages a funnel shows."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from small_store import add_import, replace_events
from test_metrics import day, make_store

from journey.analytics import metrics, reach
from journey.analytics.filters import Filters

# Furthest stage position of each journey of test_metrics' store (whole journeys):
# c1 retention (4), c2 purchase (3, bought before considering), c3 purchase (3, in store),
# c4 purchase (3), c5 consideration (2), c6 awareness (1).
STAGES = ["awareness", "consideration", "purchase", "retention", "advocacy"]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    s = make_store(tmp_path_factory.mktemp("reach"))
    yield s
    s.close()


@pytest.fixture()
def cur(store):
    return store.cursor()


def bars(df: pd.DataFrame, col: str = "customers") -> list[int]:
    return [int(v) for v in df[col]]


def test_funnel_without_filters_both_forms(cur):
    df = reach.funnel(cur, Filters())
    assert list(df.columns) == reach.FUNNEL_COLUMNS
    assert list(df["kind"]) == ["journeys"] + ["stage"] * 5
    assert [None, *STAGES] == list(df["stage"])
    assert list(df["position"]) == [0, 1, 2, 3, 4, 5]
    # First bar: every journey in scope (6). At all (this stage or a later one):
    # >= awareness 6, >= consideration c1..c5 = 5, >= purchase c1..c4 = 4, >= retention c1.
    assert bars(df) == [6, 6, 5, 4, 1, 0]
    # After the previous one: awareness c1 c2 c3 c4 c6 (c5 never aware); consideration after
    # it c1 c2 c3 (c4 considered before); purchase after that c1 c3 (c2 bought before);
    # retention c1.
    assert bars(df, "in_order") == [6, 5, 3, 2, 1, 0]
    assert list(df["share"]) == pytest.approx([1, 1, 5 / 6, 4 / 6, 1 / 6, 0])
    assert math.isnan(df["from_previous"].iloc[0])
    assert list(df["from_previous"].iloc[1:]) == pytest.approx([1, 5 / 6, 4 / 5, 1 / 4, 0])
    assert list(df["in_order_from_previous"].iloc[1:]) == pytest.approx(
        [5 / 6, 3 / 5, 2 / 3, 1 / 2, 0])
    assert list(df["in_order_share"]) == pytest.approx([1, 5 / 6, 3 / 6, 2 / 6, 1 / 6, 0])
    # Days from the first event, in order: 0,0,0,1,0 -> 0; 1,2,2 -> 2; 3,6 -> 4.5; 10.
    assert list(df["median_days_to_reach"].iloc[1:5]) == pytest.approx([0, 2, 4.5, 10])
    assert math.isnan(df["median_days_to_reach"].iloc[5])


@pytest.mark.parametrize("filters, journeys, at_all, in_order, converted", [
    # Stage filter: shown events are ads and purchases; c5 (site only) drops out.
    (Filters(stages=["purchase", "awareness"]), 5, [5, 4], [5, 4], 4),
    # Seniors c3 (A, C, P in store) and c4 (C, A, P).
    (Filters(personas=["Senior"]), 2, [2, 2, 2, 0, 0], [2, 1, 1, 0, 0], 2),
    # Mobile events: c1 all four; c3 ad and site (its purchase was in store); c6 ad.
    (Filters(devices=["mobile"]), 3, [3, 2, 1, 1, 0], [3, 2, 1, 1, 0], 1),
    # Web: sites and checkouts. Nobody has a web awareness event, so in order is all 0.
    (Filters(channels=["web"]), 5, [5, 5, 3, 0, 0], [0, 0, 0, 0, 0], 3),
    # Days 1 to 2: c1 site; c2 checkout, site; c3 site; c4 ad, checkout.
    (Filters(since="2024-01-02", until="2024-01-03"), 4, [4, 4, 2, 0, 0], [1, 0, 0, 0, 0], 2),
    (Filters(outcome="converted"), 4, [4, 4, 4, 1, 0], [4, 3, 2, 1, 0], 4),
    (Filters(includes=["store"]), 1, [1, 1, 1, 0, 0], [1, 1, 1, 0, 0], 1),
    # Ads and sites only: nobody shows a purchase.
    (Filters(touchpoints=["ad", "site"]), 6, [6, 5, 0, 0, 0], [5, 3, 0, 0, 0], 0),
], ids=["stages", "persona", "device", "channel", "dates", "outcome", "includes", "touchpoints"])
def test_one_definition_under_each_filter(cur, filters, journeys, at_all, in_order, converted):
    df = reach.funnel(cur, filters)
    assert bars(df) == [journeys, *at_all]
    assert bars(df, "in_order") == [journeys, *in_order]
    totals = reach.totals(cur, filters)
    assert (totals["customers"], totals["journeys"], totals["converted"]) == (
        journeys, journeys, converted)
    assert totals["conversion_rate"] == pytest.approx(converted / journeys)
    # The overview's tiles are these totals, and its converted is the funnel's purchase bar.
    ov = metrics.overview(cur, filters)
    assert {k: ov[k] for k in ("customers", "journeys", "converted", "conversion_rate")} == {
        k: totals[k] for k in ("customers", "journeys", "converted", "conversion_rate")}
    purchase = df[df["stage"] == "purchase"]
    assert int(purchase["customers"].iloc[0]) == converted


def test_after_a_stage_nobody_reached_from_previous_is_undefined(cur):
    df = reach.funnel(cur, Filters(touchpoints=["ad", "site"]))
    # in order 5, 3, 0, then nothing to convert from: NaN, never a made-up 0 %.
    assert list(df["in_order_from_previous"].iloc[1:4]) == pytest.approx([5 / 6, 3 / 5, 0])
    assert df["in_order_from_previous"].iloc[4:].isna().all()


def test_conversion_stage_setting_moves_converted_with_its_bar(cur):
    f = Filters(conversion_stage="retention")
    assert reach.totals(cur, f)["converted"] == 1
    f = Filters(conversion_stage="consideration", devices=["mobile"])
    # mobile furthest: c1 4, c3 2, c6 1 -> consideration or later: c1 c3
    assert reach.totals(cur, f)["converted"] == 2
    assert reach.totals(cur, Filters(conversion_stage="nirvana"))["converted"] == 0


def test_nothing_in_scope_is_an_empty_funnel(cur):
    none = Filters(channels=["carrier pigeon"])
    df = reach.funnel(cur, none)
    assert df.empty and list(df.columns) == reach.FUNNEL_COLUMNS
    t = reach.totals(cur, none)
    assert (t["customers"], t["converted"], t["conversion_rate"], t["first_ts"]) == (
        0, 0, None, None)
    assert reach.stage_rows(df).empty


def test_same_timestamp_follows_journey_order(tmp_path):
    events = [("x", day(0), "ad", None, None), ("x", day(0), "site", None, None),
              ("x", day(0), "checkout", None, None),
              # y: same instant but the file lists checkout first.
              ("y", day(0), "checkout", None, None), ("y", day(0), "ad", None, None),
              ("y", day(0), "site", None, None)]
    store = make_store(tmp_path, events=events, responses=(), customers=())
    df = reach.funnel(store.cursor(), Filters())
    # Both reached purchase at all; only x did after considering.
    assert bars(df)[:4] == [2, 2, 2, 2]
    assert bars(df, "in_order")[:4] == [2, 2, 2, 1]
    store.close()


# -- which stages a funnel shows --------------------------------------------------------------
def test_stages_nobody_uses_disappear_and_the_model_order_holds(tmp_path):
    store = make_store(tmp_path, responses=())
    # A stage of the model with no event, answer or touchpoint: not a funnel bar.
    store.set_stages([*((s, None, None) for s in STAGES[:3]), ("loyalty", None, None),
                      *((s, None, None) for s in STAGES[3:])])
    cur = store.cursor()
    assert [s for s, _p in reach.stages_in_use(cur)] == STAGES
    df = reach.funnel(cur, Filters())
    assert list(reach.stage_rows(df)["stage"]) == STAGES
    # The in-order chain runs over the shown stages: the unused one breaks nothing.
    assert bars(df, "in_order") == [6, 5, 3, 2, 1, 0]
    # A touchpoint mapped to it brings it back (a 0 bar: nobody reached it yet).
    store.set_touchpoints([("newsletter", "loyalty", "e-mail", True)])
    assert "loyalty" in [s for s, _p in reach.stages_in_use(store.cursor())]
    store.close()


def test_stages_of_a_removed_import_leave_the_funnel(tmp_path):
    store = make_store(tmp_path, responses=())
    iid = add_import(store, events=[("z", day(1), "club", None, None)],
                     touchpoints=[("club", "loyalty", "app", True)], name="club.csv")
    store.set_stages([*((s, None, None) for s in STAGES), ("loyalty", None, None)])
    assert "loyalty" in [s for s, _p in reach.stages_in_use(store.cursor())]
    store.remove_import(iid)
    assert [s for s, _p in reach.stages_in_use(store.cursor())] == STAGES
    store.close()


def test_filtered_stages_keep_model_order(cur):
    assert reach.stages_in_use(cur, Filters(stages=["purchase", "awareness"])) == [
        ("awareness", 1), ("purchase", 3)]


# -- fast paths and a reference --------------------------------------------------------------
@pytest.mark.parametrize("f", [
    Filters(), Filters(personas=["Senior"]), Filters(outcome="converted"),
    Filters(outcome="dropped_off"), Filters(includes=["store"]),
], ids=lambda f: str(f.to_query_params()))
def test_precomputed_and_event_paths_agree(cur, f):
    wide = f.replace(since="2000-01-01", until="2100-01-01")
    pd.testing.assert_frame_equal(reach.funnel(cur, f), reach.funnel(cur, wide))
    assert reach.totals(cur, f) == reach.totals(cur, wide)


STAGE_TPS = ["ad", "site", "checkout", "app", "referral"]


def reference(journeys: dict[str, list[int]]) -> tuple[list[int], list[int]]:
    """(at all, in order) per stage: the furthest stage, and one walk per journey."""
    at_all, in_order = [0] * 5, [0] * 5
    for stages in journeys.values():
        for k in range(max(stages) + 1):
            at_all[k] += 1
        want = 0
        for s in stages:
            if want < 5 and s == want:
                in_order[want] += 1
                want += 1
    return at_all, in_order


@pytest.fixture(scope="module")
def prop_store(tmp_path_factory):
    s = make_store(tmp_path_factory.mktemp("prop"), events=(), responses=(), customers=())
    yield s
    s.close()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(
    st.sampled_from(["a", "b", "c", "d", "e", "f"]),
    st.lists(st.integers(0, 4), min_size=1, max_size=8),
    min_size=1,
))
def test_funnel_matches_reference(prop_store, journeys):
    rows = [(cid, day(i // 2), STAGE_TPS[s])
            for cid, stages in journeys.items() for i, s in enumerate(stages)]
    replace_events(prop_store, rows, columns=("customer_id", "ts", "touchpoint"))
    df = reach.funnel(prop_store.cursor(), Filters())
    at_all, in_order = reference(journeys)
    assert bars(df) == [len(journeys), *at_all]
    assert bars(df, "in_order") == [len(journeys), *in_order]
    wide = Filters(since="2000-01-01", until="2100-01-01")
    pd.testing.assert_frame_equal(reach.funnel(prop_store.cursor(), wide), df)
