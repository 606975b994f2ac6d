"""What the NPS page reads on a rerun: the themes by stage and the drivers only while their
section is open (one click, kept in the link), and the scores by group from the same query
as the stacked bars. Page figures are compared with the core's own answer on the same store,
never with demo figures."""

from __future__ import annotations

import functools

import pytest
from app_helpers import direct, run_clean

from journey import i18n
from journey.analytics import compare, drivers, metrics, themes

PAGE = "views/nps.py"


@pytest.fixture()
def calls(monkeypatch):
    """How many times the page ran each of these core functions (not cached ones)."""
    seen: dict[str, int] = {}

    def count(module, name):
        fn = getattr(module, name)

        @functools.wraps(fn)
        def counting(*args, **kw):
            seen[name] = seen.get(name, 0) + 1
            return fn(*args, **kw)

        monkeypatch.setattr(module, name, counting)

    count(drivers, "drivers")
    count(themes, "by_stage")
    count(compare, "groups")
    return seen


def _param(at, key: str) -> str | None:
    if key not in at.query_params:
        return None
    value = at.query_params[key]
    return value[-1] if isinstance(value, list) else value


def test_the_themes_figures_are_read_only_when_opened(app_test, writable_demo_db, calls):
    # A store of its own: no other test's cache answers for it.
    at = run_clean(app_test, writable_demo_db, PAGE)
    label = i18n.t("instant2.themes_figures", "en")
    folded = [e for e in at.expander if e.label == label]
    assert len(folded) == 1
    assert calls.get("drivers", 0) == 0 and calls.get("by_stage", 0) == 0
    assert i18n.t("themes.drivers", "en") not in [s.value for s in at.main.subheader]
    assert _param(at, "nps_themes") is None
    at.session_state["themes_w_figures"] = True  # what opening the expander sends
    at.run()
    assert not at.exception and not at.error
    assert calls["drivers"] >= 1 and calls["by_stage"] >= 1
    assert i18n.t("themes.drivers", "en") in [s.value for s in at.main.subheader]
    assert _param(at, "nps_themes") == "1"
    # The drivers' table on the page is the core's, stage for stage (the default stage).
    core = direct(writable_demo_db, drivers.drivers, by="stage")
    table = next(d.value for d in at.dataframe if i18n.t("themes.col.impact", "en")
                 in d.value.columns)
    stage = at.selectbox(key="themes_w_stage").value
    part = core[(core["scope"] == "stage") & (core["group"] == stage)]
    assert list(table[i18n.t("charts.n", "en")]) == [int(n) for n in part["n"]]
    assert list(table[i18n.t("themes.theme", "en")]) == [str(x) for x in part["label"]]


def test_a_link_opens_the_themes_figures_in_french(app_test, demo_db):
    at = run_clean(app_test, demo_db, PAGE, nps_themes="1", lang="fr")
    assert i18n.t("themes.drivers", "fr") in [s.value for s in at.main.subheader]
    assert [e.label for e in at.expander if e.label == i18n.t("instant2.themes_figures", "fr")]


def test_scores_by_group_are_the_cores_from_one_query(app_test, writable_demo_db, calls):
    at = run_clean(app_test, writable_demo_db, PAGE)
    assert calls.get("groups", 0) == 0  # derived from the stacked bars' own frame
    at.session_state["nps_w_table"] = True  # open the numbers table
    at.run()
    core = direct(writable_demo_db, compare.groups, metric="nps", by="stage")
    table = at.expander[0].dataframe[0].value
    assert list(table[i18n.t("charts.n", "en")]) == [int(n) for n in core["n"]]
    assert list(table["NPS"]) == [round(float(x), 1) for x in core["nps"]]
    assert list(table[i18n.t("charts.vs_rest", "en")].fillna(-999)) == [
        -999 if x != x else round(float(x), 1) for x in core["diff"]]
    overall = direct(writable_demo_db, metrics.nps, by=None).iloc[0]
    assert f"n = {i18n.fmt_int(int(overall['n']), 'en')}" in at.metric[0].label
