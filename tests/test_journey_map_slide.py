"""The slide-ready map's core: pain points only negative and only with their own words, the
persona card, worked out by hand on a store small enough to count on one's fingers."""

from __future__ import annotations

import pytest
from small_store import small_store

from journey.analytics import journey_map
from journey.analytics.filters import Filters
from journey.analytics.journey_map import VERBATIMS_STAGE, VERBATIMS_TOUCHPOINT, build_map

TOUCHPOINTS = [
    ("Ad", "awareness", "social", True),
    ("Search", "awareness", "search", True),
    ("Page", "consideration", "web", True),
    ("Review", "consideration", "web", True),
    ("Cart", "purchase", "web", True),
]

# customer -> persona, [(day, touchpoint, device)]
JOURNEYS = {
    "a1": ("Busy", [(1, "Ad", "mobile"), (2, "Page", "mobile"), (3, "Cart", "mobile")]),
    "a2": ("Busy", [(1, "Ad", "mobile"), (2, "Page", "desktop")]),
    "a3": ("Busy", [(1, "Ad", "mobile")]),
    "a4": ("Busy", [(1, "Search", "desktop")]),
    "b1": ("Calm", [(1, "Search", "desktop"), (2, "Page", "desktop"), (2, "Review", "desktop"),
                    (3, "Cart", "desktop")]),
    "b2": ("Calm", [(1, "Search", "desktop"), (2, "Page", "desktop")]),
}

MISLEADING = "Ad <b>misleading</b> & loud"
SLOW = "Checkout felt <slow>"
# customer, stage, touchpoint, nps, comment
RESPONSES = [
    ("a3", "awareness", "Ad", 1, MISLEADING),
    ("a1", "awareness", "Ad", 0, None),
    ("a2", "awareness", "Ad", 10, "Loved the ad"),           # positive: never a pain's words
    ("a4", "awareness", "Search", 2, "Search results useless"),  # another touchpoint's words
    ("b1", "awareness", "Search", 9, None),
    ("b2", "awareness", "Search", 9, None),
    ("b1", "consideration", "Page", 10, "Great page"),
    ("b2", "consideration", "Page", 10, None),
    ("a1", "consideration", "Page", 10, None),
    ("a2", "consideration", "Review", 9, None),              # Review: NPS +67 < Page's +100,
    ("a1", "consideration", "Review", 9, None),              # positive all the same
    ("b1", "consideration", "Review", 7, "Reviews are fine I guess"),
    ("a1", "purchase", "Cart", 0, None),
    ("b1", "purchase", "Cart", 1, None),
    ("a1", "purchase", None, 4, SLOW),                       # about the stage as a whole
    ("b1", "purchase", None, 9, "Fine checkout"),            # positive, stage-wide
]


def make_slide_store(path):
    return small_store(
        path, touchpoints=TOUCHPOINTS,
        personas=[("Busy", "Shops <b>on the go</b>, between two meetings"), ("Calm", "")],
        customers=[(c, p) for c, (p, _) in JOURNEYS.items()],
        events=[(c, f"2026-03-{day:02d} 10:00:00", tp, device)
                for c, (_p, steps) in JOURNEYS.items() for day, tp, device in steps],
        event_columns=("customer_id", "ts", "touchpoint", "device"),
        responses=[(c, "2026-03-05 12:00:00", *r) for c, *r in RESPONSES],
        response_columns=("customer_id", "ts", "stage", "touchpoint", "nps", "comment"),
        name="slide.csv",
    )


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setattr(journey_map, "MIN_PASSING", 1)
    monkeypatch.setattr(journey_map, "MIN_SCORE_N", 1)
    s = make_slide_store(tmp_path / "slide.duckdb")
    yield s
    s.close()


def _pains(jm, stage):
    return {p.touchpoint: p for p in jm.stage(stage).pain_points}


def test_pain_words_are_negative_and_of_their_own_touchpoint(store):
    jm = build_map(store.cursor(), Filters(), lang="en")
    aw = _pains(jm, "awareness")
    # Ad: 1 of its 3 journeys ends there (a3), NPS 1 promoter - 2 detractors of 3 = -33.
    ad = aw["Ad"]
    assert ad.dropoff_rate == pytest.approx(1 / 3) and ad.score == pytest.approx(-100 / 3)
    # Its only negative comment; never the promoter's, never Search's.
    assert ad.verbatims == (MISLEADING,) and ad.verbatim_scope == VERBATIMS_TOUCHPOINT
    # Search (1 of 3 ends there: a4) is a drop-off, with its own detractor's words; its
    # NPS +33 is positive, so it is no score pain.
    search = aw["Search"]
    assert search.reason == "dropoff" and search.score is None
    assert search.verbatims == ("Search results useless",)
    every = [v for s in jm.stages for p in s.pain_points for v in p.verbatims]
    for positive in ("Loved the ad", "Great page", "Fine checkout", "Reviews are fine I guess"):
        assert positive not in every


def test_a_positive_nps_is_never_a_pain_point(store):
    jm = build_map(store.cursor(), Filters(), lang="en")
    co = jm.stage("consideration")
    # Review's NPS (+67) is under its stage's (+86) but positive: no pain. Page is a pain
    # only by its drop-off (a2 and b2 end there: 2 of 4), and has no negative words.
    assert [p.touchpoint for p in co.pain_points] == ["Page"]
    page = co.pain_points[0]
    assert page.reason == "dropoff" and page.dropoff_rate == pytest.approx(0.5)
    assert page.score is None and page.verbatims == () and page.verbatim_scope is None
    for s in jm.stages:
        for p in s.pain_points:
            assert p.score is None or p.score < 0


def test_without_words_on_the_touchpoint_the_stages_own_are_quoted(store):
    jm = build_map(store.cursor(), Filters(), lang="en")
    # Cart: 2 detractors of 2 = -100, under the stage's -50 (1 promoter, 3 detractors of 4).
    pu = jm.stage("purchase")
    assert pu.score == pytest.approx(-50.0)
    cart = _pains(jm, "purchase")["Cart"]
    assert cart.reason == "score" and cart.score == pytest.approx(-100.0)
    # No comment on Cart: the stage-wide detractor's words, said to be the stage's.
    assert cart.verbatims == (SLOW,) and cart.verbatim_scope == VERBATIMS_STAGE


def test_persona_card_by_hand(store):
    cur = store.cursor()
    busy = build_map(cur, Filters(), lang="en", persona="Busy").card
    assert busy.name == "Busy"
    assert busy.description == "Shops <b>on the go</b>, between two meetings"
    # 4 of the 6 customers.
    assert (busy.customers, busy.all_customers) == (4, 6)
    assert busy.share == pytest.approx(4 / 6)
    # 7 events: social 3 (Ad x3), web 3 (Page x2, Cart), search 1; mobile 5, desktop 2.
    assert [n for n, _ in busy.channels] == ["social", "web", "search"]
    assert [x for _, x in busy.channels] == pytest.approx([3 / 7, 3 / 7, 1 / 7])
    assert [n for n, _ in busy.devices] == ["mobile", "desktop"]
    assert [x for _, x in busy.devices] == pytest.approx([5 / 7, 2 / 7])
    calm = build_map(cur, Filters(), lang="fr", persona="Calm").card
    # An empty description is no description.
    assert calm.description is None and (calm.customers, calm.all_customers) == (2, 6)
    assert calm.devices == (("desktop", 1.0),)
    everyone = build_map(cur, Filters(), lang="en").card
    assert everyone.name is None and everyone.share == pytest.approx(1.0)
    # The other filters apply to both sides of the share: desktop only, Busy has a2 and a4
    # of the 4 customers with a desktop event (a2, a4, b1, b2).
    desk = build_map(cur, Filters(devices=("desktop",)), lang="en", persona="Busy").card
    assert (desk.customers, desk.all_customers) == (2, 4)


def test_pain_words_are_negative_by_their_stored_label_not_by_the_nps(store):
    cur = store.cursor()
    labels = dict(cur.execute("SELECT comment, sentiment_label FROM responses "
                              "WHERE comment IS NOT NULL").fetchall())
    # The lexicon's labels, stored at import: the two complaints are negative.
    assert labels[MISLEADING] == labels["Search results useless"] == "negative"
    assert labels["Loved the ad"] == "positive"
    # A detractor's comment relabelled neutral is no longer quoted (its NPS 1 is not
    # enough); a promoter's comment labelled negative would be, on its own touchpoint.
    cur.execute("UPDATE responses SET sentiment_label = 'neutral' WHERE comment = ?",
                [MISLEADING])
    cur.execute("UPDATE responses SET sentiment_label = 'negative' WHERE comment = ?",
                ["Loved the ad"])
    ad = _pains(build_map(cur, Filters(), lang="en"), "awareness")["Ad"]
    assert ad.verbatims == ("Loved the ad",) and ad.verbatim_scope == VERBATIMS_TOUCHPOINT
