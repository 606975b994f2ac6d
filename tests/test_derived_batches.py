"""The faster full rebuild gives the very tables of the previous formulation.

Two changes are checked on small hand-made stores: a full rebuild in batches of customers
(`derived._full` above `BATCH_EVENTS`) equals the one-statement rebuild, and the rules'
journey events joined to their decided tuples (`rules.rule_ctes`) equal the earlier
formulation, which joined each rule phase's picks back by event id (kept below, verbatim
in substance, as the reference).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from small_store import add_import
from test_derived import dump
from test_rules_incremental import (
    CART,
    CHANNEL,
    COLS,
    HELP,
    HIDE,
    MAP,
    OFFLINE,
    POOL,
    STAGE,
    URL,
    _attrs,
    _t,
    events_for,
    rules_store,
    shared_store,
)

from journey.db import derived, rules
from journey.db.store import Store


def rebuild_with(store: Store, batch_events: int) -> dict[str, list[tuple]]:
    """Every derived table after a full rebuild in batches of ~`batch_events` events."""
    cur = store.cursor()
    cur.execute("BEGIN")
    try:
        derived._drop_temps(cur)
        cur.execute(f"CREATE TEMP TABLE _dv_fp AS {derived._FINGERPRINT_SQL}")
        derived._full(cur, batch_events)
        derived._finish(cur)
        return dump(cur)
    finally:
        cur.execute("ROLLBACK")


def old_rule_ctes(events: str, rows: list[list[Any]], params: dict[str, Any]) -> str:
    """The rules' CTEs before this change: each phase's picks joined back by event id."""
    return f"""ru_e0 AS (SELECT * FROM {events}),
{rules.hits_ctes("ru1", "ru_e0", ("touchpoint",), rows, params)},
ru_e1 AS (SELECT e.event_id, e.customer_id, e.ts, COALESCE(p.touchpoint, e.touchpoint)
        AS touchpoint, COALESCE(t.stage, e.stage) AS stage, COALESCE(e.channel, t.channel)
        AS channel, t.online, e.device, e.revenue, e.import_id, e.attributes
    FROM ru_e0 e LEFT JOIN ru1_pick p ON p.event_id = e.event_id
    LEFT JOIN touchpoints t ON t.touchpoint = COALESCE(p.touchpoint, e.touchpoint)),
{rules.hits_ctes("ru2", "ru_e1", ("stage", "channel", "online", "hide"), rows, params)},
ru_ev AS (SELECT e.event_id, e.customer_id, e.ts, e.touchpoint,
        COALESCE(p.stage, e.stage) AS stage, COALESCE(p.channel, e.channel) AS channel,
        CASE WHEN p.online IS NULL THEN e.online ELSE p.online = 1 END AS online,
        e.device, e.revenue, e.import_id
    FROM ru_e1 e LEFT JOIN ru2_pick p ON p.event_id = e.event_id
    WHERE p.hidden IS NULL)"""


def journey_rows(store: Store, make) -> list[tuple]:  # noqa: ANN001 - a rule_ctes function
    """The rule-applied events (`ru_ev`) and every rule hit, by `make`'s formulation."""
    cur = store.cursor()
    params: dict[str, Any] = {}
    ctes = make("events", rules.stored_rows(cur), params)
    sql = (f"WITH {ctes} SELECT 'ev', event_id, customer_id, ts, touchpoint, stage, channel, "
           "CAST(online AS VARCHAR), NULL FROM ru_ev UNION ALL SELECT 'h1', event_id, NULL, "
           "NULL, action, out, NULL, CAST(position AS VARCHAR), k FROM ru1_h UNION ALL "
           "SELECT 'h2', event_id, NULL, NULL, action, out, NULL, CAST(position AS VARCHAR), "
           "k FROM ru2_h")
    return sorted(cur.execute(sql, params).fetchall(), key=repr)


@pytest.fixture
def store(tmp_path):
    s = rules_store(tmp_path / "b.duckdb")
    yield s
    s.close()


def test_batched_rebuild_equals_one_statement(store):
    store.set_rules([URL, HIDE, STAGE, CHANNEL, OFFLINE])
    whole = rebuild_with(store, 10**9)
    # 72 events in batches of ~10: 8 batches (cid % 8), some of them with one customer.
    batched = rebuild_with(store, 10)
    assert batched == whole
    # Not vacuous: the rebuild holds the journeys, and the hide rule left out its events.
    assert len(whole["journey_events"]) == 72 - sum(
        1 for e in events_for(12) if e[2] in ("session_start", "scroll"))
    assert len(whole["customer_summary"]) == 12


def test_batched_rebuild_by_hand(tmp_path):
    # Two customers, in two batches: each one's step numbers and neighbours are its own.
    with Store(tmp_path / "h.duckdb") as s:
        add_import(s, event_columns=COLS, touchpoints=MAP, events=[
            ("A", _t(0), "view", "web", "mobile", None),
            ("A", _t(1), "view", "web", None, None),
            ("A", _t(2), "cart", "web", "desktop", None),
            ("B", _t(0), "cart", "app", "mobile", None),
            ("B", _t(0), "purchase", "app", "mobile", None),  # a tie: import order decides
        ])
        cur = s.cursor()
        cur.execute("BEGIN")
        derived._drop_temps(cur)
        cur.execute(f"CREATE TEMP TABLE _dv_fp AS {derived._FINGERPRINT_SQL}")
        derived._full(cur, 2)  # 5 events, batches of ~2: 3 batches, one of them empty
        events = cur.execute(
            "SELECT customer_id, seq, touchpoint, next_touchpoint, prev_device, tp_step, "
            "stage_step FROM journey_events ORDER BY customer_id, seq").fetchall()
        steps = cur.execute(
            "SELECT k.customer_id, s.step, s.node, s.events, s.next_node FROM tp_steps s "
            "JOIN customer_keys k ON k.cid = s.cid ORDER BY 1, 2").fetchall()
        summary = cur.execute(
            "SELECT customer_id, events, devices FROM customer_summary ORDER BY 1").fetchall()
        cur.execute("ROLLBACK")
    assert events == [
        ("A", 1, "view", "view", None, 1, 1),
        ("A", 2, "view", "cart", "mobile", 1, 1),
        ("A", 3, "cart", None, "mobile", 2, 2),  # view: awareness, cart: consideration
        ("B", 1, "cart", "purchase", None, 1, 1),
        ("B", 2, "purchase", None, "mobile", 2, 2),
    ]
    assert steps == [("A", 1, "view", 2, "cart"), ("A", 2, "cart", 1, None),
                     ("B", 1, "cart", 1, "purchase"), ("B", 2, "purchase", 1, None)]
    assert summary == [("A", 3, 2), ("B", 2, 1)]


@pytest.mark.parametrize("rule_list", [
    [], [URL], [HIDE], [URL, HIDE, STAGE, CHANNEL, OFFLINE], [CART, HELP, STAGE],
    [CHANNEL, HIDE], [OFFLINE],
])
def test_rules_tuple_join_equals_event_id_join(store, rule_list):
    store.set_rules(rule_list)
    new = journey_rows(store, rules.rule_ctes)
    assert new == journey_rows(store, old_rule_ctes)
    assert sum(1 for r in new if r[0] == "ev") == 72 - (
        sum(1 for e in events_for(12) if e[2] in ("session_start", "scroll"))
        if HIDE in rule_list else 0)


def test_a_missing_attribute_matches_like_a_value(store):
    # NULL attributes (no page_location) meet their tuple through the NULL-safe join.
    store.set_rules([HELP, URL])
    rows = journey_rows(store, rules.rule_ctes)
    assert rows == journey_rows(store, old_rule_ctes)
    assert _attrs(None) is None
    renamed = {r[4] for r in rows if r[0] == "ev"}
    assert "help page" in renamed and "Product 42" in renamed


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rule_list=st.lists(st.sampled_from(POOL), max_size=6, unique=True),
       batch=st.integers(min_value=1, max_value=60))
def test_property_batched_rebuild_and_tuple_join(rule_list, batch):
    s = shared_store("batch-prop")
    s.set_rules(rule_list)
    assert rebuild_with(s, batch) == rebuild_with(s, 10**9)
    assert journey_rows(s, rules.rule_ctes) == journey_rows(s, old_rule_ctes)


@pytest.mark.parametrize("level", ["touchpoint", "stage"])
@pytest.mark.parametrize("whole", [True, False])
def test_step_tables_equal_steps_ctes(store, level, whole):
    # tp_steps / stage_steps read the step numbers journey_events holds; steps_ctes (what
    # queries with an event condition run) numbers them with windows: the same rows.
    store.set_rules([URL, HIDE, STAGE])
    cur = store.cursor()
    table = "tp_steps" if level == "touchpoint" else "stage_steps"
    cols = ("cid, session_no, step, node, stage, stage_position, channel, last_ts, events, "
            "next_node, ROUND(minutes_to_next, 9)")
    stored = sorted(cur.execute(f"SELECT {cols} FROM {table}").fetchall(), key=repr)
    ctes = derived.steps_ctes("journey_events", level=level, keep_repeats=False,
                              session=False, whole=whole)
    fresh = sorted(cur.execute(f"WITH {ctes} SELECT {cols} FROM j_st").fetchall(), key=repr)
    assert stored == fresh
    # Not vacuous: steps collapse repeats, so there are fewer steps than events.
    n_events = cur.execute("SELECT count(*) FROM journey_events").fetchone()[0]
    assert 0 < len(stored) < n_events
    assert sum(r[8] for r in stored) == n_events  # every event in exactly one step
