"""`python -m journey query attribution | fix-first`: JSON shapes and hand-computed values."""

from __future__ import annotations

import pytest
from cli_helpers import CUSTOMERS, EVENTS, TOUCHPOINTS, query_json, query_refused
from small_store import small_store


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("acli") / "q.duckdb"
    small_store(path, name="q.csv", touchpoints=TOUCHPOINTS, customers=CUSTOMERS,
                events=EVENTS).close()
    return str(path)


def by_name(rows, key="touchpoint"):
    return {r[key]: (pytest.approx(r["conversions"]), pytest.approx(r["share"]), r["revenue"])
            for r in rows}


def test_last_and_first_touch(capsys, db):
    # One conversion (a), path ad > site: the checkout itself earns nothing.
    rows = query_json(capsys, db, "attribution", "--model", "last")
    assert rows == [
        {"touchpoint": "site", "conversions": 1.0, "share": 1.0, "revenue": 40.0},
        {"touchpoint": "ad", "conversions": 0.0, "share": 0.0, "revenue": 0.0},
    ]
    rows = query_json(capsys, db, "attribution", "--model", "first")
    assert rows[0] == {"touchpoint": "ad", "conversions": 1.0, "share": 1.0, "revenue": 40.0}


def test_markov_and_shapley(capsys, db):
    # Chain: start -> ad 1; ad -> site 2/3, ad -> null 1/3; site -> conv 1/2, null 1/2.
    # Removing either loses every conversion: effects 1 and 1, half each.
    rows = query_json(capsys, db, "attribution", "--model", "markov")
    assert {r["touchpoint"]: r["conversions"] for r in rows} == pytest.approx(
        {"ad": 0.5, "site": 0.5})
    # Shapley: sets {ad} (c: 0 of 1) and {ad, site} (a and b: 1 of 2): the dividend 1/2 of
    # {ad, site} splits in halves; credits are the shares of the one conversion.
    rows = query_json(capsys, db, "attribution", "--model", "shapley")
    assert {r["touchpoint"]: r["revenue"] for r in rows} == pytest.approx(
        {"ad": 20.0, "site": 20.0})


def test_channel_level_time_decay_and_lookback(capsys, db):
    # a: ad (social) 2 days before the checkout, site (web) 1 day: with a half-life of 1 day
    # the weights are 1/4 and 1/2, so social 1/3 and web 2/3.
    rows = query_json(capsys, db, "attribution", "--model", "time_decay", "--level", "channel",
                 "--half-life-days", "1")
    assert {r["channel"]: r["conversions"] for r in rows} == pytest.approx(
        {"social": 1 / 3, "web": 2 / 3})
    # A 1.5-day lookback leaves site alone before a's conversion.
    rows = query_json(capsys, db, "attribution", "--model", "first", "--lookback-days", "1.5")
    assert {r["touchpoint"]: r["conversions"] for r in rows} == {"site": 1.0, "ad": 0.0}


def test_filters_apply(capsys, db):
    # Seniors: c alone, who did not convert: nothing to credit, revenue unknown.
    rows = query_json(capsys, db, "attribution", "--model", "linear", "--persona", "Senior")
    assert rows == [{"touchpoint": "ad", "conversions": 0.0, "share": 0.0, "revenue": None}]
    rows = query_json(capsys, db, "attribution", "--model", "linear", "--persona", "Parent")
    assert sum(r["conversions"] for r in rows) == 1.0


def test_fix_first(capsys, db):
    rows = query_json(capsys, db, "fix-first")
    # Each stage has one touchpoint here, so none is above its stage's median: ranked by lost
    # (ad: c ends there; site: b ends there), then by name.
    assert [r["touchpoint"] for r in rows] == ["ad", "site", "checkout"]
    ad = rows[0]
    assert (ad["rank"], ad["passing"], ad["lost"]) == (1, 3, 1)
    assert ad["dropoff_rate"] == pytest.approx(100 / 3)
    assert ad["extra_conversions"] == 0.0 and ad["removal_effect"] == pytest.approx(1.0)
    # Every journey passes ad: no "not passing" side to compare with.
    assert ad["conversion_not_passing"] is None and ad["conversion_difference"] is None
    assert len(query_json(capsys, db, "fix-first", "--top", "1")) == 1


@pytest.mark.parametrize("args, message", [
    (["attribution"], "needs --model"),
    (["attribution", "--model", "last", "--level", "stage"], "touchpoint or by channel"),
    (["attribution", "--model", "time_decay", "--half-life-days", "0"], "above 0"),
    (["attribution", "--model", "last", "--lookback-days", "-3"], "above 0"),
    (["sankey", "--level", "channel"], "touchpoint or by stage"),
])
def test_bad_options_say_so(capsys, db, args, message):
    assert message in query_refused(capsys, db, *args)
