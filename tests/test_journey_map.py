"""The journey map: its numbers are the metrics'/flows' numbers; comparison; notes."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from small_store import small_store

from journey.analytics import flows, journey_map, metrics, reach, stats
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
    funnel = reach.stage_rows(reach.funnel(cur, f)).set_index("stage")
    nps = metrics.nps(cur, f, by="stage").set_index("stage")
    csat = metrics.csat(cur, f, by="stage").set_index("stage")
    mix = metrics.stage_mix(cur, f, by="channel")
    dev = metrics.stage_mix(cur, f, by="device")
    top = metrics.top_touchpoints(cur, f, limit=100)

    assert [s.stage for s in jm.stages] == list(funnel.index)
    assert jm.n == metrics.overview(cur, f)["customers"]
    keys = list(funnel.index)
    assert [s.reach for s in jm.stages] == pytest.approx(list(funnel["share"]))
    for i, s in enumerate(jm.stages):
        assert s.customers == funnel.loc[s.stage, "customers"]
        if i + 1 < len(keys):
            assert _close(s.conversion_to_next, funnel.loc[keys[i + 1], "from_previous"])
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
    assert jm.persona == "P2" and jm.title == "Journey map — P2"
    assert jm.filters.personas == ("P2",) and jm.filters.devices == ("desktop",)
    # The subtitle is the same caption every page writes for these filters.
    assert jm.filters_text == "Persona: P2 · Devices: desktop"
    assert jm.filters_text == jm.filters.describe("en")
    assert jm.n == 2  # c5 and c6 (c7 has no desktop event)


def test_the_title_comes_from_the_filters_that_ran_the_queries(store):
    cur = store.cursor()
    # The sidebar picked P1: the map shows P1's numbers, so its title says P1, and P1's notes.
    store.set_note("awareness", "P1's idea", "P1")
    jm = build_map(cur, Filters(personas=("P1",)), lang="en")
    assert jm.title == "Journey map — P1" and jm.persona == "P1"
    assert jm.n == 4 and jm.stage("awareness").opportunity == "P1's idea"
    both = build_map(cur, Filters(personas=("P1", "P2")), lang="fr")
    assert both.title == "Carte du parcours — P1, P2" and both.persona is None
    assert build_map(cur, Filters(), lang="en").title == "Journey map — all customers"
    # A persona on the page narrows the sidebar's choice...
    assert build_map(cur, Filters(personas=("P1", "P2")), lang="en", persona="P2").n == 3
    # ...and never contradicts it.
    with pytest.raises(ValueError, match="not among the filters"):
        build_map(cur, Filters(personas=("P1",)), lang="en", persona="P2")


def test_offline_touchpoints_without_a_device_read_in_person(tmp_path):
    store = small_store(
        tmp_path / "off.duckdb", touchpoints=[("Shop", "purchase", "store", False),
                                              ("Cart", "purchase", "web", True)],
        events=[("a", "2026-03-01 10:00:00", "Shop", None), ("b", "2026-03-01 10:00:00", "Shop",
                None), ("c", "2026-03-01 10:00:00", "Cart", None),
                ("d", "2026-03-01 10:00:00", "Cart", "mobile")],
        event_columns=("customer_id", "ts", "touchpoint", "device"),
    )
    for lang, offline, unknown in (("en", "in person / offline", "device not recorded"),
                                   ("fr", "en personne / hors ligne", "appareil non renseigné")):
        jm = build_map(store.cursor(), Filters(), lang=lang)
        assert dict(jm.stage("purchase").device_mix) == pytest.approx(
            {offline: 0.5, unknown: 0.25, "mobile": 0.25})
    store.close()


def test_empty_store_gives_an_empty_map(tmp_path):
    with Store(tmp_path / "e.duckdb") as s:
        jm = build_map(s.cursor(), Filters(), lang="en")
        assert jm.is_empty and jm.n == 0
        for col in jm.stages:
            assert col.customers == 0 and col.pain_points == () and col.touchpoints == ()


def test_compare_maps_gives_every_move_its_margin(store):
    cur = store.cursor()
    a = build_map(cur, Filters(), lang="en", persona="P1")
    b = build_map(cur, Filters(), lang="en", persona="P2")
    diff = compare_maps(a, b, min_n=0)
    assert list(diff.columns) == ["stage", "lane", "value_a", "value_b", "delta", "margin",
                                  "significant"]
    assert (diff["delta"] == diff["value_b"] - diff["value_a"]).all()
    # P1 is all on mobile at awareness but for one desktop search; P2 mostly on desktop:
    # 3 of P1's 4 awareness events vs 0 of P2's 3 customers' (counted on customers).
    row = diff[(diff["stage"] == "awareness") & (diff["lane"] == "device:mobile")].iloc[0]
    assert (row["value_a"], row["value_b"]) == pytest.approx((75.0, 0.0))
    want = stats.proportion_difference(4, 3, 3, 0)
    assert row["margin"] == pytest.approx(want.margin)
    # Reach of purchase: P1 1 of 4 journeys, P2 2 of 3 (Agresti-Caffo, by hand:
    # p~ 2/6 and 3/5, var = (1/3)(2/3)/6 + (3/5)(2/5)/5 = 0.0850, margin 1.96 * 0.2916).
    row = diff[(diff["stage"] == "purchase") & (diff["lane"] == "reach")].iloc[0]
    assert row["delta"] == pytest.approx(100 * (2 / 3 - 1 / 4))
    assert row["margin"] == pytest.approx(57.16, abs=0.01)
    # Nothing this small is beyond the noise; what is listed first is the biggest move.
    assert not diff["significant"].any()
    assert list(diff["delta"].abs()) == sorted(diff["delta"].abs(), reverse=True)
    assert (compare_maps(a, a, min_n=0)["delta"] == 0).all()
    # With the default floor every side under 30 customers is noise too.
    assert not compare_maps(a, b)["significant"].any()


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

    # Recompute every lane value straight from reach and metrics, then the largest move.
    def values(persona: str) -> tuple[dict, dict]:
        """{(stage, lane): value} and {(stage, lane): (n, x)} straight from the core."""
        f = Filters(personas=(persona,))
        out: dict[tuple[str, str], float] = {}
        ns: dict[tuple[str, str], tuple[float, float]] = {}
        fun = reach.funnel(cur, f)
        journeys = int(fun["customers"].iloc[0])
        bars = reach.stage_rows(fun)
        nxt = list(bars["customers"].iloc[1:]) + [None]
        for (_, r), nx in zip(bars.iterrows(), nxt, strict=True):
            out[(r["stage"], "reach")] = 100 * r["customers"] / journeys
            ns[(r["stage"], "reach")] = (journeys, r["customers"])
            if nx is not None:
                out[(r["stage"], "conversion")] = 100 * nx / r["customers"]
                ns[(r["stage"], "conversion")] = (r["customers"], nx)
        stage_n = dict(zip(bars["stage"], bars["customers"], strict=True))
        for by in ("channel", "device"):
            for _, r in metrics.stage_mix(cur, f, by=by).iterrows():
                key = (r["stage"], f"{by}:{r[by]}")
                out[key] = 100 * r["share"]
                ns[key] = (stage_n[r["stage"]], r["share"] * stage_n[r["stage"]])
        return out, ns, stage_n

    (va, na, sa), (vb, nb, sb) = values(a_name), values(b_name)
    moves = {}
    for key in set(va) | set(vb):
        mix = key[1].startswith(("channel:", "device:"))
        x, y = va.get(key, 0.0 if mix else None), vb.get(key, 0.0 if mix else None)
        if x is None or y is None:
            continue
        (n_a, x_a), (n_b, x_b) = na.get(key, (sa[key[0]], 0)), nb.get(key, (sb[key[0]], 0))
        d = stats.proportion_difference(n_a, x_a, n_b, x_b)
        if d.significant and min(n_a, n_b) >= journey_map.MIN_COMPARE_N:
            moves[key] = y - x
    best = max(moves, key=lambda k: abs(moves[k]))
    top = diff.iloc[0]
    assert (top["stage"], top["lane"]) == best and bool(top["significant"])
    assert top["delta"] == pytest.approx(moves[best])
    # The demo's story: the busy parent shops on a phone, the senior does not.
    assert best[1] == "device:mobile"
    assert top["value_a"] > 50 and top["value_b"] < 25
    assert 0 < top["margin"] < abs(top["delta"])


# -- the demo's words fit the touchpoint they are quoted under ------------------------------
def _negative_texts(touchpoint: str) -> set[str]:
    """Every text the demo can draw for a touchpoint that is not praise, in either language;
    `touchpoint` in English or in French. (Which of them are quoted is the stored sentiment
    label's call: a passive "some newsletters are interesting, others not" may be negative.)"""
    from journey.ingest import demo

    english = {fr: en for en, fr in demo.NAMES_FR.items()}.get(touchpoint, touchpoint)
    return {text for lang in ("en", "fr")
            for cat, texts in demo.COMMENTS[lang][english].items()
            if cat != "positive" for text in texts}


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_demo_pain_points_quote_only_their_own_touchpoints_complaints(demo_store, tmp_path,
                                                                      lang):
    """An "Influencer post" detractor never says "the product page did not load": every
    word quoted on a pain point is one of that touchpoint's texts (or, quoted for the stage,
    one of the stage's touchpoints'), never its praise, and labelled negative in the store,
    on the whole map and per persona."""
    from journey.ingest import demo

    if lang == "en":
        store, personas = demo_store, [p.name for p in demo.PERSONAS]
    else:
        store = Store(tmp_path / "fr.duckdb")
        demo.load_sample(store, customers=1500, seed=7, lang="fr")
        personas = [demo.PERSONAS_FR[p.name][0] for p in demo.PERSONAS]
    try:
        cur = store.cursor()
        quoted = 0
        for persona in [None, *personas]:
            jm = build_map(cur, Filters(), lang=lang, persona=persona)
            for col in jm.stages:
                for pain in col.pain_points:
                    if pain.verbatim_scope == journey_map.VERBATIMS_STAGE:
                        allowed = set().union(*(_negative_texts(t.name)
                                                for t in col.touchpoints))
                    else:
                        allowed = _negative_texts(pain.touchpoint)
                    for words in pain.verbatims:
                        assert words in allowed, (persona, pain.touchpoint, words)
                        # Negative as words: the stored label, never an NPS alone.
                        labels = {r[0] for r in cur.execute(
                            "SELECT sentiment_label FROM responses WHERE comment = ?",
                            [words]).fetchall()}
                        assert "negative" in labels, words
                        quoted += 1
        assert quoted >= 10  # the check ran on real quotes
    finally:
        if store is not demo_store:
            store.close()


@pytest.mark.parametrize("persona", [None, "P1"])
def test_one_set_of_facts_makes_the_map_in_either_language(store, persona):
    # The app caches the facts without the language: assembled in EN or FR they are the map
    # build_map makes in that language, field for field.
    cur = store.cursor()
    facts = journey_map.map_facts(cur, Filters(), persona=persona)
    assert facts.who == persona
    assert facts.filters == (Filters(personas=(persona,)) if persona else Filters())
    for lang in ("en", "fr"):
        made = journey_map.assemble(facts, lang=lang, stages_df=store.stages(),
                                    notes_df=store.notes(persona))
        assert made == build_map(cur, Filters(), lang=lang, persona=persona,
                                 stages_df=store.stages(), notes_df=store.notes(persona))
    # Its scores by stage are metrics.nps's (the page draws the emotion curve from them).
    nps = metrics.nps(cur, facts.filters, by="stage")
    assert facts.nps_by_stage.equals(nps)
