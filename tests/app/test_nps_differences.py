"""The NPS page's comparisons carry their margins (issue #10, item 6): each group against the
rest of the selection, each month against the one before, the same numbers as the core."""

from __future__ import annotations

from app_helpers import direct

from journey.analytics import compare

PAGE = "views/nps.py"


def test_groups_and_months_show_their_difference_with_its_margin(app_test, demo_db) -> None:
    # nps_table=1: the link opens the numbers table (made only when open).
    at = app_test(demo_db, page=PAGE, query_params={"nps_by": "persona", "nps_table": "1"})
    assert not at.exception and not at.error, [e.value for e in at.error]
    table = at.expander[0].dataframe[0].value
    core = direct(demo_db, compare.groups, metric="nps", by="persona")
    assert list(table["Vs the rest of the selection"]) == list(core["diff"].round(1))
    assert list(table["Margin of the difference (95%)"]) == list(core["diff_margin"].round(1))
    verdicts = ["could be noise" if x else "yes" for x in core["diff_noise"]]
    assert list(table["Beyond the noise?"]) == verdicts
    captions = [c.value for c in at.caption]
    assert any(c.startswith("Each group is compared with the rest of the selection")
               for c in captions)
    months = direct(demo_db, compare.trend)
    assert len(months) > 1
    assert any(c.startswith("Each month is compared with the month before") for c in captions)
    # Every month but the first has a difference from the one before.
    assert months["diff"].iloc[1:].notna().all() and months["diff"].isna().iloc[0]
