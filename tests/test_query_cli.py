"""`python -m journey query ...`: JSON shapes, filters, readable tables, and bad options."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from journey.cli import main
from journey.db.store import Store

T0 = dt.datetime(2024, 1, 1, 9, 0)


def day(d: float) -> dt.datetime:
    return T0 + dt.timedelta(days=d)


TOUCHPOINTS = [
    ("ad", "awareness", "social", True),
    ("site", "consideration", "web", True),
    ("checkout", "purchase", "web", True),
]
# a: ad > site > checkout (mobile, mobile, desktop); b: ad > site; c: ad.
EVENTS = [
    ("a", day(0), "ad", "mobile", None),
    ("a", day(1), "site", "mobile", None),
    ("a", day(2), "checkout", "desktop", 40.0),
    ("b", day(0), "ad", "desktop", None),
    ("b", day(1), "site", "desktop", None),
    ("c", day(0), "ad", "mobile", None),
]
CUSTOMERS = [("a", "Parent"), ("b", "Parent"), ("c", "Senior")]
# customer, ts, stage, touchpoint, nps, csat, ces, comment
RESPONSES = [
    ("a", day(3), "purchase", "checkout", 10, 5, 7, "quick"),
    ("b", day(3), "consideration", "site", 0, 2, 2, "slow"),
    ("c", day(1), "awareness", "ad", 8, 4, 5, None),
]


@pytest.fixture
def db(tmp_path) -> str:
    path = tmp_path / "q.duckdb"
    store = Store(path)
    with store.transaction() as cur:
        cur.execute(
            "INSERT INTO imports VALUES (1, 'q.csv', 'hq', 'events', 'generic', 0, 0, "
            "TIMESTAMP '2024-01-01 00:00:00', NULL)"
        )
        cur.executemany(
            "INSERT INTO touchpoints (touchpoint, stage, channel, online, import_id) "
            "VALUES (?, ?, ?, ?, 1)", [list(t) for t in TOUCHPOINTS],
        )
        cur.executemany(
            "INSERT INTO customers VALUES (?, ?, NULL, 1)", [list(c) for c in CUSTOMERS]
        )
        cur.executemany(
            "INSERT INTO events (event_id, customer_id, ts, touchpoint, device, revenue, "
            "import_id) VALUES (?, ?, ?, ?, ?, ?, 1)",
            [[i + 1, *e] for i, e in enumerate(EVENTS)],
        )
        cur.executemany(
            "INSERT INTO responses (response_id, customer_id, ts, stage, touchpoint, nps, csat, "
            "ces, comment, import_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
            [[i + 1, *r] for i, r in enumerate(RESPONSES)],
        )
    store.close()
    return str(path)


def query(capsys, db: str, *args: str):
    code = main(["query", *args, "--db", db, "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert err == ""
    # Plain JSON: no NaN / Infinity tokens.
    return json.loads(out, parse_constant=lambda c: pytest.fail(f"non-JSON constant {c}"))


def test_nps_by_each_grouping(capsys, db):
    rows = query(capsys, db, "nps", "--by", "stage")
    assert [r["stage"] for r in rows] == ["awareness", "consideration", "purchase"]
    for r in rows:
        assert {"stage", "n", "promoters", "passives", "detractors", "nps", "margin"} <= set(r)
    purchase = rows[2]
    # One promoter out of 1: NPS 100; margin n'=4, p'=.4375, d'=.1875: var=.625-.0625=.5625,
    # 1.96*sqrt(.5625/4)*100 = 73.50
    assert purchase["n"] == 1 and purchase["nps"] == 100.0
    assert round(purchase["margin"], 2) == 73.50
    rows = query(capsys, db, "nps", "--by", "persona")
    # Parent: a 10, b 0 -> (1 - 1)/2 = 0; Senior: c 8 -> 0
    assert [(r["persona"], r["n"], r["nps"]) for r in rows] == [
        ("Parent", 2, 0.0), ("Senior", 1, 0.0),
    ]
    assert [r["month"] for r in query(capsys, db, "nps", "--by", "month")] == ["2024-01"]
    assert {r["touchpoint"] for r in query(capsys, db, "nps", "--by", "touchpoint")} == {
        "ad", "site", "checkout",
    }
    assert [r["channel"] for r in query(capsys, db, "nps", "--by", "channel")] == [
        "web", "social",
    ]


def test_nps_filters(capsys, db):
    rows = query(capsys, db, "nps", "--by", "stage", "--persona", "Senior")
    assert [(r["stage"], r["n"]) for r in rows] == [("awareness", 1)]
    rows = query(capsys, db, "nps", "--by", "stage", "--converted")
    assert [r["stage"] for r in rows] == ["purchase"]
    assert query(capsys, db, "nps", "--since", "2024-02-01") == []


def test_funnel_shape(capsys, db):
    rows = query(capsys, db, "funnel")
    assert [(r["stage"], r["customers"]) for r in rows[:3]] == [
        ("awareness", 3), ("consideration", 2), ("purchase", 1),
    ]
    assert rows[0]["conversion_from_previous"] is None  # no previous stage
    assert rows[0]["conversion_from_first"] == 1.0
    assert rows[1]["conversion_from_previous"] == pytest.approx(2 / 3)
    assert rows[2]["conversion_from_first"] == pytest.approx(1 / 3)
    assert rows[1]["median_days_to_reach"] == 1.0
    rows = query(capsys, db, "funnel", "--stage", "awareness", "--stage", "purchase")
    assert [(r["stage"], r["customers"]) for r in rows] == [("awareness", 3), ("purchase", 1)]


def test_csat_ces_overview(capsys, db):
    rows = query(capsys, db, "csat", "--by", "persona")
    parent = {r["persona"]: r for r in rows}["Parent"]
    assert (parent["n"], parent["satisfied"], parent["csat_pct"]) == (2, 1, 50.0)
    rows = query(capsys, db, "ces", "--by", "stage")
    assert {r["stage"]: r["mean"] for r in rows} == {
        "awareness": 5.0, "consideration": 2.0, "purchase": 7.0,
    }
    ov = query(capsys, db, "overview")
    assert ov["customers"] == 3 and ov["converted"] == 1 and ov["events"] == 6
    assert ov["first_ts"] == "2024-01-01T09:00:00" and ov["revenue"] == 40.0


def test_readable_table(capsys, db):
    assert main(["query", "nps", "--by", "stage", "--db", db]) == 0
    out = capsys.readouterr().out
    assert "awareness" in out and "margin" in out
    assert main(["query", "overview", "--db", db]) == 0
    assert "customers" in capsys.readouterr().out
    assert main(["query", "nps", "--since", "2030-01-01", "--db", db]) == 0
    assert "no rows" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["funnel", "--stage", "nirvana"], "nirvana"),
        (["nps", "--since", "2024-13-45"], "date"),
        (["sankey", "--steps", "1"], "--steps"),
        (["sankey", "--steps", "16"], "--steps"),
        (["sankey", "--top", "0"], "--top"),
        (["transitions", "--session-gap", "-5"], "--session-gap"),
        (["sankey", "--start-at", "nowhere"], "nowhere"),
        (["sankey", "--level", "stage", "--end-at", "checkout"], "checkout"),
    ],
)
def test_bad_options_exit_2_with_a_plain_message(capsys, db, args, needle):
    assert main(["query", *args, "--db", db, "--json"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert needle in err and "Traceback" not in err


def test_argparse_errors_exit_2(capsys, db):
    for args in (["query", "nope", "--db", db], ["query", "nps", "--by", "colour", "--db", db],
                 ["query", "sankey", "--steps", "many", "--db", db]):
        with pytest.raises(SystemExit) as exc:
            main(args)
        assert exc.value.code == 2
        assert "Traceback" not in capsys.readouterr().err


# -- kinds served by journey.analytics.flows / journey.analytics.devices ---------------


def test_transitions_shape(capsys, db):
    pytest.importorskip("journey.analytics.flows")
    rows = query(capsys, db, "transitions")
    assert isinstance(rows, list)
    for r in rows:
        assert {"source", "target", "transitions", "customers"} <= set(r)
    pairs = {(r["source"], r["target"]): r for r in rows}
    assert pairs[("ad", "site")]["transitions"] == 2
    assert pairs[("ad", "site")]["customers"] == 2
    assert pairs[("site", "checkout")]["transitions"] == 1


def test_sankey_shape(capsys, db):
    pytest.importorskip("journey.analytics.flows")
    out = query(capsys, db, "sankey", "--steps", "3")
    assert isinstance(out, dict) and {"nodes", "links"} <= set(out)
    nodes = {(n["step"], n["name"]): n["customers"] for n in out["nodes"]}
    assert nodes[(1, "ad")] == 3
    assert nodes[(2, "site")] == 2
    assert nodes[(3, "checkout")] == 1
    assert min(n["step"] for n in out["nodes"]) == 1
    links = {(lk["step"], lk["source"], lk["target"]): lk["customers"] for lk in out["links"]}
    assert links[(1, "ad", "site")] == 2
    assert links[(2, "site", "checkout")] == 1
    # Journeys that end after a step: c after ad, b after site (target null).
    assert links[(1, "ad", None)] == 1
    assert links[(2, "site", None)] == 1
    out = query(capsys, db, "sankey", "--level", "stage", "--steps", "2", "--top", "1")
    assert {(n["step"], n["name"]) for n in out["nodes"]} >= {(1, "awareness")}


def test_dropoffs_paths_devices(capsys, db):
    pytest.importorskip("journey.analytics.flows")
    assert isinstance(query(capsys, db, "dropoffs"), list)
    assert isinstance(query(capsys, db, "paths", "--steps", "2", "--top", "5"), list)
    assert isinstance(query(capsys, db, "transitions", "--keep-repeats", "--session-gap", "30"),
                      list)
    pytest.importorskip("journey.analytics.devices")
    out = query(capsys, db, "devices")
    # Only a switched device (mobile -> desktop): 1 of 3 journeys.
    assert out["journeys"] == 3 and out["multi_device"] == 1
    assert out["share"] == pytest.approx(1 / 3)
    assert isinstance(out["transitions"], list) and isinstance(out["by_stage"], list)
