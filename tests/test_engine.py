"""db/engine.py: the one object every analytics query runs through."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from small_store import small_store

from journey.analytics import flows, journey_map, metrics
from journey.analytics.filters import Filters
from journey.db.engine import Engine, QueryError

T0 = dt.datetime(2024, 5, 1, 8, 0)
EVENTS = [
    ("a", T0, "ad", "mobile", None),
    ("a", T0 + dt.timedelta(hours=1), "checkout", "mobile", 20.0),
    ("b", T0, "ad", "desktop", None),
]
TOUCHPOINTS = [("ad", "awareness", "social", True), ("checkout", "purchase", "web", True)]


@pytest.fixture()
def store(tmp_path):
    s = small_store(tmp_path / "e.duckdb", events=EVENTS, touchpoints=TOUCHPOINTS)
    yield s
    s.close()


def test_of_accepts_an_engine_or_a_connection(store):
    cur = store.cursor()
    engine = Engine.of(cur)
    assert isinstance(engine, Engine) and engine.con is cur
    assert Engine.of(engine) is engine
    with pytest.raises(TypeError):
        Engine.of("not a database")


def test_df_rows_one(store):
    engine = Engine(store.cursor())
    assert engine.one("SELECT COUNT(*) FROM events", purpose="count") == (3,)
    assert engine.rows("SELECT touchpoint FROM events WHERE customer_id = $c ORDER BY ts",
                       {"c": "a"}) == [("ad",), ("checkout",)]
    df = engine.df("SELECT customer_id, SUM(revenue) AS r FROM events GROUP BY 1 ORDER BY 1")
    assert isinstance(df, pd.DataFrame) and list(df["customer_id"]) == ["a", "b"]
    assert [run.purpose for run in engine.history] == ["count", "query", "query"]
    assert all(run.ms >= 0 for run in engine.history)


def test_a_database_error_names_the_question(store):
    engine = Engine(store.cursor())
    with pytest.raises(QueryError) as info:
        engine.df("SELECT nope FROM events", purpose="metrics.test")
    err = info.value
    assert str(err).startswith("metrics.test: ")
    assert err.purpose == "metrics.test" and "nope" in err.sql
    assert isinstance(err.cause, duckdb.Error)


def test_cache_key_is_stable_and_follows_sql_params_and_data(store):
    engine = Engine(store.cursor())
    sql = "SELECT COUNT(*) FROM events WHERE customer_id = $c"
    key = engine.cache_key(sql, {"c": "a", "d": dt.date(2024, 1, 1)})
    assert key == Engine(store.cursor()).cache_key(sql, {"d": dt.date(2024, 1, 1), "c": "a"})
    assert key != engine.cache_key(sql, {"c": "b", "d": dt.date(2024, 1, 1)})
    assert key != engine.cache_key(sql + " ", {"c": "a", "d": dt.date(2024, 1, 1)})
    assert engine.data_version == store.data_version
    # An import bumps the data version: a fresh engine (one per rerun) keys differently.
    before = store.data_version
    with store.transaction() as c:
        c.execute("DELETE FROM events WHERE customer_id = 'b'")
    assert store.data_version != before
    fresh = Engine(store.cursor())
    assert fresh.cache_key(sql, {"c": "a", "d": dt.date(2024, 1, 1)}) != key


def test_analytics_take_an_engine_or_a_cursor_alike(store):
    cur = store.cursor()
    engine = Engine(store.cursor())
    assert metrics.overview(cur, Filters()) == metrics.overview(engine, Filters())
    assert flows.sankey(cur, Filters(), steps=2) == flows.sankey(engine, Filters(), steps=2)
    purposes = {run.purpose for run in engine.history}
    assert {"reach.totals", "metrics.overview answers", "flows.sankey"} <= purposes


def test_the_map_runs_its_queries_on_forks_of_one_engine(store):
    engine = Engine(store.cursor())
    jm = journey_map.build_map(engine, Filters(), lang="en")
    assert jm.n == 2
    purposes = [run.purpose for run in engine.history]
    # Every query of the map is recorded, those run in parallel on forked cursors too.
    assert "reach.funnel at all" in purposes and "flows.dropoffs" in purposes
    assert "journey_map.stages" in purposes


def test_an_analytics_error_is_a_query_error(tmp_path):
    # A database without the store's tables: the question that failed is named.
    con = duckdb.connect(str(tmp_path / "foreign.duckdb"))
    with pytest.raises(QueryError, match="metrics.nps"):
        metrics.nps(con, Filters())
    con.close()


def test_analytics_run_sql_only_through_the_engine():
    # The seam holds only if nothing beside it talks to the connection: timing, errors and
    # (later) Spark all hang on it.
    core = Path(__file__).resolve().parents[1] / "journey"
    offenders = [
        f"{p.relative_to(core)}:{i}"
        for folder in ("analytics", "present", "cli")
        for p in sorted((core / folder).rglob("*.py"))
        for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if ".execute(" in line or ".fetchall()" in line or ".fetchone()" in line
    ]
    assert offenders == []
