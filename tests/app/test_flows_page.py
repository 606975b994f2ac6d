"""Flows page (AppTest): the Sankey spec, controls, drill-down from the URL, empty states."""

from __future__ import annotations

import json
import re

from streamlit.testing.v1 import AppTest

PAGE = "views/flows.py"


def _spec(at: AppTest) -> dict:
    charts = at.get("echarts_chart")
    assert len(charts) == 1, "one Sankey on the page"
    return json.loads(charts[0].proto.spec)


def _node_ids(at: AppTest) -> list[str]:
    return [d["name"] for d in _spec(at)["series"][0]["data"]]


def _no_errors(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def test_flows_demo_renders(demo_db, app_test):
    at = app_test(demo_db, page=PAGE)
    _no_errors(at)
    spec = _spec(at)
    series = spec["series"][0]
    assert series["type"] == "sankey"
    ids = _node_ids(at)
    # "<step> · <name>" for a touchpoint, "<step> | #other" / "<step> | #drop-off" otherwise.
    assert ids and all(re.match(r"^\d+( · | \| #)", i) for i in ids)
    assert any(" · " in i for i in ids)
    assert max(d["depth"] for d in series["data"]) == 4  # 5 steps by default
    assert spec["toolbox"]["feature"]["saveAsImage"]["pixelRatio"] == 2
    # caption with n under the chart, and the two tables
    assert any("300" in c.value for c in at.caption)
    assert len(at.dataframe) == 2
    assert len(at.get("download_button")) >= 3


def test_steps_and_level_change_the_chart(demo_db, app_test):
    at = app_test(demo_db, page=PAGE)
    before = _node_ids(at)
    at.slider(key="flows_steps").set_value(3).run()
    _no_errors(at)
    after = _node_ids(at)
    assert max(int(re.match(r"\d+", i).group()) for i in after) == 3
    assert len(after) < len(before)
    assert at.query_params.get("flows_steps") in ("3", ["3"])

    at.button_group(key="flows_level").set_value("stage").run()
    _no_errors(at)
    data = _spec(at)["series"][0]["data"]
    labels = {d["label"]["formatter"] for d in data}
    assert "Awareness" in labels  # localised stage labels, not keys
    assert at.query_params.get("flows_level") in ("stage", ["stage"])


def test_sidebar_filter_changes_paths(demo_db, app_test):
    at = app_test(demo_db, page=PAGE)
    paths_before = at.dataframe[0].value
    persona = at.multiselect(key="sb_persona").options[0]
    at.multiselect(key="sb_persona").set_value([persona]).run()
    _no_errors(at)
    paths_after = at.dataframe[0].value
    assert not paths_before.equals(paths_after)
    assert any(persona in c.value for c in at.caption)


def _node(demo_db: str, filters, node_id: str, **kw) -> dict:
    from journey.analytics import flows
    from journey.db.store import Store

    with Store(demo_db) as store:
        sk = flows.sankey(store.cursor(), filters, **kw)
    return next(n for n in sk["nodes"] if n["id"] == node_id)


def test_url_restores_controls_and_the_selection_under_a_device_filter(demo_db, app_test):
    from journey import i18n
    from journey.analytics import flows
    from journey.analytics.filters import Filters

    node = _node(demo_db, Filters(devices=["mobile"]), "2 · Product page", steps=4)
    drill = flows.Drill(2, "node", "Product page", steps=4)
    at = app_test(demo_db, page=PAGE, query_params={
        "flows_steps": "4", "flows_drill": drill.to_text(), "device": "mobile", "lang": "fr",
    })
    _no_errors(at)
    assert at.slider(key="flows_steps").value == 4
    n = i18n.fmt_int(node["customers"], "fr")
    badges = " ".join(m.value for m in at.markdown)
    assert f"les {n} parcours de Product page (pas 2)" in badges
    # The drilled view's n is the clicked node's number, not "journeys through Product page".
    assert any(f"n = {n}" in c.value and "Product page" in c.value for c in at.caption)
    drawn = _spec(at)["series"][0]["data"]
    assert sum(d["value"] for d in drawn if d["depth"] == 0) == node["customers"]
    listed = {b.key: b.proto.label for b in at.get("download_button")}
    assert listed["dl_csv_parcours-selected-journeys"] == f"Télécharger ces {n} parcours (CSV)"
    # the clear button removes it
    at.button(key="flows_clear_drill").click().run()
    _no_errors(at)
    assert "flows_drill" not in at.query_params


def test_a_selection_that_no_longer_fits_is_said_and_dropped(demo_db, app_test):
    at = app_test(demo_db, page=PAGE, query_params={
        "flows_drill": '[2,"node","No such page",null,null,5,8,null,null]'})
    _no_errors(at)
    assert any("no longer fits" in w.value for w in at.warning)
    assert "flows_drill" not in at.query_params


def test_french_numbers_and_labels(demo_db, app_test):
    at = app_test(demo_db, page=PAGE, query_params={"lang": "fr"})
    _no_errors(at)
    data = _spec(at)["series"][0]["data"]
    tips = " ".join(d["tooltip"]["formatter"] for d in data)
    assert "%" in tips and "," in tips  # decimal comma
    assert any(d["label"]["formatter"] == "Abandon" for d in data)


def test_bad_url_values_are_ignored(demo_db, app_test):
    at = app_test(demo_db, page=PAGE, query_params={
        "flows_steps": "99", "flows_level": "nonsense", "flows_start": "No such touchpoint",
        "flows_gap": "forever",
    })
    _no_errors(at)
    assert at.slider(key="flows_steps").value == 15
    assert at.selectbox(key="flows_start").value is None


def test_anchor_with_nothing_matching_shows_empty_state(demo_db, app_test):
    at = app_test(demo_db, page=PAGE, query_params={"outcome": "converted"})
    _no_errors(at)
    end = at.selectbox(key="flows_end").options[0]
    at.selectbox(key="flows_end").set_value(end).run()
    _no_errors(at)
    # Either the journeys that end there, said in the caption, or the "nothing matches" panel.
    if at.get("echarts_chart"):
        assert f"ending at {end}" in at.caption[0].value
        assert at.query_params.get("flows_end") in (end, [end])
    else:
        assert "Nothing matches these filters" in " ".join(i.value for i in at.info)


def test_filters_matching_nothing_show_the_empty_state(demo_db, app_test):
    at = app_test(demo_db, page=PAGE, query_params={
        "since": "2026-06-30", "until": "2026-06-30", "persona": "Cautious senior",
        "device": "tablet", "outcome": "converted"})
    _no_errors(at)
    assert not at.get("echarts_chart") and not at.dataframe
    assert "Nothing matches these filters" in " ".join(i.value for i in at.info)


def test_flows_empty_store(empty_db, app_test):
    at = app_test(empty_db, page=PAGE)
    _no_errors(at)
    assert not at.get("echarts_chart")
    assert at.info  # the empty state
