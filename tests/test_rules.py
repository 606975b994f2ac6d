"""Touchpoint rules: each kind on hand-made events with hand-counted results, rule order,
capture groups, hidden events = events never imported, hostile patterns refused, the GA4 set
on the real export."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from small_store import add_import, small_store

from journey.db.rules import Rule, RuleError, new_value
from journey.db.store import Store
from journey.ingest import importer, rule_sets

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "real-exports"
COLS = ("customer_id", "ts", "touchpoint", "channel", "attributes")
MAP = [("Product page", "consideration", "web", True), ("cart", "consideration", None, None),
       ("purchase", "purchase", None, None), ("view", "awareness", None, None)]


def _t(minute: int) -> dt.datetime:
    return dt.datetime(2024, 3, 1, 10, minute)


def _page(url: str) -> str:
    return json.dumps({"page_location": url})


EVENTS = [
    ("A", _t(1), "session_start", None, _page("https://shop.fr/")),
    ("A", _t(2), "view", None, _page("https://shop.fr/product/42?utm_source=x")),
    ("A", _t(3), "view", None, _page("https://shop.fr/product/7")),
    ("A", _t(4), "scroll", None, None),
    ("A", _t(5), "cart", "app", None),
    ("A", _t(6), "purchase", None, None),
    ("B", _t(1), "session_start", None, _page("https://shop.fr/")),
    ("B", _t(2), "view", None, _page("https://shop.fr/help")),
    ("B", _t(3), "scroll", None, None),
]


@pytest.fixture
def store(tmp_path):
    s = small_store(tmp_path / "r.duckdb", events=EVENTS, event_columns=COLS, touchpoints=MAP)
    yield s
    s.close()


def _journey(store: Store, customer: str) -> list[tuple]:
    return store.cursor().execute(
        "SELECT touchpoint, stage, channel, online FROM journey_events WHERE customer_id = ? "
        "ORDER BY seq", [customer]
    ).fetchall()


def _names(store: Store, customer: str) -> list[str]:
    return [r[0] for r in _journey(store, customer)]


def _steps(store: Store, customer: str) -> list[str]:
    return [r[0] for r in store.cursor().execute(
        "SELECT s.node FROM tp_steps s JOIN customer_keys k ON k.cid = s.cid "
        "WHERE k.customer_id = ? ORDER BY s.step", [customer]
    ).fetchall()]


def test_without_rules_events_keep_their_imported_values(store):
    assert _steps(store, "A") == ["session_start", "view", "scroll", "cart", "purchase"]
    assert _journey(store, "A")[4] == ("cart", "consideration", "app", None)


def test_hide_one_of_drops_the_events_from_journeys(store):
    store.set_rules([Rule("touchpoint", "one_of", "session_start | scroll", "hide")])
    assert store.cursor().execute("SELECT count(*) FROM journey_events").fetchone()[0] == 5
    assert _steps(store, "A") == ["view", "cart", "purchase"]
    assert _names(store, "B") == ["view"]
    # The imported rows are untouched.
    assert store.cursor().execute("SELECT count(*) FROM events").fetchone()[0] == 9


def test_equals_rename_takes_the_map_row_of_the_new_name(store):
    store.set_rules([Rule("touchpoint", "equals", "VIEW", "touchpoint", "Product page")])
    a = _journey(store, "A")
    assert a[1] == a[2] == ("Product page", "consideration", "web", True)
    assert _steps(store, "A") == ["session_start", "Product page", "scroll", "cart", "purchase"]
    assert _names(store, "B") == ["session_start", "Product page", "scroll"]


def test_url_path_on_a_kept_column_with_a_capture(store):
    store.set_rules([Rule("page_location", "url_path", "/product/*", "touchpoint",
                          r"Product \1")])
    assert _names(store, "A")[:3] == ["session_start", "Product 42", "Product 7"]
    assert _names(store, "B") == ["session_start", "view", "scroll"]  # /help: no match


def test_wildcard_and_regex_captures(store):
    store.set_rules([
        Rule("page_location", "wildcard", "*/help", "touchpoint", "Help"),
        Rule("event_name", "regex", r"^(\w+)_start$", "touchpoint", r"Start of \1"),
    ])
    assert _names(store, "B") == ["Start of session", "Help", "scroll"]
    assert new_value(Rule("touchpoint", "regex", r"^(\w+)_start$", "touchpoint", r"Start of \1"),
                     "session_start") == "Start of session"


def test_first_matching_rule_wins_per_target(store):
    first = Rule("touchpoint", "equals", "view", "touchpoint", "First")
    second = Rule("page_location", "url_path", "/product/*", "touchpoint", "Second")
    store.set_rules([first, second])
    assert _names(store, "A")[1:3] == ["First", "First"]
    store.set_rules([second, first])
    assert _names(store, "A")[1:3] == ["Second", "Second"]
    assert _names(store, "B")[1] == "First"  # only the first rule matches /help


def test_stage_channel_online_rules_see_the_renamed_touchpoint(store):
    store.set_rules([
        Rule("touchpoint", "equals", "view", "touchpoint", "Product page"),
        Rule("touchpoint", "equals", "Product page", "stage", "advocacy"),
        Rule("touchpoint", "one_of", "cart|purchase", "stage", "retention"),
        Rule("page_location", "wildcard", "*shop.fr*", "channel", "Web shop"),
        Rule("touchpoint", "equals", "purchase", "online", "offline"),
    ])
    a = _journey(store, "A")
    assert a[0] == ("session_start", None, "Web shop", None)
    assert a[1] == ("Product page", "advocacy", "Web shop", True)
    assert a[4] == ("cart", "retention", "app", None)
    assert a[5] == ("purchase", "retention", None, False)
    positions = store.cursor().execute(
        "SELECT touchpoint, stage_position FROM journey_events WHERE customer_id = 'A' "
        "AND seq IN (2, 6) ORDER BY seq").fetchall()
    assert positions == [("Product page", 5), ("purchase", 4)]


def test_only_for_restricts_a_rule_to_some_event_names(store):
    store.set_rules([Rule("page_location", "wildcard", "https://shop.fr/*", "touchpoint",
                          "Landing", only_for="session_start")])
    assert _names(store, "A")[:2] == ["Landing", "view"]
    assert _names(store, "B")[:2] == ["Landing", "view"]


def _comparable(store: Store) -> dict[str, list[tuple]]:
    cur = store.cursor()
    return {
        "events": cur.execute(
            "SELECT customer_id, ts, touchpoint, stage, stage_position, channel, seq, tp_step, "
            "stage_step, next_touchpoint, next_stage_node, next_ts, prev_device "
            "FROM journey_events ORDER BY customer_id, seq").fetchall(),
        "tp_steps": cur.execute(
            "SELECT k.customer_id, s.* EXCLUDE (cid) FROM tp_steps s JOIN customer_keys k "
            "ON k.cid = s.cid ORDER BY 1, s.step").fetchall(),
        "stage_steps": cur.execute(
            "SELECT k.customer_id, s.* EXCLUDE (cid) FROM stage_steps s JOIN customer_keys k "
            "ON k.cid = s.cid ORDER BY 1, s.step").fetchall(),
        "summary": cur.execute(
            "SELECT * EXCLUDE (cid) FROM customer_summary ORDER BY customer_id").fetchall(),
        "reach": cur.execute(
            "SELECT k.customer_id, r.k, r.reach_seq, r.reach_ts FROM customer_stage_reach r "
            "JOIN customer_keys k ON k.cid = r.cid ORDER BY 1, 2").fetchall(),
    }


@pytest.mark.parametrize("hidden", ["scroll", "view", "session_start"])
def test_hiding_an_event_gives_the_journeys_of_a_file_without_it(tmp_path, hidden):
    with_rule = small_store(tmp_path / "h.duckdb", events=EVENTS, event_columns=COLS,
                            touchpoints=MAP)
    without = small_store(tmp_path / "w.duckdb", events=[e for e in EVENTS if e[2] != hidden],
                          event_columns=COLS, touchpoints=MAP)
    try:
        with_rule.set_rules([Rule("touchpoint", "equals", hidden, "hide")])
        got, want = _comparable(with_rule), _comparable(without)
        assert got == want
        assert len(got["events"]) == 9 - sum(e[2] == hidden for e in EVENTS)
    finally:
        with_rule.close()
        without.close()


@pytest.mark.parametrize("rule", [
    Rule("touchpoint", "regex", "(a+)+$", "hide"),
    Rule("touchpoint", "regex", r"(\w+\s?)*", "hide"),
    Rule("touchpoint", "regex", r"((ab*))+", "hide"),
    Rule("touchpoint", "regex", r"(x|y+){2,}", "hide"),
    Rule("touchpoint", "regex", "x" * 600, "hide"),
    Rule("touchpoint", "regex", "(unclosed", "hide"),
    Rule("touchpoint", "regex", "(?=look)ahead", "hide"),  # Python accepts, RE2 does not
    Rule("touchpoint", "regex", r"(a)\1", "hide"),
    Rule("touchpoint", "wildcard", "view*", "touchpoint", r"Page \2"),
    Rule("touchpoint", "equals", "view", "touchpoint", r"Page \1"),
    Rule("touchpoint", "equals", "view", "stage", "nowhere"),
    Rule("touchpoint", "equals", "view", "online", "sometimes"),
    Rule("touchpoint", "equals", "view", "touchpoint", ""),
    Rule("page_location", "url_path", "product/*", "hide"),
    Rule("touchpoint", "contains", "view", "hide"),
    Rule("touchpoint", "equals", "view", "delete"),
])
def test_hostile_or_wrong_rules_are_refused_and_change_nothing(store, rule):
    good = [Rule("touchpoint", "equals", "scroll", "hide")]
    store.set_rules(good)
    version = store.data_version
    with pytest.raises(RuleError) as err:
        store.set_rules([good[0], rule])
    assert err.value.text("en").startswith("Rule 2: ")
    assert err.value.text("fr").startswith("Règle 2\u202f: ")
    assert store.rules() == good and store.data_version == version
    assert "scroll" not in _names(store, "A")


def test_rules_text_is_data(store):
    sneaky = "x'); DROP TABLE events; --"
    store.set_rules([Rule(sneaky, "equals", sneaky, "touchpoint", sneaky)])
    assert store.rules()[0].field == sneaky
    assert store.cursor().execute("SELECT count(*) FROM events").fetchone()[0] == 9


def test_a_rule_change_rebuilds_and_no_change_is_a_no_op(store):
    store.set_rules([Rule("touchpoint", "equals", "scroll", "hide")])
    assert store.last_refresh == "full"
    with store.transaction():
        pass
    assert store.last_refresh == "none"
    add_import(store, events=[("C", _t(9), "scroll", None, None)], event_columns=COLS,
               name="more.csv")
    assert _names(store, "C") == []  # a later import follows the rules too


def test_events_import_keeps_unmapped_columns_as_attributes(tmp_path):
    csv = tmp_path / "clicks.csv"
    csv.write_text(
        "customer_id,timestamp,touchpoint,page_location,utm_source,secret\n"
        "A,2024-03-01 10:00,view,https://shop.fr/product/1,news,x\n"
        "A,2024-03-01 10:05,view,,,y\n", encoding="utf-8")
    with Store(tmp_path / "i.duckdb") as store:
        report = importer.import_file(store, str(csv), mapping={"secret": "ignore"})
        assert report.ok, report.to_text()
        attrs = [r[0] for r in store.cursor().execute(
            "SELECT attributes FROM events ORDER BY event_id").fetchall()]
        assert [json.loads(a) if a else None for a in attrs] == [
            {"page_location": "https://shop.fr/product/1", "utm_source": "news"}, None]
        store.set_rules([Rule("utm_source", "equals", "news", "channel", "Newsletter")])
        assert [r[2] for r in _journey(store, "A")] == ["Newsletter", None]


@pytest.mark.skipif(not REAL.is_dir(), reason="the real exports are not here")
def test_ga4_set_on_the_real_export(tmp_path):
    with Store(tmp_path / "g.duckdb") as store:
        assert importer.import_file(store, str(REAL / "ga4_tagassistant_events.csv")).ok
        model = set(store.stages()["stage"])
        store.set_rules(rule_sets.rule_set("ga4", model))
        cur = store.cursor()
        nodes = {r[0] for r in cur.execute("SELECT DISTINCT node FROM tp_steps").fetchall()}
        assert not nodes & {"session_start", "user_engagement", "scroll", "first_visit"}
        assert {"page_view", "add_to_cart", "purchase"} <= nodes
        # 55 events, of which 4 session_start, 9 user_engagement, 10 scroll, 1 first_visit.
        assert cur.execute("SELECT count(*) FROM journey_events").fetchone()[0] == 31
        # Both customers reach the purchase stage: they convert.
        converted = cur.execute(
            "SELECT count(*) FROM customer_summary s JOIN stages st ON st.stage = 'purchase' "
            "WHERE s.max_stage_position >= st.position").fetchone()[0]
        assert converted == 2
        channels = {r[0] for r in cur.execute(
            "SELECT DISTINCT channel FROM journey_events").fetchall()}
        assert channels == {"Referral"}  # medium 'referral' from tagassistant.google.com
