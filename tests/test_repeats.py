"""analytics/repeats.py: loops and repeat contacts, counted by hand."""

from __future__ import annotations

import datetime as dt
import json
import math

import pandas as pd
import pytest
import sqlglot
from cli_helpers import query_json
from small_store import clock, small_store

from journey.analytics import repeats
from journey.analytics.filters import Filters
from journey.analytics.stats import nps_difference, wilson_margin
from journey.cli import main
from journey.db.engine import Engine

T0 = dt.datetime(2024, 4, 1, 9, 0)


day = clock(T0)


TOUCHPOINTS = [
    ("site", "consideration", "web", True),
    ("checkout", "purchase", "web", True),
    ("Hotline", "retention", "phone", False),
    ("Chatbot", "retention", "web", True),
    ("Service client", "retention", "phone", False),
]
EVENTS = [
    # a: one repeat call (day 1 -> 3); day 20 is 17 days later: outside the window
    ("a", day(0), "site", "mobile", None),
    ("a", day(0.1), "checkout", "mobile", 10.0),
    ("a", day(1), "Hotline", None, None),
    ("a", day(3), "Hotline", None, None),
    ("a", day(20), "Hotline", None, None),
    # b: chatbot, then the hotline the next day (a repeat across service touchpoints)
    ("b", day(1), "Chatbot", "desktop", None),
    ("b", day(2), "Hotline", None, None),
    ("b", day(3), "site", "desktop", None),
    # c: three calls in two days (two repeats)
    ("c", day(1), "Hotline", None, None),
    ("c", day(1.05), "Hotline", None, None),
    ("c", day(2), "Hotline", None, None),
    # d: no service contact
    ("d", day(0), "site", "mobile", None),
    ("d", day(0.2), "checkout", "mobile", 5.0),
    # e: French service twice, ten days apart (a loop, but no repeat within 7 days)
    ("e", day(0), "Service client", None, None),
    ("e", day(1), "site", "mobile", None),
    ("e", day(10), "Service client", None, None),
    # f: back and forth between site and checkout
    ("f", day(0), "site", "mobile", None),
    ("f", day(0.1), "checkout", "mobile", None),
    ("f", day(1), "site", "mobile", None),
    ("f", day(1.1), "checkout", "mobile", 3.0),
    ("f", day(2), "site", "mobile", None),
]
CUSTOMERS = [("a", "Parent"), ("b", "Parent"), ("c", "Senior"), ("d", "Senior"),
             ("e", "Senior"), ("f", "Parent")]
RESPONSES = [
    ("a", day(21), "retention", None, 2, None, None, None),
    ("b", day(4), "retention", None, 3, None, None, None),
    ("c", day(3), "retention", None, 0, None, None, None),
    ("d", day(1), "purchase", None, 10, None, None, None),
    ("e", day(11), "retention", None, 9, None, None, None),
    ("f", day(3), "purchase", None, 10, None, None, None),
]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    s = small_store(tmp_path_factory.mktemp("r") / "r.duckdb", touchpoints=TOUCHPOINTS,
                    events=EVENTS, customers=CUSTOMERS, responses=RESPONSES)
    yield s
    s.close()


def by_tp(df: pd.DataFrame) -> dict:
    return {r["touchpoint"]: r for r in df.to_dict(orient="records")}


def test_service_names_in_english_and_french():
    for name in ("Hotline", "Chatbot", "Customer service", "Service client", "SAV",
                 "Centre d'appels", "Live chat", "Help desk", "Réclamation"):
        assert repeats.is_service_name(name), name
    for name in ("site", "Checkout", "Chateau tour", "Product page", "Newsletter", "Savings"):
        assert not repeats.is_service_name(name), name


def test_the_french_demo_has_the_service_touchpoints_of_the_english_one(tmp_path):
    """The same touchpoints are service in both demos ("Chatbot" is "Assistant en ligne")."""
    from journey.db.store import Store
    from journey.ingest.demo import NAMES_FR, TP_NAMES, load_sample

    for name in TP_NAMES:
        assert repeats.is_service_name(NAMES_FR[name]) == repeats.is_service_name(name), name
    for name in ("Assistante virtuelle", "Aide en ligne", "Conseiller clientèle"):
        assert repeats.is_service_name(name), name
    with Store(tmp_path / "fr.duckdb") as s:
        load_sample(s, customers=300, seed=3, lang="fr")
        assert repeats.service_touchpoints(s.cursor()) == [
            "Assistant en ligne", "Hotline", "Service client"]


def test_one_query_counts_contacts_per_touchpoint_and_across_them():
    """The per-touchpoint and the all-service counts share one definition (one LAG, one
    window test), so they cannot drift apart."""
    ctes, _params = repeats._contacts_ctes(Filters(), ["Hotline", "Chatbot"], 7.0)
    assert ctes.count("LAG(") == 1 and ctes.count("DATE_DIFF(") == 1


def test_service_touchpoints_by_name(store):
    assert repeats.service_touchpoints(store.cursor()) == ["Chatbot", "Hotline", "Service client"]
    assert repeats.service_touchpoints(store.cursor(), ["site"]) == ["site"]


def test_loops(store):
    got = by_tp(repeats.loops(store.cursor(), Filters()))
    site, checkout = got["site"], got["checkout"]
    assert (site["customers"], site["customers_repeating"], site["repeats"]) == (5, 1, 2)
    assert site["median_repeats"] == 2.0 and site["share"] == pytest.approx(1 / 5)
    assert (checkout["customers"], checkout["customers_repeating"]) == (3, 1)
    assert checkout["median_repeats"] == 1.0
    assert (got["Service client"]["customers"], got["Service client"]["customers_repeating"]) == (
        1, 1)
    # Calls one after the other are one step: no loop (they are repeat contacts).
    assert got["Hotline"]["customers_repeating"] == 0
    assert pd.isna(got["Hotline"]["median_repeats"])


def test_loops_under_a_persona_filter(store):
    got = by_tp(repeats.loops(store.cursor(), Filters(personas=["Senior"])))
    assert got["site"]["customers_repeating"] == 0
    assert got["Service client"]["customers_repeating"] == 1


def test_repeat_contacts_within_seven_days(store):
    df = repeats.repeat_contacts(store.cursor(), Filters())
    first = df.iloc[0]
    assert first["scope"] == repeats.SCOPE_ALL and first["touchpoint"] is None
    # a (1), b (chatbot -> hotline, 1), c (2); e's two contacts are 10 days apart.
    assert (first["customers"], first["customers_repeating"], first["repeats"]) == (4, 3, 4)
    assert first["median_repeats"] == 1.0
    assert first["margin"] == pytest.approx(wilson_margin(4, 3))
    got = by_tp(df.iloc[1:])
    hot = got["Hotline"]
    assert (hot["customers"], hot["customers_repeating"], hot["repeats"]) == (3, 2, 3)
    assert hot["median_repeats"] == 1.5 and hot["share"] == pytest.approx(2 / 3)
    assert got["Chatbot"]["customers_repeating"] == 0
    assert got["Service client"]["customers_repeating"] == 0


def test_the_window_is_an_option(store):
    got = by_tp(repeats.repeat_contacts(store.cursor(), Filters(), window_days=14).iloc[1:])
    assert got["Service client"]["customers_repeating"] == 1
    got = by_tp(repeats.repeat_contacts(store.cursor(), Filters(), window_days=0.5).iloc[1:])
    assert got["Hotline"]["customers_repeating"] == 1  # only c's calls an hour apart
    with pytest.raises(ValueError, match="window"):
        repeats.repeat_contacts(store.cursor(), Filters(), window_days=0)


def test_repeat_share_per_persona(store):
    df = repeats.repeat_by_persona(store.cursor(), Filters())
    rows = {r["persona"]: r for r in df.to_dict(orient="records")}
    assert (rows["Parent"]["customers"], rows["Parent"]["customers_repeating"]) == (2, 2)
    assert (rows["Senior"]["customers"], rows["Senior"]["customers_repeating"]) == (2, 1)
    assert list(df["persona"]) == ["Parent", "Senior"]
    assert rows["Senior"]["margin"] == pytest.approx(wilson_margin(2, 1))


def test_nps_of_repeaters_against_the_others(store):
    got = repeats.repeater_nps(store.cursor(), Filters())
    assert got["repeaters"]["n"] == 3 and got["repeaters"]["nps"] == -100.0
    assert got["others"]["n"] == 3 and got["others"]["nps"] == 100.0
    expected = nps_difference((3, 3, 0), (3, 0, 3))
    assert got["delta"] == pytest.approx(-200.0)
    assert got["margin"] == pytest.approx(expected.margin)
    # Three answers a side is far too few to call it a finding.
    assert got["significant"] is False and got["repeaters"]["small_sample"]


def test_no_service_touchpoint_gives_empty_tables(store):
    f = Filters(personas=["Nobody"])
    assert repeats.repeat_contacts(store.cursor(), f).empty
    assert repeats.repeat_by_persona(store.cursor(), f).empty
    assert repeats.repeater_nps(store.cursor(), f)["delta"] is None
    assert repeats.repeat_contacts(store.cursor(), Filters(), service=["nowhere"]).empty


def test_the_store_setting_names_the_service_touchpoints(tmp_path):
    s = small_store(tmp_path / "s.duckdb", touchpoints=TOUCHPOINTS, events=EVENTS,
                    customers=CUSTOMERS)
    try:
        s.set_setting(repeats.SERVICE_SETTING, json.dumps(["site"]))
        assert repeats.service_touchpoints(s.cursor()) == ["site"]
        df = repeats.repeat_contacts(s.cursor(), Filters())
        assert set(df["touchpoint"].dropna()) == {"site"}
    finally:
        s.close()


def test_sql_runs_through_the_engine_and_transpiles(store):
    engine = Engine(store.cursor())
    for f in (Filters(), Filters(devices=["mobile"], since="2024-04-01")):
        repeats.loops(engine, f)
        repeats.repeat_contacts(engine, f)
        repeats.repeat_by_persona(engine, f)
        repeats.repeater_nps(engine, f)
        repeats.repeaters(engine, f)
    runs = [r for r in engine.history if r.purpose.startswith("repeats.")]
    assert {r.purpose for r in runs} >= {"repeats.loops", "repeats.contacts",
                                         "repeats.by persona", "repeats.nps",
                                         "repeats.customers"}
    for run in runs:
        assert sqlglot.transpile(run.sql, read="duckdb", write="spark",
                                 unsupported_level=sqlglot.ErrorLevel.RAISE)


def test_cli(tmp_path, capsys):
    db = tmp_path / "cli.duckdb"
    small_store(db, touchpoints=TOUCHPOINTS, events=EVENTS, customers=CUSTOMERS,
                responses=RESPONSES).close()
    code = main(["query", "repeats", "--db", str(db), "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    data = json.loads(out)
    keys = {"kind", "touchpoint", "customers", "customers_repeating", "share", "median_repeats"}
    assert all(keys <= set(d) for d in data)
    contacts = [d for d in data if d["kind"] == "repeat_contact"]
    assert contacts[0]["touchpoint"] is None and contacts[0]["customers_repeating"] == 3
    hot = next(d for d in contacts if d["touchpoint"] == "Hotline")
    assert (hot["customers"], hot["customers_repeating"], hot["median_repeats"]) == (3, 2, 1.5)
    loops = {d["touchpoint"]: d for d in data if d["kind"] == "loop"}
    assert loops["site"]["customers_repeating"] == 1
    code = main(["query", "repeats", "--window-days", "14", "--service", "Service client",
                 "--db", str(db), "--json"])
    data = json.loads(capsys.readouterr().out)
    contacts = [d for d in data if d["kind"] == "repeat_contact"]
    assert code == 0 and [d["touchpoint"] for d in contacts] == [None, "Service client"]
    assert contacts[1]["customers_repeating"] == 1
    code = main(["query", "repeats", "--window-days", "-1", "--db", str(db), "--json"])
    assert code == 2 and "window" in capsys.readouterr().err


def test_cli_repeats_by_persona_counted_by_hand(tmp_path, capsys):
    """The page's per-persona share, from the command line. Service contacts: Parent a
    (Hotline day 1, 3: a repeat) and b (Chatbot then Hotline next day: a repeat), f none;
    Senior c (three calls: repeats), e (Service client ten days apart: none within 7 days),
    d none. So Parent 2 of 2, Senior 1 of 2."""
    db = tmp_path / "cli.duckdb"
    small_store(db, touchpoints=TOUCHPOINTS, events=EVENTS, customers=CUSTOMERS,
                responses=RESPONSES).close()
    data = query_json(capsys, db, "repeats", "--by", "persona")
    assert [(d["kind"], d["scope"], d["persona"], d["customers"], d["customers_repeating"])
            for d in data] == [("repeat_by_persona", "persona", "Parent", 2, 2),
                               ("repeat_by_persona", "persona", "Senior", 2, 1)]
    assert data[0]["share"] == 1.0 and data[1]["share"] == 0.5
    # Wilson 95% interval of 1 in 2: half-width z·√(p(1-p)/n + z²/4n²)/(1 + z²/n).
    z = 1.96
    half = z * math.sqrt(0.25 / 2 + z * z / 16) / (1 + z * z / 2)
    assert data[1]["margin"] == pytest.approx(100 * half, abs=0.01)
    # A 14-day window makes e's second visit a repeat; the filters narrow as everywhere.
    data = query_json(capsys, db, "repeats", "--by", "persona", "--window-days", "14",
                     "--persona", "Senior")
    assert [(d["persona"], d["customers"], d["customers_repeating"]) for d in data] == [
        ("Senior", 2, 2)]
    # Any other grouping is refused with the choices, never silently ignored.
    assert main(["query", "repeats", "--by", "month", "--db", str(db), "--json"]) == 2
    assert "--by persona" in capsys.readouterr().err


def test_cli_repeaters_nps_counted_by_hand(tmp_path, capsys):
    """Repeaters a, b, c answered 2, 3, 0 (three detractors: NPS -100); the others d, e,
    f answered 10, 9, 10 (three promoters: +100). Adjusted Wald, each side n' = 3 + 3 = 6:
    others p' = 3.75/6 = 0.625, d' = 0.75/6 = 0.125, NPS' = 0.5, var = (0.625 + 0.125 -
    0.25)/6 = 1/12; the repeaters mirror it; margin = 1.96·√(1/12 + 1/12), in points."""
    db = tmp_path / "cli.duckdb"
    small_store(db, touchpoints=TOUCHPOINTS, events=EVENTS, customers=CUSTOMERS,
                responses=RESPONSES).close()
    got = query_json(capsys, db, "repeaters-nps")
    assert got["kind"] == "nps_repeaters_vs_others"
    assert got["window_days"] == 7.0
    assert got["service"] == ["Chatbot", "Hotline", "Service client"]
    assert {k: got["repeaters"][k] for k in ("n", "promoters", "detractors", "nps")} == {
        "n": 3, "promoters": 0, "detractors": 3, "nps": -100.0}
    assert {k: got["others"][k] for k in ("n", "promoters", "detractors", "nps")} == {
        "n": 3, "promoters": 3, "detractors": 0, "nps": 100.0}
    assert got["delta"] == pytest.approx(-200.0)
    assert got["margin"] == pytest.approx(100 * 1.96 * math.sqrt(2 / 12), abs=0.01)
    assert got["significant"] is False  # three answers a side: never a finding
    assert got["repeaters"]["small_sample"] and got["others"]["small_sample"]
    # With 14 days e (9) repeats too: repeaters 4 answers, 1 promoter, 3 detractors.
    got = query_json(capsys, db, "repeaters-nps", "--window-days", "14")
    assert (got["repeaters"]["n"], got["repeaters"]["nps"]) == (4, -50.0)
    assert (got["others"]["n"], got["others"]["nps"]) == (2, 100.0)
    assert got["delta"] == pytest.approx(-150.0)
    # Only the hotline counts as service: a and c repeat; b's chatbot-then-hotline does not.
    got = query_json(capsys, db, "repeaters-nps", "--service", "Hotline")
    assert got["service"] == ["Hotline"]
    assert (got["repeaters"]["n"], got["repeaters"]["detractors"]) == (2, 2)
    # Without --json, one readable line per side.
    assert main(["query", "repeaters-nps", "--db", str(db)]) == 0
    text = capsys.readouterr().out
    assert "repeaters          n=3, promoters=0, detractors=3, nps=-100.0" in text
    assert "service            Chatbot, Hotline, Service client" in text
    assert main(["query", "repeaters-nps", "--window-days", "0", "--db", str(db)]) == 2
    assert "window" in capsys.readouterr().err


def test_the_customers_who_keep_contacting_service(store):
    df = repeats.repeaters(store.cursor(), Filters())
    assert list(df["customer_id"]) == ["c", "a", "b"]  # 2 repeats, then 1 (a: 3 contacts)
    assert list(df["repeats"]) == [2, 1, 1] and list(df["contacts"]) == [3, 3, 2]
    assert list(df["persona"]) == ["Senior", "Parent", "Parent"]
    assert df.iloc[1]["first_contact"] == day(1) and df.iloc[1]["last_contact"] == day(20)
    assert list(repeats.repeaters(store.cursor(), Filters(), window_days=14)["customer_id"]) == [
        "c", "a", "b", "e"]
    assert repeats.repeaters(store.cursor(), Filters(), service=["nowhere"]).empty
