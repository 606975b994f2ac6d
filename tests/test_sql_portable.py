"""Every SQL string flows.py, devices.py, derived.py and filters.py produce transpiles from
DuckDB to Spark SQL with sqlglot (DESIGN.md, "SQL that travels")."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
import sqlglot
from small_store import small_store

from journey.analytics import devices, flows, scope
from journey.analytics.filters import Filters
from journey.analytics.scope import FlowOptions
from journey.db import derived


def transpile(sql: str) -> None:
    for stmt in sqlglot.transpile(
        sql, read="duckdb", write="spark", unsupported_level=sqlglot.ErrorLevel.RAISE
    ):
        assert stmt


class Recorder:
    """A cursor that remembers every statement it runs."""

    def __init__(self, cur) -> None:
        self.cur, self.sql = cur, []

    def execute(self, sql, params=None):
        self.sql.append(sql)
        return self.cur.execute(sql, params or {})


FILTERS = [
    Filters(),
    Filters(personas=["P1", "P'2"], includes=["Ad"], outcome="converted"),
    Filters(stages=["awareness"], touchpoints=["Ad"], channels=["web"], devices=["mobile"],
            since="2024-01-01", until="2024-02-01", outcome="dropped_off"),
]


@pytest.fixture(scope="module")
def rec(tmp_path_factory):
    s = small_store(
        tmp_path_factory.mktemp("p") / "p.duckdb", events=[("A", dt.datetime(2024, 1, 5), "Ad")],
        event_columns=("customer_id", "ts", "touchpoint"),
    )
    r = Recorder(s.cursor())
    yield r
    s.close()


def test_derived_sql_transpiles():
    for stmt in (derived.JOURNEY_EVENTS_SQL + derived._derived_sql()).split(";"):
        if stmt.strip():
            transpile(stmt)


@pytest.mark.parametrize("f", FILTERS, ids=range(len(FILTERS)))
def test_filter_sql_transpiles(f):
    transpile(scope.events_sql(f)[0])
    transpile(scope.responses_sql(f)[0])


@pytest.mark.parametrize("f", FILTERS, ids=range(len(FILTERS)))
def test_flow_sql_transpiles(rec, f):
    rec.sql.clear()
    for level, keep, gap, compute in itertools.product(
        ("touchpoint", "stage"), (False, True), (None, 30), (False, True)
    ):
        opts = FlowOptions(level=level, keep_repeats=keep, session_gap=gap, force_compute=compute)
        for anchors in ({}, {"start_at": "Ad"}, {"end_at": "Ad"}, {"start_at": "A", "end_at": "B"}):
            flows.sankey(rec, f, opts, **anchors)
        flows.transitions(rec, f, opts)
        flows.top_paths(rec, f, opts)
        flows.journeys(rec, f, opts, limit=3)
    for gap, compute in itertools.product((None, 30), (False, True)):
        flows.dropoffs(rec, f, FlowOptions(session_gap=gap, force_compute=compute))
        flows.last_steps(rec, f, FlowOptions(session_gap=gap, force_compute=compute))
    for keep, compute in itertools.product((False, True), (False, True)):
        flows.network(rec, f, FlowOptions(keep_repeats=keep, force_compute=compute))
    for compute in (False, True):
        devices.device_switching(rec, f, force_compute=compute)
    assert len(rec.sql) > 100
    for sql in set(rec.sql):
        transpile(sql)
