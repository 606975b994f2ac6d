"""`python -m journey query ...`: JSON shapes, filters, readable tables, and bad options."""

from __future__ import annotations

import pytest
from cli_helpers import CUSTOMERS, EVENTS, TOUCHPOINTS, day, query_json, query_refused
from small_store import small_store

from journey.cli import main

# customer, ts, stage, touchpoint, nps, csat, ces, comment
RESPONSES = [
    ("a", day(3), "purchase", "checkout", 10, 5, 7, "quick"),
    ("b", day(3), "consideration", "site", 0, 2, 2, "slow"),
    ("c", day(1), "awareness", "ad", 8, 4, 5, None),
]


@pytest.fixture
def db(tmp_path) -> str:
    path = tmp_path / "q.duckdb"
    small_store(
        path, name="q.csv", touchpoints=TOUCHPOINTS, customers=CUSTOMERS, events=EVENTS,
        responses=RESPONSES,
    ).close()
    return str(path)


def test_nps_by_each_grouping(capsys, db):
    rows = query_json(capsys, db, "nps", "--by", "stage")
    assert [r["stage"] for r in rows] == ["awareness", "consideration", "purchase"]
    for r in rows:
        assert {"stage", "n", "promoters", "passives", "detractors", "nps", "margin"} <= set(r)
    purchase = rows[2]
    # One promoter out of 1: NPS 100; margin n'=4, p'=.4375, d'=.1875: var=.625-.0625=.5625,
    # 1.96*sqrt(.5625/4)*100 = 73.50
    assert purchase["n"] == 1 and purchase["nps"] == 100.0
    assert round(purchase["margin"], 2) == 73.50
    rows = query_json(capsys, db, "nps", "--by", "persona")
    # Parent: a 10, b 0 -> (1 - 1)/2 = 0; Senior: c 8 -> 0
    assert [(r["persona"], r["n"], r["nps"]) for r in rows] == [
        ("Parent", 2, 0.0), ("Senior", 1, 0.0),
    ]
    assert [r["month"] for r in query_json(capsys, db, "nps", "--by", "month")] == ["2024-01"]
    assert {r["touchpoint"] for r in query_json(capsys, db, "nps", "--by", "touchpoint")} == {
        "ad", "site", "checkout",
    }
    assert [r["channel"] for r in query_json(capsys, db, "nps", "--by", "channel")] == [
        "web", "social",
    ]


def test_nps_filters(capsys, db):
    rows = query_json(capsys, db, "nps", "--by", "stage", "--persona", "Senior")
    assert [(r["stage"], r["n"]) for r in rows] == [("awareness", 1)]
    rows = query_json(capsys, db, "nps", "--by", "stage", "--converted")
    assert [r["stage"] for r in rows] == ["purchase"]
    assert query_json(capsys, db, "nps", "--since", "2024-02-01") == []


def test_funnel_shape(capsys, db):
    rows = query_json(capsys, db, "funnel")
    # The first bar is every journey; retention and advocacy are used by no data: no bars.
    assert [(r["kind"], r["stage"], r["customers"], r["in_order"]) for r in rows] == [
        ("journeys", None, 3, 3), ("stage", "awareness", 3, 3),
        ("stage", "consideration", 2, 2), ("stage", "purchase", 1, 1),
    ]
    assert rows[0]["from_previous"] is None  # no previous bar
    assert rows[1]["from_previous"] == 1.0
    assert rows[2]["from_previous"] == pytest.approx(2 / 3)
    assert rows[3]["share"] == pytest.approx(1 / 3)
    assert rows[2]["median_days_to_reach"] == 1.0
    rows = query_json(capsys, db, "funnel", "--stage", "awareness", "--stage", "purchase")
    assert [(r["stage"], r["customers"]) for r in rows] == [
        (None, 3), ("awareness", 3), ("purchase", 1)]


def test_csat_ces_overview(capsys, db):
    rows = query_json(capsys, db, "csat", "--by", "persona")
    parent = {r["persona"]: r for r in rows}["Parent"]
    assert (parent["n"], parent["satisfied"], parent["csat_pct"]) == (2, 1, 50.0)
    rows = query_json(capsys, db, "ces", "--by", "stage")
    assert {r["stage"]: r["mean"] for r in rows} == {
        "awareness": 5.0, "consideration": 2.0, "purchase": 7.0,
    }
    assert {r["stage"]: r["ease_pct"] for r in rows} == {
        "awareness": 100.0, "consideration": 0.0, "purchase": 100.0,
    }
    ov = query_json(capsys, db, "overview")
    assert ov["customers"] == 3 and ov["converted"] == 1 and ov["events"] == 6
    assert ov["first_ts"] == "2024-01-01T09:00:00" and ov["revenue"] == 40.0


def test_overview_values(capsys, db):
    # NPS answers 10, 0, 8: one promoter, one detractor of 3 -> 0. Margin: n' = 6,
    # p' = d' = 1.75 / 6, var = p' + d' = 0.5833, 1.96 * sqrt(0.5833 / 6) * 100 = 61.11.
    ov = query_json(capsys, db, "overview")
    assert {k: v for k, v in ov.items() if k != "nps_margin"} == {
        "customers": 3, "journeys": 3, "converted": 1, "conversion_rate": pytest.approx(1 / 3),
        "events": 6, "responses": 3, "nps": 0.0, "nps_n": 3,
        "first_ts": "2024-01-01T09:00:00", "last_ts": "2024-01-03T09:00:00", "revenue": 40.0,
    }
    assert round(ov["nps_margin"], 2) == 61.11
    # A device filter narrows the events, and converted counts what they show: a bought on
    # desktop, so on mobile nobody converted (the funnel's purchase bar says 0 too).
    ov = query_json(capsys, db, "overview", "--device", "mobile")
    assert (ov["customers"], ov["events"], ov["converted"], ov["revenue"]) == (2, 3, 0, 0.0)
    # A date range judges conversion on the events inside it: a bought on day 2.
    ov = query_json(capsys, db, "overview", "--until", "2024-01-02")
    assert (ov["customers"], ov["events"], ov["converted"]) == (3, 5, 0)


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
    assert needle in query_refused(capsys, db, *args)


def test_argparse_errors_exit_2(capsys, db):
    for args in (["query", "nope", "--db", db], ["query", "nps", "--by", "colour", "--db", db],
                 ["query", "sankey", "--steps", "many", "--db", db]):
        with pytest.raises(SystemExit) as exc:
            main(args)
        assert exc.value.code == 2
        assert "Traceback" not in capsys.readouterr().err


# -- flows and devices, hand-computed on the store above -------------------------------------
# Journeys (touchpoint level, one per customer): a: ad > site > checkout (converted),
# b: ad > site, c: ad. Consecutive events are one day (1,440 minutes) apart.


def _pairs(rows: list[dict]) -> list[tuple]:
    return [(r["source"], r["target"], r["transitions"], r["customers"]) for r in rows]


def test_transitions_values(capsys, db):
    rows = query_json(capsys, db, "transitions")
    # Sorted by transitions desc, then source, then target ("(end)" sorts before letters).
    assert _pairs(rows) == [
        ("(start)", "ad", 3, 3),
        ("ad", "site", 2, 2),
        ("ad", "(end)", 1, 1),
        ("checkout", "(end)", 1, 1),
        ("site", "(end)", 1, 1),
        ("site", "checkout", 1, 1),
    ]
    by = {(r["source"], r["target"]): r for r in rows}
    assert by[("(start)", "ad")]["source_kind"] == "start"
    assert by[("ad", "(end)")]["target_kind"] == "end"
    assert by[("ad", "site")]["target_kind"] == "node"
    # Minutes from a step's last event to the next step's first; none for markers.
    assert by[("ad", "site")]["median_minutes"] == 1440.0
    assert by[("site", "checkout")]["median_minutes"] == 1440.0
    assert by[("(start)", "ad")]["median_minutes"] is None
    # Share of the source's outgoing transitions: ad goes on twice and ends once.
    assert by[("ad", "site")]["share_of_source"] == pytest.approx(2 / 3)
    assert by[("ad", "(end)")]["share_of_source"] == pytest.approx(1 / 3)
    assert by[("site", "checkout")]["share_of_source"] == pytest.approx(0.5)
    assert by[("checkout", "(end)")]["share_of_source"] == 1.0


def test_transitions_under_filters(capsys, db):
    # An event filter keeps only the mobile events: a: ad > site, c: ad.
    assert _pairs(query_json(capsys, db, "transitions", "--device", "mobile")) == [
        ("(start)", "ad", 2, 2),
        ("ad", "(end)", 1, 1),
        ("ad", "site", 1, 1),
        ("site", "(end)", 1, 1),
    ]
    # A customer condition keeps whole journeys: only a converted.
    assert _pairs(query_json(capsys, db, "transitions", "--converted")) == [
        ("(start)", "ad", 1, 1),
        ("ad", "site", 1, 1),
        ("checkout", "(end)", 1, 1),
        ("site", "checkout", 1, 1),
    ]
    # At stage level the touchpoints become their stages.
    assert _pairs(query_json(capsys, db, "transitions", "--level", "stage"))[:2] == [
        ("(start)", "awareness", 3, 3),
        ("awareness", "consideration", 2, 2),
    ]


def test_transitions_with_sessions(capsys, db):
    # A 30-minute gap cuts every one-day pause: each event is a journey of its own
    # (a: 3, b: 2, c: 1), so each touchpoint starts and ends as many journeys as it has events.
    rows = query_json(capsys, db, "transitions", "--keep-repeats", "--session-gap", "30")
    assert _pairs(rows) == [
        ("(start)", "ad", 3, 3),
        ("ad", "(end)", 3, 3),
        ("(start)", "site", 2, 2),
        ("site", "(end)", 2, 2),
        ("(start)", "checkout", 1, 1),
        ("checkout", "(end)", 1, 1),
    ]


def test_sankey_values(capsys, db):
    out = query_json(capsys, db, "sankey", "--steps", "3")
    assert (out["journeys"], out["anchored_journeys"], out["steps"]) == (3, 3, 3)
    nodes = {(n["step"], n["name"], n["kind"]): (n["customers"], n["share"]) for n in out["nodes"]}
    assert nodes == {
        (1, "ad", "node"): (3, 1.0),
        (2, "site", "node"): (2, pytest.approx(2 / 3)),
        (2, "Drop-off", "dropoff"): (1, pytest.approx(1 / 3)),  # c ends after ad
        (3, "checkout", "node"): (1, pytest.approx(1 / 3)),
        (3, "Drop-off", "dropoff"): (1, pytest.approx(1 / 3)),  # b ends after site
    }
    links = {(lk["step"], lk["source"], lk["target"]): lk["customers"] for lk in out["links"]}
    assert links == {
        (1, "ad", "site"): 2, (1, "ad", None): 1,
        (2, "site", "checkout"): 1, (2, "site", None): 1,
    }
    out = query_json(capsys, db, "sankey", "--level", "stage", "--steps", "2", "--top", "1")
    assert {(n["step"], n["name"]): n["customers"] for n in out["nodes"]} == {
        (1, "awareness"): 3, (2, "consideration"): 2, (2, "Drop-off"): 1,
    }
    # Anchored on the first site: a and b, both from site onwards; b drops off after it.
    out = query_json(capsys, db, "sankey", "--steps", "2", "--start-at", "site")
    assert (out["journeys"], out["anchored_journeys"]) == (3, 2)
    assert {(n["step"], n["name"]): n["customers"] for n in out["nodes"]} == {
        (1, "site"): 2, (2, "checkout"): 1, (2, "Drop-off"): 1,
    }


def test_dropoffs_values(capsys, db):
    rows = query_json(capsys, db, "dropoffs")
    # passing: journeys through the touchpoint; ending: unconverted journeys ending there.
    assert [(r["touchpoint"], r["stage"], r["passing"], r["ending"]) for r in rows] == [
        ("site", "consideration", 2, 1),  # b
        ("ad", "awareness", 3, 1),  # c
        ("checkout", "purchase", 1, 0),  # a converted
    ]
    assert [r["dropoff_rate"] for r in rows] == [0.5, pytest.approx(1 / 3), 0.0]
    assert query_json(capsys, db, "dropoffs", "--persona", "Senior") == [
        {"touchpoint": "ad", "stage": "awareness", "passing": 1, "ending": 1,
         "dropoff_rate": 1.0},
    ]


def test_paths_values(capsys, db):
    rows = query_json(capsys, db, "paths", "--steps", "2", "--top", "5")
    # a went on after its first two steps: its own row, which says so.
    assert [(r["path"], r["path_text"], r["more_min"], r["customers"]) for r in rows] == [
        (["ad"], "ad", 0, 1), (["ad", "site"], "ad → site", 0, 1),
        (["ad", "site"], "ad → site → … (+1 more step)", 1, 1),
    ]
    assert [r["share"] for r in rows] == [pytest.approx(1 / 3)] * 3
    # Five steps: three different journeys, one customer each; ties go by path text.
    rows = query_json(capsys, db, "paths")
    assert [(r["path_text"], r["customers"]) for r in rows] == [
        ("ad", 1), ("ad → site", 1), ("ad → site → checkout", 1),
    ]
    # The rest is one row, so the shares always add up to 100 %.
    rows = query_json(capsys, db, "paths", "--top", "1")
    assert [(r["kind"], r["path_text"], r["customers"]) for r in rows] == [
        ("path", "ad", 1), ("other", "Other", 2)]
    assert sum(r["share"] for r in rows) == pytest.approx(1.0)


def test_devices_values(capsys, db):
    out = query_json(capsys, db, "devices")
    # Only a switched device (mobile -> desktop, at checkout): 1 of 3 journeys.
    assert out["journeys"] == 3 and out["multi_device"] == 1
    assert out["share"] == pytest.approx(1 / 3)
    assert out["transitions"] == [
        {"from_device": "mobile", "to_device": "desktop", "switches": 1, "customers": 1},
    ]
    assert out["by_stage"] == [
        {"stage": "purchase", "stage_position": 3, "switches": 1, "share": 1.0},
    ]
    out = query_json(capsys, db, "devices", "--persona", "Senior")
    assert (out["journeys"], out["multi_device"], out["transitions"]) == (1, 0, [])
