"""DuckDB and Spark give the same answers from the same SQL text (DESIGN.md, "SQL that
travels"): every question the `query` CLI asks (the analytics the pages draw), on one small
store, through the DuckDB engine and through the Spark engine over its Parquet export.
Integers and strings exact, floats to 1e-9, same columns in the same order, same row order.

One SparkSession (local[2], 2 shuffle partitions, no UI) for the whole module, and the
module in one xdist group, so a parallel run starts a single JVM.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import shutil
from typing import Any

import pytest
from small_store import add_import, clock, small_store

pytest.importorskip("pyspark", reason="pyspark is not installed (requirements-dev.txt)")
if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
    pytest.skip("no Java runtime (make test installs openjdk-17-jre-headless)",
                allow_module_level=True)

from journey.analytics.filters import Filters  # noqa: E402
from journey.cli import build_parser, main  # noqa: E402
from journey.cli import query as query_cli  # noqa: E402
from journey.db import derived  # noqa: E402
from journey.db.engine import Engine, QueryError  # noqa: E402
from journey.db.parquet_export import export_parquet  # noqa: E402
from journey.db.spark_engine import (  # noqa: E402
    ReadOnlyEngineError,
    SparkEngine,
    make_session,
    to_spark,
)

pytestmark = [
    pytest.mark.xdist_group("spark"),
    # pyspark 4.3 warns about pandas 3 (and its copy= keyword) on every conversion; the
    # parity checks below are what says whether the frames are right.
    pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
]

T0 = dt.datetime(2024, 3, 1, 9, 0)


at = clock(T0)


# A touchpoint name with a quote and one with a regex character: user text must stay a
# bound parameter on both engines.
TOUCHPOINTS = [
    ("ad", "awareness", "social", True),
    ("newsletter", "awareness", "email", True),
    ("site", "consideration", "web", True),
    ("l'appli", "consideration", "app", True),
    ("checkout", "purchase", "web", True),
    ("hotline", "service", "phone", False),
    ("chat (bot)", "service", "web", True),
]
CUSTOMERS = [("a", "Parent"), ("b", "Parent"), ("c", "Senior"), ("d", "Senior"), ("e", None),
             ("f", "Student"), ("g", "Student")]
EVENTS = [
    ("a", at(0), "ad", "mobile", None),
    ("a", at(1), "site", "mobile", None),
    ("a", at(1.01), "site", "mobile", None),       # a repeat, kept or collapsed
    ("a", at(2), "checkout", "desktop", 40.0),
    ("b", at(0), "ad", "desktop", None),
    ("b", at(1), "site", "desktop", None),
    ("b", at(1.5), "hotline", None, None),
    ("b", at(2), "hotline", None, None),            # a repeat contact within 7 days
    ("b", at(9), "chat (bot)", "mobile", None),     # after a long gap: a second session
    ("c", at(0), "newsletter", "mobile", None),
    ("c", at(0), "ad", "mobile", None),             # same timestamp: event id breaks the tie
    ("d", at(3), "l'appli", "tablet", None),
    ("d", at(3.1), "site", "tablet", None),
    ("d", at(4), "checkout", "mobile", 12.5),
    ("e", at(5), "ad", None, None),
    ("e", at(6), "l'appli", "mobile", None),
    ("e", at(6.5), "hotline", None, None),
    ("f", at(2), "newsletter", "desktop", None),
    ("f", at(2.2), "site", "desktop", None),
    # A fraction of a second: epoch() would lose it on Spark (UNIX_TIMESTAMP is whole seconds).
    ("f", at(2.4) + dt.timedelta(milliseconds=250), "checkout", "desktop", 99.9),
    ("g", at(7), "site", "mobile", None),
]
RESPONSES = [
    ("a", at(3), "purchase", "checkout", 10, 5, 7, "quick and easy"),
    ("b", at(3), "consideration", "site", 0, 2, 2, "slow, l'appli crashed"),
    ("b", at(10), "service", "chat (bot)", 3, 1, 1, "useless bot"),
    ("c", at(1), "awareness", "ad", 8, 4, 5, None),
    ("d", at(5), "purchase", "checkout", 9, 5, 6, "great"),
    ("e", at(7), "service", "hotline", 6, 3, 3, "long wait"),
    ("f", at(3), "purchase", "checkout", 10, 5, 7, "parfait"),
]
# A second import: rows arrive in two batches, as real stores do.
LATE_EVENTS = [("g", at(8), "checkout", "mobile", 5.0), ("c", at(9), "site", "desktop", None)]


def _themes_by_hand(store: Any) -> None:
    """Six comments are too few to find themes in: give them three by hand (one renamed,
    one comment left without), so `themes`, `drivers` and the verbatims' theme column have
    something to agree on."""
    with store.transaction() as cur:
        cur.execute(
            "INSERT INTO themes (theme_id, label, user_label, terms) VALUES "
            "(1, 'slow · wait', NULL, 'slow wait'), (2, 'bot', 'Chatbot', 'bot'), "
            "(3, 'quick · great', NULL, 'quick great')")
        for theme, comments in ((1, ["slow, l'appli crashed", "long wait"]),
                                (2, ["useless bot"]), (3, ["quick and easy", "great"])):
            cur.execute("UPDATE responses SET theme_id = ?, theme_weight = 0.5 "
                        "WHERE list_contains(?, comment)", [theme, comments])


@pytest.fixture(scope="module")
def engines(tmp_path_factory):
    folder = tmp_path_factory.mktemp("parity")
    store = small_store(folder / "p.duckdb", name="p.csv", touchpoints=TOUCHPOINTS,
                        customers=CUSTOMERS, events=EVENTS, responses=RESPONSES)
    add_import(store, name="late.csv", events=LATE_EVENTS)
    _themes_by_hand(store)
    # Fast filters on: the one-device / one-channel / 30-min and 1-day gap cases read the
    # extra tables on both engines (every other case is the same SQL as with it off).
    store.set_setting(derived.FAST_FILTERS_SETTING, "on")
    export_parquet(store.cursor(), folder / "parquet")
    spark = make_session(conf={
        # Tiny data: compiling generated code and re-planning cost more than running.
        "spark.sql.codegen.wholeStage": "false",
        "spark.sql.adaptive.enabled": "false",
        "spark.default.parallelism": "2",
    })
    try:
        yield Engine(store.cursor()), SparkEngine(spark, str(folder / "parquet"))
    finally:
        spark.stop()
        store.close()


def close(duck: Any, spark: Any, where: str = "") -> None:
    """Equal, floats to 1e-9; fails naming the first place they differ."""
    if isinstance(duck, float) or isinstance(spark, float):
        assert isinstance(duck, float | int) and isinstance(spark, float | int), (
            f"{where}: {duck!r} vs {spark!r}")
        assert math.isclose(duck, spark, rel_tol=1e-9, abs_tol=1e-9), f"{where}: {duck} vs {spark}"
    elif isinstance(duck, dict):
        assert isinstance(spark, dict) and list(duck) == list(spark), (
            f"{where}: keys {list(duck)} vs {list(spark) if isinstance(spark, dict) else spark}")
        for k in duck:
            close(duck[k], spark[k], f"{where}.{k}")
    elif isinstance(duck, list):
        assert isinstance(spark, list) and len(duck) == len(spark), (
            f"{where}: {len(duck)} rows vs {spark!r}")
        for i, (a, b) in enumerate(zip(duck, spark, strict=True)):
            close(a, b, f"{where}[{i}]")
    else:
        assert type(duck) is type(spark) and duck == spark, f"{where}: {duck!r} vs {spark!r}"


# Every KIND of `python -m journey query` but `changes` (it compares saved snapshots: rows
# read back from the store, no analytics SQL), with the options that change the SQL: levels,
# anchors, repeats, session gaps, filters.
CASES = [
    ["sankey"],
    ["sankey", "--level", "stage", "--steps", "4"],
    ["sankey", "--start-at", "site", "--keep-repeats"],
    ["sankey", "--end-at", "checkout", "--top", "2"],
    ["transitions"],
    ["transitions", "--keep-repeats", "--session-gap", "1440"],
    # Precomputed session steps (tp_steps_s30, stage_steps_s1d...) read on both engines.
    ["sankey", "--session-gap", "30"],
    ["transitions", "--session-gap", "30"],
    ["sankey", "--session-gap", "1440", "--level", "stage", "--start-at", "consideration"],
    ["dropoffs", "--session-gap", "30"],
    ["transitions", "--level", "stage", "--device", "mobile"],
    # One device / one channel: read from the slice tables (device_steps, channel_steps).
    ["sankey", "--channel", "web", "--start-at", "site"],
    ["transitions", "--channel", "web"],
    ["dropoffs", "--device", "mobile"],
    ["paths", "--steps", "3", "--device", "mobile"],
    # A date range alone: steps from the precomputed ones (db/range_steps.py).
    ["sankey", "--since", "2024-03-02", "--until", "2024-03-07"],
    ["sankey", "--since", "2024-03-03", "--level", "stage", "--keep-repeats"],
    ["transitions", "--since", "2024-03-02", "--until", "2024-03-07"],
    ["transitions", "--until", "2024-03-04", "--keep-repeats", "--level", "stage"],
    ["paths", "--steps", "3", "--since", "2024-03-02"],
    ["funnel"],
    ["funnel", "--persona", "Parent", "--since", "2024-03-02"],
    ["dropoffs"],
    ["dropoffs", "--includes", "l'appli"],
    ["paths", "--steps", "3"],
    ["nps", "--by", "stage"],
    ["nps", "--by", "month"],
    ["nps", "--by", "persona", "--channel", "web"],
    ["csat", "--by", "touchpoint"],
    ["ces", "--by", "channel"],
    ["devices"],
    ["overview"],
    ["overview", "--converted"],
    ["attribution", "--model", "linear"],
    ["attribution", "--model", "time_decay", "--level", "channel", "--lookback-days", "5"],
    ["attribution", "--model", "position"],
    ["attribution", "--model", "markov"],
    ["fix-first"],
    ["variants"],
    ["repeats"],
    ["repeats", "--by", "persona"],
    ["repeaters-nps"],
    ["verbatims"],
    ["verbatims", "--search", "l'appli"],
    ["themes"],
    ["drivers"],
    ["drivers", "--by", "touchpoint"],
    ["voc-paths"],
    ["voc-paths", "--by", "persona"],
]


def _answer(engine: Engine, argv: list[str]) -> Any:
    args = build_parser().parse_args(["query", *argv])
    filters = Filters.from_cli_args(args, conversion_stage="purchase")
    query_cli._validate(args, engine)
    return query_cli._plain(query_cli._compute(args, engine, filters))


def test_every_query_kind_is_covered():
    asked = {c[0] for c in CASES}
    assert asked == set(query_cli.KINDS) - {"changes"}


@pytest.mark.parametrize("argv", CASES, ids=[" ".join(c) for c in CASES])
def test_same_answer_on_duckdb_and_spark(engines, argv):
    duck, spark = engines
    expected = _answer(duck, argv)
    got = _answer(spark, argv)
    # The answer is not empty: equal empty results would prove nothing.
    assert expected not in ([], {}, None)
    close(expected, got, argv[0])


@pytest.mark.parametrize(("argv", "table"), [
    (["sankey", "--session-gap", "30"], "tp_steps_s30"),
    (["sankey", "--session-gap", "1440", "--level", "stage", "--start-at", "consideration"],
     "stage_steps_s1d"),
    (["transitions", "--channel", "web"], "channel_steps"),
    (["dropoffs", "--device", "mobile"], "device_steps"),
])
def test_the_fast_filter_cases_read_the_extra_tables(engines, argv, table):
    duck, spark = engines
    assert duck.fast_filters and spark.fast_filters
    for engine in (duck, spark):
        engine.history.clear()
        _answer(engine, argv)
        assert any(table in e.sql for e in engine.history), engine


def test_figures_are_the_hand_computed_ones_on_spark(engines):
    # Funnel on Spark, counted by hand: every customer had an event, so 7 reach awareness or
    # later...; a, d, f, g reached purchase (g in the late import).
    _, spark = engines
    rows = _answer(spark, ["funnel"])
    by_stage = {r["stage"]: r["customers"] for r in rows}
    assert by_stage["purchase"] == 4
    nps = {r["stage"]: (r["n"], r["nps"]) for r in _answer(spark, ["nps", "--by", "stage"])}
    # purchase: 10, 9, 10 -> three promoters: NPS 100 on 3 answers.
    assert nps["purchase"] == (3, 100.0)


def test_user_text_stays_a_parameter(engines):
    _, spark = engines
    # The quote would end a pasted string literal: bound, it is just a name.
    (n,) = spark.one("SELECT COUNT(*) FROM events WHERE touchpoint = $t", {"t": "l'appli"})
    assert n == 2
    (n,) = spark.one("SELECT COUNT(*) FROM events WHERE touchpoint = ? OR touchpoint = ?",
                     ["chat (bot)", "x' OR '1'='1"])
    assert n == 1


def test_the_spark_engine_refuses_writes(engines):
    _, spark = engines
    with pytest.raises(ReadOnlyEngineError, match="only reads a Parquet export"):
        spark.rows("DELETE FROM events WHERE touchpoint = $t", {"t": "ad"}, purpose="edit")
    with pytest.raises(ReadOnlyEngineError):
        spark.rows("CREATE TEMP TABLE x AS SELECT 1")
    (n,) = spark.one("SELECT COUNT(*) FROM events")
    assert n == len(EVENTS) + len(LATE_EVENTS)


def test_a_failing_query_names_its_question(engines):
    _, spark = engines
    with pytest.raises(QueryError, match="^flows.bad: "):
        spark.df("SELECT no_such_column FROM events", purpose="flows.bad")


def test_positional_marks_bind_in_text_order():
    text, tables, reads = to_spark(
        "WITH a AS (SELECT * FROM events WHERE x = ? AND y = $n AND w = '?') "
        "SELECT * FROM a JOIN tp_steps USING (cid) WHERE z = ?"
    )
    assert text == (
        "WITH a AS (SELECT * FROM events WHERE x = :_p0 AND y = :n AND w = '?') "
        "SELECT * FROM a JOIN tp_steps USING (cid) WHERE z = :_p1"
    )
    assert tables == {"events", "tp_steps"} and reads


def test_the_query_command_on_spark(engines, capsys):
    duck, spark = engines
    # The module's session is reused (getOrCreate): the command makes no second JVM.
    code = main(["query", "dropoffs", "--engine", "spark", "--parquet", spark.location,
                 "--includes", "l'appli", "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    close(_answer(duck, ["dropoffs", "--includes", "l'appli"]), json.loads(out), "cli")
    code = main(["query", "changes", "--snapshot", "x", "--engine", "spark",
                 "--parquet", spark.location])
    assert code == 2
    assert "reads the snapshots saved in the DuckDB store" in capsys.readouterr().err
