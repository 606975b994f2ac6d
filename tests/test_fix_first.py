"""analytics/fix_first.py: the ranked "what to fix first" table, every figure by hand."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

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
    # Its margin: a seeded bootstrap, so the same data gives the same margin; checkout (the
    # conversion itself) is on no path: exactly 0.
    assert (row["removal_margin"] >= 0).all() and row.loc["checkout", "removal_margin"] == 0.0
    again = fix_first(store.cursor(), Filters()).set_index("touchpoint")
    assert again["removal_margin"].to_dict() == row["removal_margin"].to_dict()
    skipped = fix_first(store.cursor(), Filters(), margins=False)
    assert skipped["removal_margin"].isna().all()
    # Every row is under 30 journeys: flagged, and read as noise.
    assert df["small"].all() and is_noise(df.iloc[0])


def test_lost_and_passing_are_the_dropoff_figures(store):
    for f in (Filters(), Filters(devices=["mobile"]), Filters(since="2024-01-01")):
        mine = fix_first(store.cursor(), f).set_index("touchpoint")
        theirs = flows.dropoffs(store.cursor(), f).set_index("touchpoint")
        assert mine["passing"].to_dict() == theirs["passing"].to_dict()
        assert mine["lost"].to_dict() == theirs["ending"].to_dict()


def test_without_the_removal_effect_every_other_figure_is_the_same(store):
    # The journey map's suggestions skip the Markov chain: same rows, same ranks, same
    # counts and rates by hand (chat first, then ad), removal columns left empty.
    for f in (Filters(), Filters(devices=["mobile"]), Filters(personas=["Nobody"])):
        full = fix_first(store.cursor(), f, margins=False)
        lean = fix_first(store.cursor(), f, margins=False, removal=False)
        kept = [c for c in COLUMNS if not c.startswith("removal")]
        assert lean[kept].equals(full[kept])
        assert lean[["removal_effect", "removal_margin", "removal_conversions"]].isna().all(
            axis=None)
    lean = fix_first(store.cursor(), Filters(), removal=False).set_index("touchpoint")
    assert list(lean.index) == ["chat", "ad", "site", "checkout", "mail"]
    assert lean.loc["ad", "extra_conversions"] == pytest.approx(7 * (1 / 7 - 1 / 14) * 4 / 6)


def test_the_precomputed_steps_and_the_computed_ones_count_alike(store):
    # Filters() reads the precomputed steps (first_visit flags), a device filter computes
    # them from the events: on this store (every event on mobile) the same journeys.
    pre = fix_first(store.cursor(), Filters(), removal=False)
    computed = fix_first(store.cursor(), Filters(devices=["mobile"]), removal=False)
    cols = ["touchpoint", "stage", "passing", "lost", "dropoff_rate", "conversion_passing",
            "extra_conversions"]
    assert pre[cols].equals(computed[cols])
    # Passing ad: 7 journeys, 4 of them converted (56 = 4 x 100 / 7, to the digit).
    row = pre.set_index("touchpoint").loc["ad"]
    assert (row["passing"], row["lost"]) == (7, 1)
    assert row["conversion_passing"] == pytest.approx(400 / 7)


def test_top_and_an_empty_scope(store):
    assert list(fix_first(store.cursor(), Filters(), top=2)["touchpoint"]) == ["chat", "ad"]
    empty = fix_first(store.cursor(), Filters(personas=["Nobody"]))
    assert empty.empty and list(empty.columns) == COLUMNS


# -- on the journey map: "suggested from data", beside the team's note ------------------------
def test_the_map_shows_the_top_fixes_apart_from_the_notes(tmp_path):
    from journey.analytics import journey_map
    from journey.present import map_export

    s = small_store(tmp_path / "m.duckdb", events=events(), touchpoints=TOUCHPOINTS)
    try:
        s.set_note("awareness", "Test a shorter ad", None)
        jm = journey_map.build_map(s.cursor(), Filters(), lang="en")
        by = {c.stage: c for c in jm.stages}
        # The two rows with extra conversions, each on its stage; the note is untouched.
        assert [g.touchpoint for g in by["consideration"].suggestions] == ["chat"]
        assert [g.touchpoint for g in by["awareness"].suggestions] == ["ad"]
        assert by["awareness"].opportunity == "Test a shorter ad"
        assert by["purchase"].suggestions == ()
        ad = by["awareness"].suggestions[0]
        assert ad.rank == 2 and ad.extra_conversions == pytest.approx(1 / 3) and ad.noise
        lines = map_export.opportunity_lines(by["awareness"], "en", chars=200, max_lines=6)
        assert lines[0] == "Test a shorter ad"
        assert lines[1] == "Suggested from data"
        assert lines[2].startswith("ad: +0 ± ") and "(could be noise)" in lines[2]
        # A long note keeps its lines; the suggestion gets what room is left.
        long_note = dataclasses.replace(by["awareness"], opportunity="word " * 400)
        lines = map_export.opportunity_lines(long_note, "en", chars=40, max_lines=6)
        # Three lines of note (cut with an ellipsis), the heading, two lines of suggestion.
        assert len(lines) == 6 and lines[2].endswith("…") and lines[3] == "Suggested from data"
        slide = json.dumps(map_export.map_to_vegalite(jm, lang="en"), ensure_ascii=False)
        assert "Suggested from data" in slide and "Test a shorter ad" in slide
        page = map_export.to_html(jm, "en")
        assert page.count("Suggested from data") >= 2 and "Test a shorter ad" in page
    finally:
        s.close()
