"""Survey answers placed on the journey: an answer with no stage and no touchpoint takes the
stage and touchpoint of its customer's latest event at or before it (a store setting), so a
plain survey export fills the NPS per stage and the map's emotion lane."""

from __future__ import annotations

import pytest
from small_store import small_store

from journey.analytics import journey_map, metrics, scope
from journey.analytics.filters import Filters

TOUCHPOINTS = [("Ad", "awareness", "social", True), ("Page", "consideration", "web", True),
               ("Cart", "purchase", "web", True)]
EVENTS = [
    ("a", "2026-03-01 10:00:00", "Ad", "mobile"), ("a", "2026-03-02 10:00:00", "Page", "mobile"),
    ("a", "2026-03-04 10:00:00", "Cart", "desktop"),
    ("b", "2026-03-01 10:00:00", "Ad", "desktop"),
    # c: two events at the same time: the later in the file is the latest.
    ("c", "2026-03-01 10:00:00", "Page", "mobile"), ("c", "2026-03-01 10:00:00", "Cart", "mobile"),
]
# customer, ts, stage, touchpoint, nps
ANSWERS = [
    ("a", "2026-03-03 09:00:00", None, None, 10),  # after Page, before Cart -> consideration
    ("a", "2026-03-05 09:00:00", None, None, 9),   # after Cart -> purchase
    ("b", "2026-03-01 10:00:00", None, None, 2),   # at the very time of Ad -> awareness
    ("c", "2026-03-02 10:00:00", None, None, 0),   # same-time events: Cart, in file order
    ("a", "2026-02-01 09:00:00", None, None, 5),   # before any event of a: not placed
    ("z", "2026-03-05 09:00:00", None, None, 7),   # no events at all: not placed
    ("b", "2026-03-02 09:00:00", "purchase", None, 8),  # its own stage wins
    ("b", "2026-03-02 09:00:00", None, "Page", 6),  # its own touchpoint wins (consideration)
]


@pytest.fixture()
def store(tmp_path):
    s = small_store(
        tmp_path / "p.duckdb", touchpoints=TOUCHPOINTS, events=EVENTS,
        event_columns=("customer_id", "ts", "touchpoint", "device"), responses=ANSWERS,
        response_columns=("customer_id", "ts", "stage", "touchpoint", "nps"),
    )
    yield s
    s.close()


def placed(cur, f: Filters | None = None) -> list[tuple]:
    sql, params = scope.responses_sql(f or Filters())
    return sorted(cur.execute(
        f"SELECT customer_id, nps, stage, touchpoint, placed FROM ({sql})", params).fetchall(),
        key=lambda r: (str(r[0]), -r[1]))


def test_answers_take_the_latest_event_at_or_before_them(store):
    assert placed(store.cursor()) == [
        ("a", 10, "consideration", "Page", 1), ("a", 9, "purchase", "Cart", 1),
        ("a", 5, None, None, 0),
        ("b", 8, "purchase", None, 0), ("b", 6, "consideration", "Page", 0),
        ("b", 2, "awareness", "Ad", 1),
        ("c", 0, "purchase", "Cart", 1), ("z", 7, None, None, 0),
    ]


def test_placed_answers_fill_nps_by_stage_and_filters(store):
    cur = store.cursor()
    by_stage = metrics.nps(cur, Filters(), by="stage").set_index("stage")
    # awareness: b 2 -> -100; consideration: a 10, b 6 -> 0; purchase: a 9, b 8, c 0 -> 0.
    assert by_stage.loc["awareness", "n"] == 1
    assert by_stage.loc["consideration", "nps"] == pytest.approx(0.0)
    assert by_stage.loc["purchase", "n"] == 3
    # A stage filter and a touchpoint filter read the placed stage and touchpoint.
    assert [r[1] for r in placed(cur, Filters(stages=["purchase"]))] == [9, 8, 0]
    assert [r[1] for r in placed(cur, Filters(touchpoints=["Cart"]))] == [9, 0]
    # The channel of a placed answer is its touchpoint's.
    assert [r[1] for r in placed(cur, Filters(channels=["social"]))] == [2]


def test_the_setting_turns_placement_off_and_is_counted(store):
    counts = metrics.answer_placement(store.cursor())
    assert counts == {"setting": "latest_event", "answers": 8, "unplaced": 6, "placed": 4}
    store.set_setting(scope.PLACEMENT_SETTING, "none")
    cur = store.cursor()
    assert metrics.answer_placement(cur) == {
        "setting": "none", "answers": 8, "unplaced": 6, "placed": 0}
    assert [r[2] for r in placed(cur)] == [
        None, None, None, "purchase", "consideration", None, None, None]


def test_a_plain_survey_export_fills_the_maps_emotion_lane(store):
    jm = journey_map.build_map(store.cursor(), Filters(), lang="en")
    scores = {s.stage: (s.score_metric, s.n) for s in jm.stages}
    assert scores == {"awareness": ("nps", 1), "consideration": ("nps", 2),
                      "purchase": ("nps", 3)}
    store.set_setting(scope.PLACEMENT_SETTING, "none")
    jm = journey_map.build_map(store.cursor(), Filters(), lang="en")
    assert {s.stage: s.n for s in jm.stages} == {"awareness": 0, "consideration": 1,
                                                 "purchase": 1}
