"""Every comparison a page shows carries its 95% margin (issue #10, item 6): groups side by
side against the rest of the selection, months against the month before. Worked by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from small_store import small_store

from journey.analytics import compare
from journey.analytics.filters import Filters
from journey.present import stat_charts


def nps_table(*groups: tuple[str, int, int, int]) -> pd.DataFrame:
    """(group, promoters, passives, detractors) rows, as `metrics.nps` returns them."""
    rows = [{"persona": g, "n": p + q + d, "promoters": p, "passives": q, "detractors": d,
             "nps": (p - d) / (p + q + d) * 100} for g, p, q, d in groups]
    return pd.DataFrame(rows)


def adjusted(p: int, d: int, n: int) -> tuple[float, float]:
    """Adjusted-Wald (NPS', variance) by hand: n' = n + 3, +3/4 on P and D."""
    na = n + 3
    pa, da = (p + 0.75) / na, (d + 0.75) / na
    return pa - da, (pa + da - (pa - da) ** 2) / na


def test_design_case_two_groups_is_noise() -> None:
    # DESIGN.md: A 90 answers 50/31/9 vs B 90 answers 45/35/10: ±19.52, within the noise.
    out = compare.versus_rest(nps_table(("A", 50, 31, 9), ("B", 45, 35, 10)), "nps")
    # B − A = 35/90 − 41/90 = −6.67 points (the plain difference; 6.45 adjusted).
    assert out["diff"].round(2).tolist() == [6.67, -6.67]
    assert out["diff_margin"].round(2).tolist() == [19.52, 19.52]
    assert out["diff_noise"].tolist() == [True, True]


def test_three_groups_each_against_the_other_two() -> None:
    # X 30: 15/10/5 (NPS 33.33) against Y+Z = 70: 15/30/25 (NPS −14.29): +47.62.
    out = compare.versus_rest(
        nps_table(("X", 15, 10, 5), ("Y", 5, 10, 15), ("Z", 10, 20, 10)), "nps")
    x = out.iloc[0]
    assert x["diff"] == pytest.approx(100 * (10 / 30 - (-10) / 70))
    assert round(x["diff"], 2) == 47.62
    (nx, vx), (nr, vr) = adjusted(15, 5, 30), adjusted(15, 25, 70)
    assert x["diff_margin"] == pytest.approx(196 * math.sqrt(vx + vr))
    assert round(x["diff_margin"], 2) == 30.67
    # Adjusted difference 44.00 > 30.67, both sides >= 30 answers: beyond the noise.
    assert round(100 * (nx - nr), 2) == 44.0 and not x["diff_noise"]
    # Z 40: 10/20/10 (NPS 0) against X+Y 60: 20/20/20 (NPS 0): no difference at all.
    z = out.iloc[2]
    assert z["diff"] == pytest.approx(0.0) and z["diff_noise"]


def test_a_small_side_is_noise_whatever_its_interval() -> None:
    # 10 answers all promoters vs 100 all detractors: a huge interval-clear gap, n < 30.
    out = compare.versus_rest(nps_table(("tiny", 10, 0, 0), ("big", 0, 0, 100)), "nps")
    assert out["diff"].round(1).tolist() == [200.0, -200.0]
    assert out["diff_noise"].tolist() == [True, True]


def test_one_group_has_nothing_to_compare_with() -> None:
    out = compare.versus_rest(nps_table(("only", 20, 10, 10)), "nps")
    assert math.isnan(out["diff"].iloc[0]) and not out["diff_noise"].iloc[0]


def test_csat_is_a_difference_of_rates() -> None:
    # 30 satisfied of 40 vs 30 of 60: 75 % − 50 % = +25 points. Agresti-Caffo:
    # p~ = 31/42 and 31/62, var = .7381·.2619/42 + .5·.5/62, margin 1.96·√var = 18.21.
    df = pd.DataFrame({"stage": ["a", "b"], "n": [40, 60], "satisfied": [30, 30],
                       "csat_pct": [75.0, 50.0], "margin": [0.0, 0.0]})
    out = compare.versus_rest(df, "csat")
    assert out["diff"].round(2).tolist() == [25.0, -25.0]
    assert out["diff_margin"].round(2).tolist() == [18.21, 18.21]
    assert out["diff_noise"].tolist() == [False, False]


def test_ces_compares_the_share_of_easy_answers() -> None:
    # 36 easy of 40 (90 %) vs 30 of 60 (50 %): +40 points.
    df = pd.DataFrame({"stage": ["a", "b"], "n": [40, 60], "mean": [6.1, 4.0],
                       "ease_pct": [90.0, 50.0]})
    out = compare.versus_rest(df, "ces")
    assert out["diff"].round(2).tolist() == [40.0, -40.0]
    assert not out["diff_noise"].any()


def test_a_month_against_the_month_before() -> None:
    # M1 40: 20/10/10 (NPS 25), M2 40: 10/10/20 (NPS −25): −50 points, margin 34.82.
    df = nps_table(("2026-01", 20, 10, 10), ("2026-02", 10, 10, 20)).rename(
        columns={"persona": "month"})
    out = compare.versus_previous(df)
    assert math.isnan(out["diff"].iloc[0]) and not out["diff_noise"].iloc[0]
    assert round(out["diff"].iloc[1], 2) == -50.0
    assert round(out["diff_margin"].iloc[1], 2) == 34.82
    assert not out["diff_noise"].iloc[1]


def test_groups_and_trend_read_the_store(tmp_path) -> None:
    # 3 customers' answers, persona-less: by stage awareness 2 (10, 9) vs purchase 1 (0).
    store = small_store(
        tmp_path / "c.duckdb",
        touchpoints=[("Ad", "awareness", "social", True), ("Cart", "purchase", "web", True)],
        events=[("a", "2026-01-01 10:00:00", "Ad", "mobile")],
        event_columns=("customer_id", "ts", "touchpoint", "device"),
        responses=[("a", "2026-01-02 10:00:00", "awareness", None, 10),
                   ("b", "2026-01-03 10:00:00", "awareness", None, 9),
                   ("c", "2026-02-03 10:00:00", "purchase", None, 0)],
        response_columns=("customer_id", "ts", "stage", "touchpoint", "nps"))
    try:
        by_stage = compare.groups(store.cursor(), Filters(), "nps", "stage")
        # awareness NPS 100 vs purchase −100: +200 points, but 2 and 1 answers: noise.
        assert by_stage["stage"].tolist() == ["awareness", "purchase"]
        assert by_stage["diff"].tolist() == [200.0, -200.0]
        assert by_stage["diff_noise"].all()
        months = compare.trend(store.cursor(), Filters())
        assert months["month"].tolist() == ["2026-01", "2026-02"]
        assert months["diff"].iloc[1] == -200.0 and months["diff_noise"].iloc[1]
    finally:
        store.close()


def test_charts_grey_out_what_could_be_noise() -> None:
    out = compare.versus_rest(nps_table(("A", 50, 31, 9), ("B", 45, 35, 10)), "nps")
    spec = stat_charts.nps_bars(out, by="persona", lang="en").to_dict()
    rows = next(iter(spec["datasets"].values()))
    assert [r["noise"] for r in rows] == [True, True]
    assert rows[0]["diff_text"] == "+6.7 ± 19.5 (could be noise)"
    text = str(spec)
    assert stat_charts.NOISE_COLOR in text and "Vs the rest of the selection" in text
    assert "could be noise (95% margin)" in text
    fr = stat_charts.nps_bars(out, by="persona", lang="fr").to_dict()
    rows = next(iter(fr["datasets"].values()))
    assert rows[1]["diff_text"] == "−6,7 ± 19,5 (peut-être du bruit)"


def test_the_command_line_gives_the_same_differences(tmp_path, capsys) -> None:
    import json

    from journey.cli import main

    db = tmp_path / "q.duckdb"
    small_store(
        db, touchpoints=[("Ad", "awareness", "social", True)],
        events=[("a", "2026-01-01 10:00:00", "Ad", "mobile")],
        event_columns=("customer_id", "ts", "touchpoint", "device"),
        responses=[("a", "2026-01-02 10:00:00", "awareness", None, 10),
                   ("b", "2026-01-03 10:00:00", "purchase", None, 0)],
        response_columns=("customer_id", "ts", "stage", "touchpoint", "nps")).close()
    assert main(["query", "nps", "--by", "stage", "--db", str(db), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["stage"], r["diff"], r["diff_noise"]) for r in rows] == [
        ("awareness", 200.0, True), ("purchase", -200.0, True)]


def test_a_month_bar_is_against_the_rest_and_a_trend_point_against_the_month_before() -> None:
    df = nps_table(("2026-01", 20, 10, 10), ("2026-02", 10, 10, 20)).rename(
        columns={"persona": "month"})
    bars = str(stat_charts.nps_bars(compare.versus_rest(df, "nps"), by="month",
                                    lang="en").to_dict())
    assert "Vs the rest of the selection" in bars and "Vs the month before" not in bars
    line = str(stat_charts.trend(compare.versus_previous(df), lang="en").to_dict())
    assert "Vs the month before" in line and "Vs the rest of the selection" not in line
