"""A rule change re-derives only the customers it can affect, and the result equals a full
rebuild exactly (every derived table), whatever the change: add, edit, remove, reorder, undo,
hide, capture groups, stage / channel / online rules, rules on kept columns."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from small_store import add_import
from test_derived import dump, rebuilt

from journey.db import derived
from journey.db.rules import Rule
from journey.db.store import Store

COLS = ("customer_id", "ts", "touchpoint", "channel", "device", "attributes")
MAP = [("Product page", "consideration", "web", True), ("cart", "consideration", None, None),
       ("purchase", "purchase", None, None), ("view", "awareness", "web", None),
       ("Help", None, "phone", False)]
PAGES = ["https://shop.fr/", "https://shop.fr/product/42?x=1", "https://shop.fr/product/7",
         "/help", "https://shop.fr/cart", None]
NAMES = ["session_start", "view", "scroll", "cart", "purchase", "page_view"]


def _t(minute: int) -> dt.datetime:
    return dt.datetime(2024, 3, 1, 10) + dt.timedelta(minutes=minute)


def _attrs(url: str | None) -> str | None:
    return None if url is None else json.dumps({"page_location": url, "src": "google"})


def events_for(n_customers: int) -> list[tuple]:
    """Deterministic varied events: every customer a different mix."""
    out = []
    for c in range(n_customers):
        for i in range(6):
            k = c * 7 + i * 3
            out.append((f"C{c}", _t(i + (k % 2)), NAMES[k % len(NAMES)],
                        ["web", None, "app"][k % 3], ["mobile", "desktop", None][k % 3],
                        _attrs(PAGES[k % len(PAGES)])))
    return out


def equal_to_rebuild(store: Store) -> None:
    now = dump(store.cursor())
    full = rebuilt(store)
    for table in now:
        assert now[table] == full[table], table


def rules_store(path: Path, customers: int = 12) -> Store:
    """A new store of `customers` customers' varied events (`events_for`) under the map
    `MAP`, the one the rule tests here and in test_derived_batches.py change; the caller
    closes it."""
    s = Store(path)
    add_import(s, events=events_for(customers), event_columns=COLS, touchpoints=MAP)
    return s


@pytest.fixture
def store(tmp_path):
    s = rules_store(tmp_path / "i.duckdb")
    yield s
    s.close()


URL = Rule("page_location", "url_path", "/product/*", "touchpoint", r"Product \1",
           only_for="view|page_view")
HIDE = Rule("touchpoint", "one_of", "session_start|scroll", "hide")
STAGE = Rule("touchpoint", "wildcard", "Product *", "stage", "consideration")
CHANNEL = Rule("src", "equals", "google", "channel", "Organic Search")
CART = Rule("touchpoint", "equals", "cart", "touchpoint", "Basket")
HELP = Rule("page_location", "regex", r"/(help)$", "touchpoint", r"\1 page")
OFFLINE = Rule("device", "equals", "desktop", "online", "offline")
ONLY_C3 = Rule("touchpoint", "equals", "purchase", "stage", "advocacy")


@pytest.mark.parametrize("steps", [
    [[URL], [URL, HIDE], [HIDE, URL], [HIDE], []],  # add, add, reorder, remove, remove all
    [[URL, STAGE, CHANNEL], [URL, CHANNEL, STAGE], [CART, URL, STAGE, CHANNEL]],
    [[HELP, OFFLINE], [HELP, HIDE, OFFLINE], [OFFLINE, HIDE]],
    [[CART, STAGE], [Rule("touchpoint", "equals", "cart", "touchpoint", "Cart"), STAGE]],
    [[HIDE, CHANNEL], [Rule("touchpoint", "one_of", "scroll", "hide"), CHANNEL]],
    [[ONLY_C3], [ONLY_C3, Rule("touchpoint", "equals", "view", "stage", "awareness")]],
])
def test_incremental_apply_equals_a_full_rebuild(store, monkeypatch, steps):
    for rules in steps:
        store.set_rules(rules)  # whatever path the share picks
        equal_to_rebuild(store)
    monkeypatch.setattr(derived, "FULL_SHARE", 1.0)  # now force the incremental path
    for rules in [*steps[::-1], *steps]:
        store.set_rules(rules)
        assert store.last_refresh in ("incremental", "none")
        equal_to_rebuild(store)
    while store.rule_versions():
        store.undo_rules()
        assert store.last_refresh in ("incremental", "none")
        equal_to_rebuild(store)


def test_a_narrow_change_recomputes_only_its_customers(tmp_path):
    events = events_for(10) + [("Z", _t(1), "refund", "web", "mobile", None),
                               ("Z", _t(2), "view", "web", "mobile", None)]
    with Store(tmp_path / "n.duckdb") as store:
        add_import(store, events=events, event_columns=COLS, touchpoints=MAP)
        store.set_rules([HIDE])  # most customers: rebuilt whole, and still right
        assert store.last_refresh == "full"
        # Only Z has a refund: 1 customer of 11 is under the 30 % share.
        store.set_rules([Rule("touchpoint", "equals", "refund", "touchpoint", "Refund"), HIDE])
        assert store.last_refresh == "incremental"
        assert store.cursor().execute(
            "SELECT touchpoint FROM journey_events WHERE customer_id = 'Z' ORDER BY seq"
        ).fetchall() == [("Refund",), ("view",)]
        equal_to_rebuild(store)
        # A rule no event meets changes no journey, and the next change compares with it.
        store.set_rules([Rule("touchpoint", "equals", "nothing", "hide"),
                         Rule("touchpoint", "equals", "refund", "touchpoint", "Refund"), HIDE])
        assert store.last_refresh == "incremental"
        equal_to_rebuild(store)


def test_a_failed_apply_changes_nothing(store):
    store.set_rules([URL, HIDE])
    before, version = dump(store.cursor()), store.data_version
    with pytest.raises(Exception):  # noqa: B017 - any failure, here a bad stage
        store.set_rules([URL, Rule("touchpoint", "equals", "view", "stage", "nowhere")])
    assert dump(store.cursor()) == before
    assert store.data_version == version
    assert store.rules() == [URL, HIDE]


# -- property: random rule lists, random changes -----------------------------------------
POOL = [URL, HIDE, STAGE, CHANNEL, CART, HELP, OFFLINE, ONLY_C3,
        Rule("touchpoint", "wildcard", "*a*", "touchpoint", r"A-\1"),
        Rule("touchpoint", "regex", "^(s)(.*)$", "touchpoint", r"\2 \1"),
        Rule("channel", "equals", "app", "channel", "App"),
        Rule("channel", "one_of", "web|App", "hide", only_for="view"),
        Rule("touchpoint", "equals", "Basket", "stage", "purchase"),
        Rule("page_location", "url_path", "/cart", "touchpoint", "cart"),
        Rule("stage", "equals", "consideration", "channel", "Considered"),
        Rule("device", "one_of", "mobile", "online", "online"),
        Rule("touchpoint", "equals", "purchase", "hide")]
_STORES: dict[str, Store] = {}


def shared_store(name: str = "prop") -> Store:
    """One 9-customer `rules_store` per name for the whole run: property tests reuse it
    across examples (each example sets its own rules) instead of opening one per example."""
    if name not in _STORES:
        _STORES[name] = rules_store(Path(tempfile.mkdtemp()) / f"{name}.duckdb", 9)
    return _STORES[name]


rule_lists = st.lists(st.sampled_from(POOL), max_size=6, unique=True)


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=rule_lists, changes=st.lists(rule_lists, min_size=1, max_size=3))
def test_property_incremental_equals_rebuild(monkeypatch, first, changes):
    monkeypatch.setattr(derived, "FULL_SHARE", 1.0)
    store = shared_store()
    store.set_rules(first)
    equal_to_rebuild(store)
    for rules in changes:
        store.set_rules(rules)
        assert store.last_refresh in ("incremental", "none")
        equal_to_rebuild(store)
    store.undo_rules()
    equal_to_rebuild(store)


def test_a_map_edit_brings_back_events_a_hide_rule_hid_through_the_map(tmp_path):
    # The hide rule reads the stage the map gives: moving "x" out of awareness un-hides A's
    # event, though A has no journey event at "x" for the map change to be found by.
    events = [("A", _t(0), "x", None, None, None), ("A", _t(1), "y", None, None, None)]
    events += [(f"B{i}", _t(0), "y", None, None, None) for i in range(10)]
    with Store(tmp_path / "m.duckdb") as store:
        add_import(store, events=events, event_columns=COLS,
                   touchpoints=[("x", "awareness", None, None)])
        store.set_rules([Rule("stage", "equals", "awareness", "hide")])
        store.assign_stage(["x"], "consideration")
        assert store.last_refresh == "incremental"
        assert store.cursor().execute(
            "SELECT touchpoint FROM journey_events WHERE customer_id = 'A' ORDER BY seq"
        ).fetchall() == [("x",), ("y",)]
        equal_to_rebuild(store)
