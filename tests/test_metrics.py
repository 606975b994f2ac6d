"""journey.analytics.metrics on tiny stores: every number is computed by hand in the comments."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest
import sqlglot
from small_store import RESPONSE_COLUMNS, clock, small_store

from journey.analytics import metrics, reach, voc, voc_journeys
from journey.analytics.filters import Filters
from journey.db.engine import Engine
from journey.db.store import Store

T0 = dt.datetime(2024, 1, 1, 9, 0)

# touchpoint, stage, channel, online
TOUCHPOINTS = [
    ("ad", "awareness", "social", True),
    ("site", "consideration", "web", True),
    ("review", "consideration", "web", True),
    ("checkout", "purchase", "web", True),
    ("store", "purchase", "store", False),
    ("app", "retention", "app", True),
    ("referral", "advocacy", "e-mail", True),
]
CUSTOMERS = [
    ("c1", "Parent"), ("c2", "Parent"), ("c3", "Senior"),
    ("c4", "Senior"), ("c5", "Student"), ("c6", "Student"),
]


day = clock(T0)


# customer, ts, touchpoint, device, revenue
EVENTS = [
    # c1: awareness d0, consideration d1, purchase d3, retention d10: reaches A, C, P, R.
    ("c1", day(0), "ad", "mobile", None),
    ("c1", day(1), "site", "mobile", None),
    ("c1", day(3), "checkout", "mobile", 100.0),
    ("c1", day(10), "app", "mobile", None),
    # c2: buys (d1) BEFORE considering (d2): reaches A and C only in the funnel,
    # but has converted (reached purchase) for the overview.
    ("c2", day(0), "ad", "desktop", None),
    ("c2", day(1), "checkout", "desktop", 50.0),
    ("c2", day(2), "site", "desktop", None),
    # c3: A d0, C d2, P d6 (in store).
    ("c3", day(0), "ad", "mobile", None),
    ("c3", day(2), "site", "mobile", None),
    ("c3", day(6), "store", "in-store", 30.0),
    # c4: considers (d0) before awareness (d1), buys d2: reaches A only (at day 1).
    ("c4", day(0), "site", "desktop", None),
    ("c4", day(1), "ad", "desktop", None),
    ("c4", day(2), "checkout", "desktop", 20.0),
    # c5: never aware: nowhere in the funnel.
    ("c5", day(0), "site", "tablet", None),
    # c6: awareness only.
    ("c6", day(0), "ad", "mobile", None),
]

MAR = dt.datetime(2024, 3, 5, 12, 0)
FEB = dt.datetime(2024, 2, 5, 12, 0)
# customer, ts, stage, touchpoint, nps, csat, ces, comment, ces_high_is_easy
RESPONSES = [
    # purchase / checkout (web), March; nps 10,10,9,9,9 | 8,7,7 | 3,0 -> P5 pass3 D2
    ("c1", MAR, "purchase", "checkout", 10, 5, None, "Great, 100% satisfied", True),
    ("c1", MAR, "purchase", "checkout", 10, 4, None, "", True),
    ("c1", MAR, "purchase", "checkout", 9, 4, None, None, True),
    ("c1", MAR, "purchase", "checkout", 9, 2, None, "It's 50% off_ok", True),
    ("c1", MAR, "purchase", "checkout", 9, None, 6, None, True),
    ("c1", MAR, "purchase", "checkout", 8, None, 2, None, False),  # 1 = easiest: 2 -> 6
    ("c2", MAR, "purchase", "checkout", 7, None, 3, "Didn't like the wait", False),  # -> 5
    ("c2", MAR, "purchase", "checkout", 7, None, 7, None, True),
    ("c2", MAR, "purchase", "checkout", 3, None, None, "WAIT was too long", True),
    ("c2", MAR + dt.timedelta(hours=1), "purchase", "checkout", 0, None, None, "   ", True),
    # awareness / ad (social), February; nps 10 | 6, 6 -> P1 D2; one answer without NPS.
    ("c3", FEB, "awareness", "ad", 10, 5, 1, "Nice ad", True),  # CES 1 stays 1
    ("c3", FEB, "awareness", "ad", 6, 1, 1, "boring ad", False),  # CES 1 -> 7
    ("c3", FEB, "awareness", "ad", 6, None, None, None, True),
    ("c3", FEB, "awareness", "ad", None, 3, None, None, True),
]


def make_store(
    tmp_path,
    events=EVENTS,
    responses=RESPONSES,
    customers=CUSTOMERS,
    touchpoints=TOUCHPOINTS,
) -> Store:
    return small_store(
        tmp_path / "t.duckdb", events=events, touchpoints=touchpoints, customers=customers,
        responses=responses,
        response_columns=(*RESPONSE_COLUMNS, "ces_high_is_easy"),
    )


@pytest.fixture
def cur(tmp_path):
    store = make_store(tmp_path)
    yield store.cursor()
    store.close()


def rec(df: pd.DataFrame, key: str) -> dict:
    return {row[key]: row for row in df.to_dict(orient="records")}


# -- NPS -----------------------------------------------------------------------------------


def test_nps_margin_by_hand():
    # n=10, 5 promoters, 2 detractors: n'=13, p'=5.75/13=0.442308, d'=2.75/13=0.211538,
    # var = 0.653846 - 0.230769^2 = 0.600592, margin = 1.96*sqrt(0.600592/13)*100 = 42.13
    assert metrics.nps_margin(10, 5, 2) == pytest.approx(42.13, abs=0.005)
    # n=3, P1, D2: n'=6, p'=1.75/6=0.291667, d'=2.75/6=0.458333,
    # var = 0.75 - 0.166667^2 = 0.722222, margin = 1.96*sqrt(0.722222/6)*100 = 68.00
    assert metrics.nps_margin(3, 1, 2) == pytest.approx(68.00, abs=0.005)
    # n=0 is still defined (p'=d'=0.25, var=0.5, n'=3): 1.96*sqrt(0.5/3)*100 = 80.02
    assert metrics.nps_margin(0, 0, 0) == pytest.approx(80.02, abs=0.005)


def test_nps_by_stage(cur):
    df = metrics.nps(cur, Filters(), by="stage")
    assert list(df.columns) == ["stage", *metrics.NPS_COLUMNS]
    # Stage order (awareness position 1 before purchase position 3), not n order.
    assert list(df["stage"]) == ["awareness", "purchase"]
    p = rec(df, "stage")["purchase"]
    assert (p["n"], p["promoters"], p["passives"], p["detractors"]) == (10, 5, 3, 2)
    assert p["promoters_pct"] == pytest.approx(50.0)
    assert p["passives_pct"] == pytest.approx(30.0)
    assert p["detractors_pct"] == pytest.approx(20.0)
    assert round(p["nps"], 2) == 30.00
    assert round(p["margin"], 2) == 42.13
    assert p["small_sample"]
    a = rec(df, "stage")["awareness"]
    # The answer without an NPS is not counted: n=3, (1 - 2)/3 = -33.33
    assert (a["n"], a["promoters"], a["passives"], a["detractors"]) == (3, 1, 0, 2)
    assert round(a["nps"], 2) == -33.33
    assert round(a["margin"], 2) == 68.00


def test_nps_overall_and_other_groupings(cur):
    overall = metrics.nps(cur, Filters(), by=None)
    assert list(overall.columns) == metrics.NPS_COLUMNS
    assert len(overall) == 1
    # n=13, P6, pass3, D4: (6-4)/13 = 15.38
    assert overall["n"].iloc[0] == 13
    assert round(overall["nps"].iloc[0], 2) == 15.38

    # Others by n desc: checkout (10) then ad (3).
    tp = metrics.nps(cur, Filters(), by="touchpoint")
    assert list(tp["touchpoint"]) == ["checkout", "ad"]
    assert list(tp["n"]) == [10, 3]
    persona = metrics.nps(cur, Filters(), by="persona")
    assert list(persona["persona"]) == ["Parent", "Senior"]
    assert round(rec(persona, "persona")["Senior"]["nps"], 2) == -33.33
    channel = metrics.nps(cur, Filters(), by="channel")
    assert list(channel["channel"]) == ["web", "social"]
    # Months ascending, 'YYYY-MM'.
    month = metrics.nps(cur, Filters(), by="month")
    assert list(month["month"]) == ["2024-02", "2024-03"]
    assert list(month["n"]) == [3, 10]
    trend = metrics.nps_trend(cur, Filters())
    assert list(trend.columns) == ["month", "n", "nps", "margin"]
    assert round(trend["nps"].iloc[1], 2) == 30.00


def test_nps_rejects_unknown_grouping(cur):
    with pytest.raises(ValueError):
        metrics.nps(cur, Filters(), by="colour")


def test_small_sample_flag(tmp_path):
    # 29 answers -> small; 30 -> not small.
    rows = [("c1", MAR, "purchase", "checkout", 10, None, None, None, True)] * 29
    rows += [("c1", MAR, "awareness", "ad", 10, None, None, None, True)] * 30
    store = make_store(tmp_path, responses=rows)
    df = metrics.nps(store.cursor(), Filters(), by="stage")
    flags = dict(zip(df["stage"], df["small_sample"], strict=True))
    assert flags == {"awareness": False, "purchase": True}
    # All promoters: NPS 100, and the adjusted-Wald margin is not 0.
    assert rec(df, "stage")["awareness"]["nps"] == pytest.approx(100.0)
    assert rec(df, "stage")["awareness"]["margin"] > 0
    store.close()


def test_responses_without_a_group_value_come_last(tmp_path):
    rows = [
        # No customer to place it by: no stage.
        (None, MAR, None, None, 10, None, None, None, True),
        ("c1", MAR, "advocacy", None, 0, None, None, None, True),
        ("c1", MAR, "awareness", None, 9, None, None, None, True),
    ]
    store = make_store(tmp_path, responses=rows)
    df = metrics.nps(store.cursor(), Filters(), by="stage")
    assert list(df["stage"])[:2] == ["awareness", "advocacy"]
    assert df["stage"].isna().iloc[2]
    store.close()


# -- CSAT / CES ----------------------------------------------------------------------------


def test_csat(cur):
    df = metrics.csat(cur, Filters(), by="stage")
    assert list(df.columns) == ["stage", *metrics.CSAT_COLUMNS]
    p = rec(df, "stage")["purchase"]
    # csat 5,4,4,2: n4, satisfied 3 -> 75%. Wilson: p=.75, z2=3.8416,
    # sqrt(.046875 + 3.8416/64) = .326956; 1.96*.326956/(1+.9604) = .326889 -> 32.69 points
    assert (p["n"], p["satisfied"]) == (4, 3)
    assert p["csat_pct"] == pytest.approx(75.0)
    assert round(p["margin"], 2) == 32.69
    a = rec(df, "stage")["awareness"]
    # csat 5,1,3: n3, satisfied 1 -> 33.33%
    assert (a["n"], a["satisfied"]) == (3, 1)
    assert round(a["csat_pct"], 2) == 33.33


def test_wilson_margin_extremes():
    # 10 of 10: Wilson half-width = 1.96*sqrt(0 + 3.8416/400)/(1.38416) = 13.88 points
    assert metrics.wilson_margin(10, 10) == pytest.approx(13.88, abs=0.005)
    assert math.isnan(metrics.wilson_margin(0, 0))


def test_ces_respects_scale_direction(cur):
    df = metrics.ces(cur, Filters(), by="stage")
    assert list(df.columns) == ["stage", *metrics.CES_COLUMNS]
    p = rec(df, "stage")["purchase"]
    # 6 (easy-high), 2 reversed -> 6, 3 reversed -> 5, 7: mean 24/4 = 6.0, all 5-7 -> 100%
    assert p["n"] == 4
    assert p["mean"] == pytest.approx(6.0)
    assert p["ease_pct"] == pytest.approx(100.0)
    a = rec(df, "stage")["awareness"]
    # 1 (easy-high) stays 1; 1 reversed -> 7: mean 4.0, ease 1/2 = 50%
    assert a["mean"] == pytest.approx(4.0)
    assert a["ease_pct"] == pytest.approx(50.0)
    overall = metrics.ces(cur, Filters(), by=None)
    # (24 + 8) / 6 = 5.33; easy 5 of 6 = 83.33%
    assert round(overall["mean"].iloc[0], 2) == 5.33
    assert round(overall["ease_pct"].iloc[0], 2) == 83.33


def test_heatmap_persona_by_stage(cur):
    df = metrics.heatmap(cur, Filters())
    assert list(df.columns) == ["persona", "stage", "n", "value"]
    cells = {(r["persona"], r["stage"]): (r["n"], r["value"]) for r in df.to_dict("records")}
    assert set(cells) == {("Parent", "purchase"), ("Senior", "awareness")}
    assert cells[("Parent", "purchase")][0] == 10
    assert round(cells[("Parent", "purchase")][1], 2) == 30.00
    csat = metrics.heatmap(cur, Filters(), metric="csat")
    assert csat.set_index("stage").loc["purchase", "value"] == pytest.approx(75.0)
    ces = metrics.heatmap(cur, Filters(), rows="month", cols="stage", metric="ces")
    assert list(ces.columns) == ["month", "stage", "n", "value"]
    assert ces.set_index("stage").loc["awareness", "value"] == pytest.approx(4.0)
    with pytest.raises(ValueError):
        metrics.heatmap(cur, Filters(), metric="nope")


# -- verbatims -----------------------------------------------------------------------------


def test_verbatims_only_non_empty_comments_newest_first(cur):
    df = voc.verbatims(cur, Filters())
    assert list(df.columns) == voc.VERBATIM_COLUMNS
    # 6 real comments; "" and "   " and NULL are left out.
    assert len(df) == 6
    assert df["ts"].is_monotonic_decreasing
    assert set(df["group"]) == {"promoter", "passive", "detractor"}


def test_verbatims_search_and_group(cur):
    def comments(**kw):
        return sorted(voc.verbatims(cur, Filters(), **kw)["comment"])

    assert comments(search="wait") == ["Didn't like the wait", "WAIT was too long"]
    # User text with LIKE wildcards and quotes is matched literally.
    assert comments(search="%") == ["Great, 100% satisfied", "It's 50% off_ok"]
    assert comments(search="0% s") == ["Great, 100% satisfied"]
    assert comments(search="_") == ["It's 50% off_ok"]
    assert comments(search="n't") == ["Didn't like the wait"]
    assert comments(search="'; DROP TABLE responses; --") == []
    assert comments(group="detractor") == ["WAIT was too long", "boring ad"]
    assert comments(group="passive", search="WAIT") == ["Didn't like the wait"]
    assert len(voc.verbatims(cur, Filters(), limit=2)) == 2
    with pytest.raises(ValueError):
        voc.verbatims(cur, Filters(), group="fan")
    # The table survived the search above.
    assert cur.execute("SELECT COUNT(*) FROM responses").fetchone()[0] == len(RESPONSES)


# -- filters on responses --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filters", "n", "score"),
    [
        (Filters(), 13, 15.38),
        (Filters(personas=["Senior"]), 3, -33.33),
        (Filters(stages=["purchase"]), 10, 30.00),
        (Filters(touchpoints=["ad"]), 3, -33.33),
        (Filters(channels=["web"]), 10, 30.00),
        # Responses of customers who used a desktop: c2's 7,7,3,0 -> (0 - 2)/4 = -50
        (Filters(devices=["desktop"]), 4, -50.00),
        (Filters(since="2024-03-01"), 10, 30.00),
        (Filters(until="2024-02-29"), 3, -33.33),
        # c3 is the only customer who went to the store.
        (Filters(includes=["store"]), 3, -33.33),
        (Filters(personas=["Parent"], devices=["mobile"]), 6, 83.33),  # c1: P5 pass1
    ],
)
def test_every_response_filter_changes_nps(cur, filters, n, score):
    df = metrics.nps(cur, filters, by=None)
    assert df["n"].iloc[0] == n
    assert round(df["nps"].iloc[0], 2) == score


def test_empty_results_are_empty_frames(cur):
    nobody = Filters(outcome="dropped_off", personas=["Parent"])  # c1, c2 both converted
    for by in [*metrics.BY_OPTIONS, None]:
        df = metrics.nps(cur, nobody, by=by)
        assert df.empty
        assert list(df.columns) == ([by] if by else []) + metrics.NPS_COLUMNS
        assert metrics.csat(cur, nobody, by=by).empty
        assert metrics.ces(cur, nobody, by=by).empty
    assert list(metrics.heatmap(cur, nobody).columns) == ["persona", "stage", "n", "value"]
    assert list(voc.verbatims(cur, nobody).columns) == voc.VERBATIM_COLUMNS
    assert metrics.nps_trend(cur, nobody).empty
    none = Filters(channels=["carrier pigeon"])
    assert metrics.stage_mix(cur, none, "device").empty
    assert list(metrics.top_touchpoints(cur, none).columns) == metrics.TOP_TOUCHPOINT_COLUMNS
    ov = metrics.overview(cur, none)
    assert ov["customers"] == 0 and ov["conversion_rate"] is None and ov["nps"] is None
    assert ov["first_ts"] is None and ov["revenue"] == 0.0


def test_empty_store(tmp_path):
    store = make_store(tmp_path, events=(), responses=(), customers=())
    c = store.cursor()
    assert metrics.nps(c, Filters()).empty
    assert metrics.overview(c, Filters())["events"] == 0
    store.close()


# -- overview, stage mix, top touchpoints ---------------------------------------------------


def test_overview(cur):
    ov = metrics.overview(cur, Filters())
    assert ov["customers"] == ov["journeys"] == 6
    assert ov["converted"] == 4  # c1..c4 reached purchase (in any order)
    assert ov["conversion_rate"] == pytest.approx(4 / 6)
    assert ov["events"] == len(EVENTS)
    assert ov["responses"] == len(RESPONSES)
    assert ov["nps_n"] == 13 and round(ov["nps"], 2) == 15.38
    assert ov["nps_margin"] == pytest.approx(metrics.nps_margin(13, 6, 4))
    assert ov["first_ts"] == "2024-01-01T09:00:00"
    assert ov["last_ts"] == "2024-01-11T09:00:00"
    assert ov["revenue"] == pytest.approx(200.0)


def test_overview_judges_conversion_on_the_shown_events(cur):
    # Social events only (ads of c1 c2 c3 c4 c6): none of them shows a purchase, so on the
    # social channel nobody converted (the funnel's purchase bar says the same, test_reach).
    ov = metrics.overview(cur, Filters(channels=["social"]))
    assert (ov["customers"], ov["converted"], ov["events"]) == (5, 0, 5)
    assert ov["revenue"] == 0.0
    # Mobile: c1 (bought on mobile), c3 (bought in store), c6: converted on mobile = c1.
    ov = metrics.overview(cur, Filters(devices=["mobile"]))
    assert (ov["customers"], ov["converted"], ov["revenue"]) == (3, 1, 100.0)
    # Students c5 (site) and c6 (ad): 2 customers, 2 events, nobody converted.
    ov = metrics.overview(cur, Filters(personas=["Student"]))
    assert (ov["customers"], ov["converted"], ov["events"], ov["nps_n"]) == (2, 0, 2, 0)
    # Dropped off: c5 and c6 again; converted: c1..c4 with all 13 events.
    assert metrics.overview(cur, Filters(outcome="dropped_off"))["customers"] == 2
    ov = metrics.overview(cur, Filters(outcome="converted"))
    assert (ov["customers"], ov["converted"], ov["events"]) == (4, 4, 13)
    # In the first day only, nobody had reached purchase yet.
    ov = metrics.overview(cur, Filters(until="2024-01-01"))
    assert (ov["customers"], ov["converted"]) == (6, 0)


def test_stage_mix(cur):
    df = metrics.stage_mix(cur, Filters(), by="device")
    assert list(df.columns) == ["stage", "stage_position", "device", "kind", "customers",
                                "events", "share"]
    purchase = df[df["stage"] == "purchase"]
    # checkout c1 mobile, c2 desktop, c4 desktop; store c3 in-store -> desktop 2/4
    assert list(purchase["device"]) == ["desktop", "in-store", "mobile"]
    assert list(purchase["share"]) == pytest.approx([0.5, 0.25, 0.25])
    assert df.groupby("stage")["share"].sum().round(9).eq(1).all()
    assert list(df["stage"].drop_duplicates()) == [
        "awareness", "consideration", "purchase", "retention",
    ]
    ch = metrics.stage_mix(cur, Filters(), by="channel")
    assert set(ch[ch["stage"] == "purchase"]["channel"]) == {"web", "store"}
    with pytest.raises(ValueError):
        metrics.stage_mix(cur, Filters(), by="persona")


def test_top_touchpoints(cur):
    df = metrics.top_touchpoints(cur, Filters(), limit=3)
    assert list(df.columns) == metrics.TOP_TOUCHPOINT_COLUMNS
    # ad 5 customers; site 5 customers (c1..c5), 5 events; checkout 3 -> ties by events then name
    assert list(df["touchpoint"]) == ["ad", "site", "checkout"]
    assert list(df["customers"]) == [5, 5, 3]
    assert df.set_index("touchpoint").loc["checkout", "channel"] == "web"
    assert bool(df.set_index("touchpoint").loc["ad", "online"]) is True


# -- SQL that travels ------------------------------------------------------------------------


def test_every_sql_transpiles_to_spark(cur):
    engine = Engine(cur)
    full = Filters(
        personas=["Parent"], stages=["purchase", "awareness"], touchpoints=["ad"],
        channels=["web"], devices=["mobile"], since="2024-01-01", until="2024-12-31",
        includes=["site"], outcome="converted",
    )
    for f in (Filters(), full):
        for by in [*metrics.BY_OPTIONS, None]:
            metrics.nps(engine, f, by=by)
            metrics.csat(engine, f, by=by)
            metrics.ces(engine, f, by=by)
        for metric in ("nps", "csat", "ces"):
            metrics.heatmap(engine, f, metric=metric)
        voc.verbatims(engine, f, search="x", group="promoter", label="negative",
                      path=["ad", "site"])
        voc_journeys.by_variant(engine, f)
        voc_journeys.by_dropoff(engine, f)
        voc_journeys.by_stage(engine, f)
        voc_journeys.variant_customers(engine, f, ["ad", "site"])
        reach.funnel(engine, f)
        metrics.overview(engine, f)
        metrics.stage_mix(engine, f, "channel")
        metrics.top_touchpoints(engine, f)
    built = {run.sql for run in engine.history}
    assert len(built) > 20
    for sql in built:
        out = sqlglot.transpile(sql, read="duckdb", write="spark")
        assert out and "QUALIFY" not in out[0].upper()


FAST_PATH_FILTERS = [
    Filters(), Filters(personas=["Senior"]), Filters(outcome="converted"),
    Filters(outcome="dropped_off"), Filters(includes=["store"]),
]


@pytest.mark.parametrize("f", FAST_PATH_FILTERS, ids=lambda f: str(f.to_query_params()))
def test_overview_fast_path_equals_the_event_path(cur, f):
    """Without event conditions the overview reads customer_summary; a date range wide
    enough to keep every event takes the event path: same answers."""
    wide = f.replace(since="2000-01-01", until="2100-01-01")
    assert not f.has_event_conditions and wide.has_event_conditions
    assert metrics.overview(cur, f) == metrics.overview(cur, wide)


def test_funnel_follows_a_stage_model_edit(tmp_path):
    """customer_stage_reach depends on the whole stage model: a stage inserted and mapped
    to a touchpoint nobody visits breaks every in-order chain after it (refreshed without
    re-importing anything); reaching a stage at all does not depend on the chain."""
    store = make_store(tmp_path)
    stages = store.cursor().execute(
        "SELECT stage, label_en, label_fr FROM stages ORDER BY position"
    ).fetchall()
    store.set_stages([stages[0], ("nobody", None, None), *stages[1:]])
    store.set_touchpoints([("ghost", "nobody", None, None)])
    df = reach.funnel(store.cursor(), Filters())
    assert list(df["stage"])[1:3] == [stages[0][0], "nobody"]
    assert list(df["in_order"])[2:] == [0] * (len(df) - 2)
    assert list(df["customers"]) == [6, 6, 5, 5, 4, 1, 0]
    wide = Filters(since="2000-01-01", until="2100-01-01")
    pd.testing.assert_frame_equal(reach.funnel(store.cursor(), wide), df)
    store.close()


# -- one small-sample threshold -------------------------------------------------------------


def test_the_small_sample_threshold_lives_once():
    import re
    from pathlib import Path

    from journey.analytics import journey_map, stats
    from journey.present import map_export, stat_charts

    assert stats.SMALL_SAMPLE == 30
    assert metrics.SMALL_SAMPLE is stat_charts.SMALL_SAMPLE is map_export.SMALL_SAMPLE
    assert journey_map.MIN_COMPARE_N == stats.SMALL_SAMPLE
    core = Path(stats.__file__).resolve().parents[1]
    assigned = [
        str(p.relative_to(core)) for p in sorted(core.rglob("*.py"))
        if re.search(r"^[A-Z_]+\s*=\s*30\s*$", p.read_text(encoding="utf-8"), re.M)
    ]
    assert assigned == ["analytics/stats.py"]
