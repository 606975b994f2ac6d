"""The journey map: its numbers are the metrics'/flows' numbers; comparison; notes."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from small_store import small_store

from journey.analytics import flows, journey_map, metrics
from journey.analytics.filters import Filters
from journey.analytics.journey_map import build_map, compare_maps, lane_values
from journey.db.store import Store

# touchpoint, stage, channel, online
TOUCHPOINTS = [
    ("Ad", "awareness", "social", True),
    ("Search", "awareness", "search", True),
    ("Page", "consideration", "web", True),
    ("Shop", "consideration", "store", False),
    ("Cart", "purchase", "web", True),
    ("Mail", "retention", "e-mail", True),
]

# customer -> persona, [(day, touchpoint, device)]
JOURNEYS = {
    "c1": ("P1", [(1, "Ad", "mobile"), (2, "Page", "mobile"), (3, "Cart", "desktop"),
                  (9, "Mail", "desktop")]),
    "c2": ("P1", [(1, "Ad", "mobile"), (2, "Page", "mobile")]),
    "c3": ("P1", [(1, "Search", "desktop"), (2, "Shop", "in-store")]),
    "c4": ("P1", [(1, "Ad", "mobile")]),
    "c5": ("P2", [(1, "Search", "desktop"), (2, "Page", "desktop"), (3, "Cart", "desktop")]),
    "c6": ("P2", [(1, "Search", "desktop"), (2, "Page", "desktop"), (4, "Cart", "desktop"),
                  (8, "Mail", "desktop")]),
    "c7": ("P2", [(1, "Ad", "tablet"), (2, "Shop", "in-store")]),
}

# customer, stage, touchpoint, nps, csat, comment
RESPONSES = [
    ("c1", "awareness", "Ad", 9, None, "Nice ad"),
    ("c2", "awareness", "Ad", 2, None, "Annoying ad, shown ten times"),
    ("c4", "awareness", "Ad", 0, None, "Ad was misleading"),
    ("c3", "awareness", "Search", 8, None, None),
    ("c2", "consideration", "Page", 5, None, "Page too slow"),
    ("c6", "consideration", "Page", 10, None, "Clear page"),
    ("c5", "purchase", "Cart", None, 2, "Cart lost my items"),
    ("c6", "purchase", "Cart", None, 5, None),
]


def make_store(path) -> Store:
    return small_store(
        path, touchpoints=TOUCHPOINTS, personas=[("P1", "one"), ("P2", "two")],
        customers=[(c, p) for c, (p, _) in JOURNEYS.items()],
        events=[(c, f"2026-03-{day:02d} 10:00:00", tp, device)
                for c, (_p, steps) in JOURNEYS.items() for day, tp, device in steps],
        event_columns=("customer_id", "ts", "touchpoint", "device"),
        responses=[(c, "2026-03-05 12:00:00", *r) for c, *r in RESPONSES],
        response_columns=("customer_id", "ts", "stage", "touchpoint", "nps", "csat", "comment"),
        name="hand.csv",
    )


@pytest.fixture
def store(tmp_path, monkeypatch):
    # A hand-made store is tiny: let every touchpoint count as a pain-point candidate.
    monkeypatch.setattr(journey_map, "MIN_PASSING", 1)
    monkeypatch.setattr(journey_map, "MIN_SCORE_N", 1)
    s = make_store(tmp_path / "map.duckdb")
    yield s
    s.close()


def _close(a, b) -> bool:
    if a is None or b is None or (isinstance(b, float) and math.isnan(b)):
        return a is None and (b is None or (isinstance(b, float) and math.isnan(b)))
    return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)


@pytest.mark.parametrize("persona", [None, "P1", "P2"])
def test_map_numbers_are_the_metrics_numbers(store, persona):
    cur = store.cursor()
    jm = build_map(cur, Filters(), lang="en", persona=persona)
    f = Filters(personas=(persona,)) if persona else Filters()
    funnel = metrics.funnel(cur, f).set_index("stage")
    nps = metrics.nps(cur, f, by="stage").set_index("stage")
    csat = metrics.csat(cur, f, by="stage").set_index("stage")
    mix = metrics.stage_mix(cur, f, by="channel")
    dev = metrics.stage_mix(cur, f, by="device")
    top = metrics.top_touchpoints(cur, f, limit=100)

    assert [s.stage for s in jm.stages] == list(funnel.index)
    assert jm.n == metrics.overview(cur, f)["customers"]
    keys = list(funnel.index)
    for i, s in enumerate(jm.stages):
        assert s.customers == funnel.loc[s.stage, "customers"]
        if i + 1 < len(keys):
            assert _close(s.conversion_to_next, funnel.loc[keys[i + 1], "conversion_from_previous"])
        else:
            assert s.conversion_to_next is None
        if s.stage in nps.index and nps.loc[s.stage, "n"] > 0:
            assert s.score_metric == "nps"
            assert _close(s.score, nps.loc[s.stage, "nps"])
            assert _close(s.margin, nps.loc[s.stage, "margin"])
            assert s.n == nps.loc[s.stage, "n"]
        elif s.stage in csat.index:
            assert s.score_metric == "csat"
            assert _close(s.score, csat.loc[s.stage, "csat_pct"])
            assert s.n == csat.loc[s.stage, "n"]
        else:
            assert s.score_metric is None and s.score is None
        want_tps = top[top["stage"] == s.stage].head(journey_map.TOP_TOUCHPOINTS)
        assert [(t.name, t.customers) for t in s.touchpoints] == list(
            zip(want_tps["touchpoint"], want_tps["customers"], strict=True)
        )
        got_mix = dict(s.channel_mix)
        want_mix = mix[mix["stage"] == s.stage]
        assert got_mix == pytest.approx(dict(zip(want_mix["channel"], want_mix["share"],
                                                 strict=True)))
        want_dev = dev[dev["stage"] == s.stage]
        assert dict(s.device_mix) == pytest.approx(
            dict(zip(want_dev["device"], want_dev["share"], strict=True))
        )


def test_known_values_of_the_hand_made_store(store):
    jm = build_map(store.cursor(), Filters(), lang="fr")
    aw, co, pu, re_ = (jm.stage(k) for k in ("awareness", "consideration", "purchase",
                                            "retention"))
    assert (aw.customers, co.customers, pu.customers, re_.customers) == (7, 6, 3, 2)
    assert co.conversion_to_next == pytest.approx(3 / 6)
    assert aw.label == "Sensibilisation"
    # Awareness NPS: answers 9, 2, 0, 8 -> 1 promoter, 2 detractors of 4 = -25.
    assert aw.score_metric == "nps" and aw.score == pytest.approx(-25.0) and aw.n == 4
    # Purchase has CSAT only (2 and 5): 50 % satisfied.
    assert pu.score_metric == "csat" and pu.score == pytest.approx(50.0) and pu.n == 2
    ad = next(t for t in aw.touchpoints if t.name == "Ad")
    assert (ad.channel, ad.online, ad.customers) == ("social", True, 4)
    shop = next(t for t in co.touchpoints if t.name == "Shop")
    assert shop.online is False


def test_pain_points_are_worst_dropoff_and_score_with_negative_verbatims(store):
    cur = store.cursor()
    jm = build_map(cur, Filters(), lang="en")
    drops = flows.dropoffs(cur, Filters())
    aw = jm.stage("awareness")
    worst = drops[(drops["stage"] == "awareness") & (drops["dropoff_rate"] > 0)].iloc[0]
    first = aw.pain_points[0]
    assert first.touchpoint == worst["touchpoint"] == "Ad"
    assert first.dropoff_rate == pytest.approx(worst["dropoff_rate"])
    # Ad's NPS (-33) is under the stage's (-25), so it is also its score pain point.
    assert first.score == pytest.approx(-100 / 3) and first.score_n == 3
    # The two most negative comments, lowest score first; never the promoter's.
    assert first.verbatims == ("Ad was misleading", "Annoying ad, shown ten times")
    co = jm.stage("consideration")
    # "Shop" journeys end there (rate 2/2): the stage's worst drop-off.
    assert co.pain_points[0].touchpoint == "Shop"
    assert co.pain_points[0].dropoff_rate == pytest.approx(1.0)


def test_filters_and_title(store):
    jm = build_map(store.cursor(), Filters(devices=("desktop",)), lang="en", persona="P2")
    assert jm.persona == "P2" and "P2" in jm.title
    assert jm.filters.personas == ("P2",) and jm.filters.devices == ("desktop",)
    assert "desktop" in jm.filters_text
    # The subtitle is the same caption every page writes for these filters.
    assert jm.filters_text == "Persona: P2 · Devices: desktop"
    assert jm.filters_text == jm.filters.describe("en")
    assert jm.n == 2  # c5 and c6 (c7 has no desktop event)


def test_empty_store_gives_an_empty_map(tmp_path):
    with Store(tmp_path / "e.duckdb") as s:
        jm = build_map(s.cursor(), Filters(), lang="en")
        assert jm.is_empty and jm.n == 0
        for col in jm.stages:
            assert col.customers == 0 and col.pain_points == () and col.touchpoints == ()


def test_compare_maps_orders_by_absolute_delta(store):
    cur = store.cursor()
    a = build_map(cur, Filters(), lang="en", persona="P1")
    b = build_map(cur, Filters(), lang="en", persona="P2")
    diff = compare_maps(a, b, min_n=0)
    assert list(diff.columns) == ["stage", "lane", "value_a", "value_b", "delta"]
    assert (diff["delta"] == diff["value_b"] - diff["value_a"]).all()
    assert list(diff["delta"].abs()) == sorted(diff["delta"].abs(), reverse=True)
    # P1 is all on mobile at awareness but for one desktop search; P2 mostly on desktop.
    row = diff[(diff["stage"] == "awareness") & (diff["lane"] == "device:mobile")].iloc[0]
    assert row["value_a"] == pytest.approx(100 * 3 / 4)
    assert row["value_b"] == pytest.approx(0.0)
    # Comparing a map with itself moves nothing.
    assert (compare_maps(a, a, min_n=0)["delta"] == 0).all()
    # With the default floor, a store this small has nothing solid enough to compare.
    assert compare_maps(a, b).empty


def test_notes_are_opportunities_per_stage_and_persona(store):
    store.set_note("purchase", "One-click payment", "P1")
    store.set_note("purchase", "Shared idea", None)
    cur = store.cursor()
    p1 = build_map(cur, Filters(), lang="en", persona="P1", notes_df=store.notes("P1"))
    everyone = build_map(cur, Filters(), lang="en")  # notes read from the cursor
    assert p1.stage("purchase").opportunity == "One-click payment"
    assert everyone.stage("purchase").opportunity == "Shared idea"
    assert p1.stage("awareness").opportunity == ""


def _counts(store: Store) -> dict:
    info = store.info()
    return {k: info[k] for k in ("events", "customers", "responses", "touchpoints", "imports",
                                 "personas", "stages")}


def test_notes_survive_restart_and_are_removed_alone(tmp_path):
    path = tmp_path / "notes.duckdb"
    store = make_store(path)
    store.set_note("awareness", "Fewer ads", "P1")
    store.set_note("purchase", "Save the cart", "P1")
    store.set_note("purchase", "For everyone", None)
    counts = _counts(store)
    store.close()

    # "App restart": a new Store on the same file.
    with Store(path) as store:
        notes = store.notes("P1").set_index("stage")["note"].to_dict()
        assert notes == {"awareness": "Fewer ads", "purchase": "Save the cart"}
        jm = build_map(store.cursor(), Filters(), lang="en", persona="P1")
        assert jm.stage("awareness").opportunity == "Fewer ads"

        # Removing one note (an empty note) removes that one only, and no data.
        store.set_note("awareness", "", "P1")
        assert store.notes("P1")["stage"].tolist() == ["purchase"]
        assert store.notes(None)["note"].tolist() == ["For everyone"]
        assert _counts(store) == counts

        # Removing the import removes its data, not the team's notes.
        assert store.remove_import(1)
        assert store.info()["events"] == 0
        assert store.notes("P1")["note"].tolist() == ["Save the cart"]
        assert store.notes(None)["note"].tolist() == ["For everyone"]


def test_lane_values_are_in_points(store):
    jm = build_map(store.cursor(), Filters(), lang="en")
    lv = lane_values(jm).set_index(["stage", "lane"])["value"]
    assert lv[("awareness", "reach")] == pytest.approx(100.0)
    assert lv[("consideration", "conversion")] == pytest.approx(50.0)
    assert lv[("awareness", "score")] == pytest.approx(-25.0)
    assert pd.isna(lv[("purchase", "score")])  # CSAT is not compared with NPS


# -- the demo: a known difference between two personas ------------------------------------
@pytest.fixture(scope="module")
def demo_store(tmp_path_factory):
    from journey.ingest import demo

    s = Store(tmp_path_factory.mktemp("demo") / "demo.duckdb")
    demo.load_sample(s, customers=1500, seed=7)
    yield s
    s.close()


def test_compare_two_demo_personas_ranks_the_biggest_real_difference_first(demo_store):
    cur = demo_store.cursor()
    a_name, b_name = "Busy parent", "Cautious senior"
    a = build_map(cur, Filters(), lang="en", persona=a_name)
    b = build_map(cur, Filters(), lang="en", persona=b_name)
    diff = compare_maps(a, b)

    # Recompute every lane value straight from metrics, then find the largest move.
    floor = journey_map.MIN_COMPARE_N

    def values(persona: str) -> tuple[dict, dict]:
        """{(stage, lane): value} and {(stage, lane): n} straight from metrics."""
        f = Filters(personas=(persona,))
        out: dict[tuple[str, str], float] = {}
        ns: dict[tuple[str, str], int] = {}
        fun = metrics.funnel(cur, f)
        first = fun["customers"].iloc[0]
        nxt = list(fun["conversion_from_previous"].iloc[1:]) + [float("nan")]
        stage_n = dict(zip(fun["stage"], fun["customers"], strict=True))
        for (_, r), conv in zip(fun.iterrows(), nxt, strict=True):
            out[(r["stage"], "reach")] = 100 * r["customers"] / first
            if not math.isnan(conv):
                out[(r["stage"], "conversion")] = 100 * conv
        for _, r in metrics.nps(cur, f, by="stage").iterrows():
            out[(r["stage"], "score")] = r["nps"]
            ns[(r["stage"], "score")] = r["n"]
        for by in ("channel", "device"):
            for _, r in metrics.stage_mix(cur, f, by=by).iterrows():
                out[(r["stage"], f"{by}:{r[by]}")] = 100 * r["share"]
        for key in out:
            ns.setdefault(key, stage_n.get(key[0], 0))
        return out, ns

    (va, na), (vb, nb) = values(a_name), values(b_name)
    deltas = {}
    for key in set(va) | set(vb):
        mix = key[1].startswith(("channel:", "device:"))
        x, y = va.get(key, 0.0 if mix else None), vb.get(key, 0.0 if mix else None)
        if x is None or y is None:
            continue
        stage_a = max((v for k, v in na.items() if k[0] == key[0] and k[1] == "reach"), default=0)
        stage_b = max((v for k, v in nb.items() if k[0] == key[0] and k[1] == "reach"), default=0)
        n_a = na.get(key, stage_a)
        n_b = nb.get(key, stage_b)
        if n_a >= floor and n_b >= floor:
            deltas[key] = y - x
    best = max(deltas, key=lambda k: abs(deltas[k]))
    top = diff.iloc[0]
    assert (top["stage"], top["lane"]) == best
    assert top["delta"] == pytest.approx(deltas[best])
    # The demo's story: the busy parent shops on a phone, the senior does not.
    assert best[1] == "device:mobile"
    assert top["value_a"] > 50 and top["value_b"] < 25
