"""scope.py, the one owner of filters -> SQL: FlowOptions, the one definition of "converted",
the cheap event source against the plain one, and the rules that keep it the only owner."""

from __future__ import annotations

import ast
import datetime as dt
import math
import re
from pathlib import Path

import pytest
from small_store import clock, small_store

from journey.analytics import scope
from journey.analytics.filters import Filters
from journey.analytics.scope import FlowOptions

ROOT = Path(__file__).resolve().parents[1]
CORE = ROOT / "journey"

T0 = dt.datetime(2024, 3, 1, 10, 0)


day = clock(T0)


TOUCHPOINTS = [
    ("ad", "awareness", "social", True),
    ("site", "consideration", "web", True),
    ("shop", "purchase", "store", False),
    ("club", "retention", "app", True),
]
# a reaches purchase on day 2 then retention; b stops at consideration; c buys in the shop
# only (no earlier stage); d is an ad view only. Devices vary so that a device filter bites.
EVENTS = [
    ("a", day(0), "ad", "mobile", None),
    ("a", day(1), "site", "desktop", None),
    ("a", day(2), "shop", None, 30.0),
    ("a", day(5), "club", "mobile", None),
    ("b", day(0), "ad", "desktop", None),
    ("b", day(3), "site", "desktop", None),
    ("c", day(4), "shop", None, 12.5),
    ("d", day(1), "ad", "mobile", None),
]
CUSTOMERS = [("a", "Parent"), ("b", "Parent"), ("c", "Senior"), ("d", "Senior")]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    s = small_store(
        tmp_path_factory.mktemp("scope") / "s.duckdb", events=EVENTS, touchpoints=TOUCHPOINTS,
        customers=CUSTOMERS,
    )
    yield s
    s.close()


@pytest.fixture()
def cur(store):
    return store.cursor()


def customers(cur, sql: str, params: dict) -> list[str]:
    return sorted(str(r[0]) for r in cur.execute(sql, params).fetchall())


# -- FlowOptions ------------------------------------------------------------------------------
def test_flow_options_defaults_and_normalisation():
    o = FlowOptions()
    assert (o.level, o.keep_repeats, o.session_gap, o.force_compute) == (
        "touchpoint", False, None, False,
    )
    assert FlowOptions(session_gap=30).session_gap == 30.0
    assert FlowOptions(session_gap=30) == FlowOptions(session_gap=30.0)
    assert FlowOptions(level="stage").step_table == "stage_steps"
    assert o.step_table == "tp_steps"
    # Equal options, equal repr: the app caches results by it.
    assert repr(FlowOptions(keep_repeats=1)) == repr(FlowOptions(keep_repeats=True))


@pytest.mark.parametrize("bad", [0, -5, math.nan, True, "30"])
def test_flow_options_refuse_a_bad_gap(bad):
    with pytest.raises(ValueError, match="session_gap"):
        FlowOptions(session_gap=bad)


def test_flow_options_refuse_a_bad_level_also_on_replace():
    with pytest.raises(ValueError, match="level"):
        FlowOptions(level="channel")
    with pytest.raises(ValueError, match="level"):
        FlowOptions().replace(level="device")
    assert FlowOptions().replace(level="stage") == FlowOptions(level="stage")


def test_check_steps():
    assert scope.check_steps("3") == 3
    for bad in (1, 16, "many", None):
        with pytest.raises(ValueError, match="steps"):
            scope.check_steps(bad)


# -- converted: one definition ----------------------------------------------------------------
def journeys(cur, f: Filters) -> dict[str, tuple]:
    sql, params = scope.journeys_sql(f)
    conv = scope.converted("j.furthest", f, params)
    return {c: (furthest, n, converted) for c, furthest, n, converted in cur.execute(
        f"SELECT cs.customer_id, j.furthest, j.events, {conv} FROM ({sql}) j "
        "JOIN customer_summary cs ON cs.cid = j.cid", params,
    ).fetchall()}


def test_converted_is_reaching_the_conversion_stage_or_a_later_one(cur):
    # Furthest shown stage position and events per journey: a reaches retention (4); c
    # converted without any earlier stage: reaching the stage is what counts.
    assert journeys(cur, Filters()) == {
        "a": (4, 4, 1), "b": (2, 2, 0), "c": (3, 1, 1), "d": (1, 1, 0)}
    # The event path (a wide date range) gives the same rows as customer_summary.
    assert journeys(cur, Filters(since="2000-01-01")) == journeys(cur, Filters())


def test_converted_as_a_figure_is_judged_on_the_shown_events(cur):
    # Mobile events: a's ad and club (retention, so converted), d's ad. c bought in the shop
    # with no device: not a journey on mobile at all.
    assert journeys(cur, Filters(devices=["mobile"])) == {"a": (4, 2, 1), "d": (1, 1, 0)}
    # Awareness and consideration only: nobody shows a purchase.
    assert journeys(cur, Filters(stages=["awareness", "consideration"])) == {
        "a": (2, 2, 0), "b": (2, 2, 0), "d": (1, 1, 0)}
    # Whereas the converted *filter* keeps the buyers' whole journeys (a, c), shown through
    # the same stage filter: a's ad and site.
    assert journeys(cur, Filters(stages=["awareness", "consideration"], outcome="converted")) \
        == {"a": (2, 2, 0)}


def test_conversion_stage_is_a_setting_and_an_unknown_one_converts_nobody(cur):
    for stage, expected in (("retention", ["a"]), ("consideration", ["a", "b", "c"]),
                            ("nirvana", [])):
        f = Filters(outcome="converted", conversion_stage=stage)
        params: dict = {}
        assert customers(cur, scope.customer_scope_sql(f, params), params) == expected, stage


def test_conversion_is_judged_inside_the_date_range(cur):
    # Until day 1 (inclusive) nobody has reached purchase yet; from day 3 on c has.
    f = Filters(until=day(1).date(), outcome="converted")
    params: dict = {}
    assert customers(cur, scope.customer_scope_sql(f, params), params) == []
    # From day 3 on, a is seen only in retention (after purchase): converted too.
    f = Filters(since=day(3).date(), outcome="dropped_off")
    params = {}
    assert customers(cur, scope.customer_scope_sql(f, params), params) == ["b"]
    with pytest.raises(ValueError, match="date range"):
        scope.customer_conversion_sql(f, {}, precomputed=True)


def test_converted_sql_is_written_once():
    # The stage lookup "reached" compares with, and the comparison, appear in scope.py only.
    pattern = re.compile(r"\$conv_stage|stage_position\s*>=|MIN\(position\) FROM stages",
                         re.I)
    found = [str(p.relative_to(ROOT)) for p in sorted(CORE.rglob("*.py"))
             if pattern.search(p.read_text(encoding="utf-8"))]
    assert found == ["journey/analytics/scope.py"]


# -- the filtered events, two ways ------------------------------------------------------------
FILTERS = [
    Filters(),
    Filters(personas=["Parent"]),
    Filters(devices=["mobile"]),
    Filters(stages=["purchase", "retention"], outcome="converted"),
    Filters(includes=["site"], channels=["web", "store"]),
    Filters(since=day(1).date(), until=day(3).date(), outcome="dropped_off"),
    Filters(since=day(2).date(), personas=["Parent", "Senior"], includes=["shop"]),
    Filters(touchpoints=["ad"], outcome="dropped_off", conversion_stage="consideration"),
]


@pytest.mark.parametrize("f", FILTERS, ids=range(len(FILTERS)))
def test_event_source_selects_the_same_events_as_events_sql(cur, f):
    plain, p1 = scope.events_sql(f)
    cheap, p2, whole = scope.event_source(f, columns=("event_id",))
    a = sorted(r[0] for r in cur.execute(f"SELECT event_id FROM ({plain})", p1).fetchall())
    b = sorted(r[0] for r in cur.execute(cheap, p2).fetchall())
    assert a == b
    assert whole == (not f.has_event_conditions)


def test_hand_checked_selections(cur):
    def events(f: Filters) -> list[tuple[str, str]]:
        sql, params = scope.events_sql(f)
        return sorted((c, t) for c, t in cur.execute(
            f"SELECT customer_id, touchpoint FROM ({sql})", params).fetchall())

    # Customer conditions keep whole journeys; event conditions narrow them.
    assert events(Filters(includes=["site"], devices=["mobile"])) == [("a", "ad"), ("a", "club")]
    assert events(Filters(outcome="dropped_off", stages=["awareness"])) == [
        ("b", "ad"), ("d", "ad"),
    ]
    # Since and until are inclusive days.
    assert events(Filters(since=day(1).date(), until=day(1).date())) == [
        ("a", "site"), ("d", "ad"),
    ]


def test_sql_never_holds_user_text_and_is_deterministic():
    f = Filters(personas=["O'Brien; DROP TABLE events"], touchpoints=["$f_since"],
                includes=["x' OR '1'='1"], since="2024-01-01")
    for sql, params in (scope.events_sql(f), scope.responses_sql(f)):
        for value in (*f.personas, *f.includes):
            assert value not in sql and value in params.values()
        # A name that looks like a parameter is a value, bound like any other.
        assert "$f_since" in params.values()
    assert scope.events_sql(f) == scope.events_sql(Filters(**f.as_dict()))


# -- the rules that keep scope the only owner ---------------------------------------------------
def _private_uses(path: Path) -> list[str]:
    """Private names of core modules imported here, and `x._name` where x is neither
    self/cls nor a module from outside the core (argparse._SubParsersAction is fine)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    rel = path.relative_to(ROOT)
    foreign: set[str] = set()
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            foreign |= {(a.asname or a.name).split(".")[0] for a in node.names
                        if not a.name.startswith("journey")}
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module.startswith("journey"):
                found += [f"{rel}: from {node.module} import {a.name}" for a in node.names
                          if a.name.startswith("_")]
            else:
                foreign |= {a.asname or a.name for a in node.names}
    return found + [
        f"{rel}:{n.lineno} {n.value.id}.{n.attr}"
        for n in ast.walk(tree)
        if isinstance(n, ast.Attribute) and n.attr.startswith("_") and not n.attr.startswith("__")
        and isinstance(n.value, ast.Name) and n.value.id not in ("self", "cls", *foreign)
    ]


def test_no_module_calls_another_modules_private_helpers():
    assert [use for p in sorted(CORE.rglob("*.py")) for use in _private_uses(p)] == []


def test_only_scope_turns_filters_into_sql():
    # Filters is a value (words, URL, CLI); SQL fragments of it are built in scope.py.
    text = (CORE / "analytics" / "filters.py").read_text(encoding="utf-8")
    assert not re.search(r"\bSELECT\b|\bWHERE\b|\$f_", text)
