"""Journeys and words together, computed by hand on six customers: NPS and sentiment per
path variant, drop-off point and stage; "which journeys make detractors" and its drill-down
(exactly the customers counted); the verbatims' path filter; `query voc-paths --json`."""

from __future__ import annotations

import json
import math

import pytest
from small_store import small_store

from journey.analytics import voc, voc_journeys
from journey.analytics.filters import Filters
from journey.analytics.stats import nps_difference, nps_margin
from journey.cli import main

TOUCHPOINTS = [
    ("Ad", "awareness", "social", True),
    ("Page", "consideration", "web", True),
    ("Cart", "purchase", "web", True),
]
A, B, C = ["Ad", "Page", "Cart"], ["Ad", "Page"], ["Ad"]
JOURNEYS = {  # customer -> (persona, path): A converts, B drops at Page, C at Ad
    "c1": ("P1", A), "c2": ("P1", A), "c3": ("P2", A),
    "c4": ("P1", B), "c5": ("P2", B),
    "c6": ("P2", C),
}
# customer, stage, touchpoint, nps, comment, hand-set sentiment (None: no comment)
RESPONSES = [
    ("c1", "purchase", "Cart", 10, "Great", 0.8),
    ("c2", "purchase", "Cart", 9, "Fine", 0.4),
    ("c3", "purchase", "Cart", 3, "Slow", -0.6),
    ("c4", "consideration", "Page", 2, "Bad page", -0.8),
    ("c4", "consideration", "Page", 6, None, None),
    ("c5", "consideration", "Page", 8, "ok", 0.0),
    ("c6", "awareness", "Ad", 0, "Annoying", -0.9),
]


def _label(s: float) -> str:
    return "positive" if s > 0.15 else "negative" if s < -0.15 else "neutral"


@pytest.fixture
def store(tmp_path):
    s = small_store(
        tmp_path / "vj.duckdb", touchpoints=TOUCHPOINTS,
        customers=[(c, p) for c, (p, _) in JOURNEYS.items()],
        events=[(c, f"2026-03-0{i + 1} 10:00:00", tp, "mobile")
                for c, (_p, path) in JOURNEYS.items() for i, tp in enumerate(path)],
        event_columns=("customer_id", "ts", "touchpoint", "device"),
        responses=[(c, f"2026-03-{10 + i:02d} 12:00:00", st, tp, nps, text)
                   for i, (c, st, tp, nps, text, _s) in enumerate(RESPONSES)],
        response_columns=("customer_id", "ts", "stage", "touchpoint", "nps", "comment"),
    )
    with s.transaction() as cur:
        for c, _st, _tp, _nps, text, score in RESPONSES:
            if text is not None:
                cur.execute("UPDATE responses SET sentiment = ?, sentiment_label = ?, "
                            "language = 'en' WHERE customer_id = ? AND comment = ?",
                            [score, _label(score), c, text])
    yield s
    s.close()


def _sd(xs: list[float]) -> float:
    m = sum(xs) / len(xs)
    return math.sqrt(sum((x - m) ** 2 for x in xs) / (len(xs) - 1))


def test_nps_and_sentiment_per_variant_by_hand(store):
    df = voc_journeys.by_variant(store.cursor(), Filters())
    assert [list(p) for p in df["path"]] == [A, B, C]
    assert list(df["customers"]) == [3, 2, 1]
    # A: 3 answers, 2 promoters, 1 detractor -> +33.3; B: c4's two answers and c5's
    # passive -> 0 - 2 of 3 = -66.7; C: one detractor -> -100.
    assert list(df["nps_n"]) == [3, 3, 1]
    assert list(df["detractors"]) == [1, 2, 1]
    assert df["nps"].tolist() == pytest.approx([100 / 3, -200 / 3, -100.0])
    assert df["nps_margin"][0] == pytest.approx(nps_margin(3, 2, 1))
    # Sentiment: A's three comments, B's two (c4's second answer has none), C's one.
    assert df["sentiment_n"].tolist() == [3, 2, 1]
    assert df["sentiment"].tolist() == pytest.approx([0.2, -0.4, -0.9])
    assert df["sentiment_margin"][0] == pytest.approx(1.96 * _sd([0.8, 0.4, -0.6]) / math.sqrt(3))
    assert df["sentiment_margin"][1] == pytest.approx(1.96 * _sd([-0.8, 0.0]) / math.sqrt(2))
    assert df["sentiment_margin"][2] is None or math.isnan(df["sentiment_margin"][2])
    # B vs the 4 other answers (2 promoters, 2 detractors: NPS 0): gap -66.7.
    b = df.iloc[1]
    assert b["gap"] == pytest.approx(-200 / 3)
    assert b["gap_margin"] == pytest.approx(nps_difference((4, 2, 2), (3, 0, 2)).margin)
    assert bool(b["small_sample"])


def test_which_journeys_make_detractors_and_their_drill_down(store):
    cur = store.cursor()
    df = voc_journeys.detractor_journeys(cur, Filters())
    # Ranked by detractor share: C 1/1, B 2/3, A 1/3.
    assert [list(p) for p in df["path"]] == [C, B, A]
    assert df["detractor_share"].tolist() == pytest.approx([1.0, 2 / 3, 1 / 3])
    for _, row in df.iterrows():
        who = voc_journeys.variant_customers(cur, Filters(), row["path"])
        # Exactly the customers counted: their answers add up to the row's n and detractors.
        assert int(who["nps_answers"].sum()) == row["nps_n"]
        assert int(who["detractor_answers"].sum()) == row["detractors"]
    who = voc_journeys.variant_customers(cur, Filters(), B)
    assert list(who["customer"]) == ["c4", "c5"]
    assert list(who["answers"]) == [2, 1] and list(who["worst_nps"]) == [2, 8]
    # Their words: the path filter of the one verbatims list.
    words = voc.verbatims(cur, Filters(), path=B)
    assert sorted(words["comment"]) == ["Bad page", "ok"]
    assert list(voc.verbatims(cur, Filters(), path=B, label="negative")["comment"]) == [
        "Bad page"]
    assert voc.verbatims(cur, Filters(), path=["Cart"]).empty
    assert voc.count_verbatims(cur, Filters(), path=A) == 3


def test_per_dropoff_point_and_per_stage_by_hand(store):
    cur = store.cursor()
    drops = voc_journeys.by_dropoff(cur, Filters())
    assert list(drops["kind"]) == ["dropoff", "dropoff", "converted"]
    assert list(drops["touchpoint"])[:2] == ["Page", "Ad"]
    assert list(drops["customers"]) == [2, 1, 3]
    assert drops["nps"].tolist() == pytest.approx([-200 / 3, -100.0, 100 / 3])
    stages = voc_journeys.by_stage(cur, Filters())
    assert list(stages["stage"]) == ["awareness", "consideration", "purchase"]
    assert list(stages["nps_n"]) == [1, 3, 3]
    assert list(stages["customers"]) == [1, 2, 3]
    assert stages["sentiment"].tolist() == pytest.approx([-0.9, -0.4, 0.2])


def test_per_persona_and_filters(store):
    cur = store.cursor()
    p2 = voc_journeys.by_variant(cur, Filters(personas=["P2"]))
    # P2: c3 (A), c5 (B), c6 (C), one customer each: ties broken by the key.
    assert sorted(p2["customers"]) == [1, 1, 1] and int(p2["nps_n"].sum()) == 3
    both = voc_journeys.voc_paths(cur, Filters(), by="persona")
    assert list(both["persona"].unique()) == ["P1", "P2"]
    p1 = both[both["persona"] == "P1"]
    assert [list(p) for p in p1["path"]] == [A, B]
    assert list(p1["nps_n"]) == [2, 2]  # c1, c2 promoters; c4's two detractor answers
    assert p1["nps"].tolist() == pytest.approx([100.0, -100.0])
    with pytest.raises(ValueError):
        voc_journeys.voc_paths(cur, Filters(), by="device")


def test_query_voc_paths_json(store, tmp_path, capsys):
    db = str(store.path)
    store.close()
    assert main(["query", "voc-paths", "--db", db, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [r["path"] for r in out] == [A, B, C]
    assert out[1]["nps"] == pytest.approx(-200 / 3) and out[1]["nps_n"] == 3
    assert out[1]["sentiment"] == pytest.approx(-0.4)
    assert out[2]["sentiment_margin"] is None
    assert main(["query", "voc-paths", "--db", db, "--json", "--by", "persona"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [(r["persona"], r["customers"]) for r in out] == [
        ("P1", 2), ("P1", 1), ("P2", 1), ("P2", 1), ("P2", 1)]
    assert main(["query", "verbatims", "--db", db, "--json", "--sentiment", "negative"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [r["comment"] for r in out] == ["Annoying", "Bad page", "Slow"]
    assert set(out[0]) == set(voc.CLI_COLUMNS)
    assert out[0] | {"id": None} == {
        "id": None, "customer": "c6", "stage": "awareness", "touchpoint": "Ad", "nps": 0,
        "comment": "Annoying", "language": "en", "sentiment": -0.9, "label": "negative",
        "theme": None}


def test_which_journeys_the_writers_of_some_verbatims_took(store):
    """Detractors with a comment: c3 (A), c4 (B; its 6 has no comment), c6 (C): one
    customer each, ties by variant key ("2:Ad" < "2:Ad4:Page" < "2:Ad4:Page4:Cart")."""
    cur = store.cursor()
    df = voc.writers_journeys(cur, Filters(), group="detractor")
    assert [list(p) for p in df["path"]] == [C, B, A]
    assert list(df["customers"]) == [1, 1, 1]
    assert df["share"].tolist() == pytest.approx([1 / 3] * 3)
    positive = voc.writers_journeys(cur, Filters(), label="positive")  # c1, c2
    assert [list(p) for p in positive["path"]] == [A]
    assert list(positive["customers"]) == [2] and positive["share"].tolist() == [1.0]
    bad_page = voc.writers_journeys(cur, Filters(), search="PAGE")
    assert [list(p) for p in bad_page["path"]] == [B] and list(bad_page["customers"]) == [1]
    assert voc.writers_journeys(cur, Filters(), search="nobody wrote this").empty
    # A theme given by hand to "Slow" (c3) and "Annoying" (c6): its detractors' journeys.
    with store.transaction() as w:
        w.execute("INSERT INTO themes (theme_id, label, terms) VALUES (1, 'speed', 'slow')")
        w.execute("UPDATE responses SET theme_id = 1 WHERE comment IN ('Slow', 'Annoying')")
    speed = voc.writers_journeys(store.cursor(), Filters(), theme="speed", group="detractor")
    assert [list(p) for p in speed["path"]] == [C, A]
    assert list(speed["customers"]) == [1, 1]
