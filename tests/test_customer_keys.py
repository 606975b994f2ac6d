"""Customer keys follow the events: a removed file's customers lose their key, and no key is
ever given twice (a key is what every derived row of a customer is filed under)."""

from __future__ import annotations

import datetime as dt

from small_store import add_import, clock

from journey.db import derived
from journey.db.store import Store

day = clock(dt.datetime(2024, 3, 1, 9, 0))


def _events(*customers: str) -> list[tuple]:
    return [(c, day(i), "Home page", "mobile", None) for i, c in enumerate(customers)]


def _keys(store: Store) -> dict[str, int]:
    with store.cursor() as cur:
        return dict(cur.execute("SELECT customer_id, cid FROM customer_keys").fetchall())


def _top(store: Store) -> int:
    with store.cursor() as cur:
        return int(cur.execute("SELECT value FROM meta WHERE key = ?", [derived.KEY_TOP])
                   .fetchall()[0][0])


def test_removing_a_file_removes_its_customers_keys_and_never_reuses_them(tmp_path):
    store = Store(tmp_path / "s.duckdb")
    add_import(store, events=_events("a1", "a2"), name="a.csv")
    b = add_import(store, events=_events("b1", "b2", "a1"), name="b.csv")
    keys = _keys(store)
    assert sorted(keys) == ["a1", "a2", "b1", "b2"]
    assert sorted(keys.values()) == [1, 2, 3, 4]
    b_keys = {keys["b1"], keys["b2"]}
    assert b_keys == {3, 4}  # numbered after a's two

    assert store.remove_import(b)
    after = _keys(store)
    # a1 keeps its events of a.csv, and its key; b1 and b2 are gone with b.csv.
    assert after == {"a1": keys["a1"], "a2": keys["a2"]}
    assert _top(store) == 4
    with store.cursor() as cur:
        assert cur.execute("SELECT COUNT(*) FROM customer_summary").fetchall()[0][0] == 2

    # Back again: new numbers above every number ever given, not b's old 3 and 4.
    add_import(store, events=_events("b1", "b2"), name="b.csv")
    again = _keys(store)
    assert {again["b1"], again["b2"]} == {5, 6}
    assert again["a1"] == keys["a1"] and again["a2"] == keys["a2"]
    store.close()


def test_a_full_rebuild_forgets_removed_customers_too(tmp_path):
    store = Store(tmp_path / "s.duckdb")
    add_import(store, events=_events("a1"), name="a.csv")
    add_import(store, events=_events("b1"), name="b.csv")
    with store.transaction() as cur:
        # A raw delete (no import removal), then a rebuild from scratch.
        cur.execute("DELETE FROM events WHERE customer_id = 'b1'")
    with store.transaction() as cur:
        derived.rebuild(cur)
    assert _keys(store) == {"a1": 1}
    add_import(store, events=_events("c1"), name="c.csv")
    assert _keys(store)["c1"] == 3  # not b1's 2
    store.close()
