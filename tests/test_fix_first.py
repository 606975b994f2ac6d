"""analytics/fix_first.py: the ranked "what to fix first" table, every figure by hand."""

from __future__ import annotations

import datetime as dt

import pytest
from small_store import small_store

from journey.analytics import flows, stats
from journey.analytics.filters import Filters
from journey.analytics.fix_first import COLUMNS, fix_first, is_noise

T0 = dt.datetime(2024, 2, 1, 9, 0)
TOUCHPOINTS = [
    ("ad", "awareness", "social", True),
    ("mail", "awareness", "e-mail", True),
    ("site", "consideration", "web", True),
    ("chat", "consideration", "web", True),
    ("checkout", "purchase", "web", True),
]
# 4 x ad > site > checkout, 2 x ad > site, 1 x ad, 2 x mail > chat, 1 x mail > site > checkout.
PATHS = [["ad", "site", "checkout"]] * 4 + [["ad", "site"]] * 2 + [["ad"]] \
    + [["mail", "chat"]] * 2 + [["mail", "site", "checkout"]]


def events():
    out = []
    for i, path in enumerate(PATHS):
        for k, tp in enumerate(path):
            out.append((f"c{i}", T0 + dt.timedelta(hours=k), tp, "mobile", None))
    return out


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    s = small_store(tmp_path_factory.mktemp("ff") / "f.duckdb", events=events(),
                    touchpoints=TOUCHPOINTS)
    yield s
    s.close()


def test_the_ranked_table_by_hand(store):
    df = fix_first(store.cursor(), Filters())
    assert list(df.columns) == COLUMNS
    # chat: 2 lost of 2 (100 %) vs the consideration median (28.6 + 100) / 2 = 64.3 %:
    # 2 x 0.357 journeys kept; nobody went on from chat, so they convert like everyone
    # (5 of 10): 0.357 extra. ad: 1 of 7 (14.3 %) vs the awareness median (14.3 + 0) / 2:
    # 7 x 0.0714 = 0.5 kept, converting like those who went on from ad (4 of 6): 1/3 extra.
    # Then by lost: site (2), then checkout and mail (0) by name.
    assert list(df["touchpoint"]) == ["chat", "ad", "site", "checkout", "mail"]
    assert list(df["rank"]) == [1, 2, 3, 4, 5]
    row = df.set_index("touchpoint")
    assert row.loc["chat", "extra_conversions"] == pytest.approx(2 * (1 - (2 / 7 + 1) / 2) * 0.5)
    assert row.loc["ad", "extra_conversions"] == pytest.approx(7 * (1 / 7 - 1 / 14) * 4 / 6)
    assert row.loc["site", "extra_conversions"] == 0.0
    assert row.loc["ad", "stage_median_dropoff"] == pytest.approx(100 / 14)
    assert row.loc["ad", "dropoff_margin"] == pytest.approx(stats.wilson_margin(7, 1))
    assert row.loc["ad", "extra_margin"] == pytest.approx(
        7 * stats.wilson_margin(7, 1) / 100 * 4 / 6)
    # Passing ad: 4 of 7 convert; not passing: 1 of 3 (mail > site > checkout).
    assert row.loc["ad", "conversion_passing"] == pytest.approx(400 / 7)
    assert row.loc["ad", "conversion_not_passing"] == pytest.approx(100 / 3)
    d = stats.proportion_difference(3, 1, 7, 4)
    assert row.loc["ad", "conversion_difference"] == pytest.approx(400 / 7 - 100 / 3)
    assert row.loc["ad", "difference_margin"] == pytest.approx(d.margin)
    # Markov (paths before checkout): P = (.7 x 6/7 + .3 x 1/3) x 5/7 = 1/2. Without site: 0
    # (effect 1); without ad: .1 x 5/7 (effect 6/7); without mail: .6 x 5/7 (effect 1/7);
    # chat cannot reach a conversion (0); checkout is the conversion itself (0).
    assert row["removal_effect"].to_dict() == pytest.approx(
        {"site": 1.0, "ad": 6 / 7, "mail": 1 / 7, "chat": 0.0, "checkout": 0.0})
    assert row.loc["ad", "removal_conversions"] == pytest.approx(5 * 6 / 7)
    # Every row is under 30 journeys: flagged, and read as noise.
    assert df["small"].all() and is_noise(df.iloc[0])


def test_lost_and_passing_are_the_dropoff_figures(store):
    for f in (Filters(), Filters(devices=["mobile"]), Filters(since="2024-01-01")):
        mine = fix_first(store.cursor(), f).set_index("touchpoint")
        theirs = flows.dropoffs(store.cursor(), f).set_index("touchpoint")
        assert mine["passing"].to_dict() == theirs["passing"].to_dict()
        assert mine["lost"].to_dict() == theirs["ending"].to_dict()


def test_top_and_an_empty_scope(store):
    assert list(fix_first(store.cursor(), Filters(), top=2)["touchpoint"]) == ["chat", "ad"]
    empty = fix_first(store.cursor(), Filters(personas=["Nobody"]))
    assert empty.empty and list(empty.columns) == COLUMNS
