"""Touchpoint network page (AppTest): the iframe HTML, the slider, filters, empty states."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from journey.present import flow_charts

PAGE = "views/network.py"


def _no_errors(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _iframe_html(at: AppTest) -> str:
    frames = at.get("iframe")
    assert len(frames) == 1, "one network iframe"
    proto = frames[0].proto
    return proto.srcdoc or proto.src


def _edges(page: str) -> int:
    import json
    import re

    m = re.search(r"edges = new vis\.DataSet\((.*?)\);", page, flags=re.S)
    return len(json.loads(m.group(1))) if m else 0


def test_network_demo_renders(demo_db, app_test):
    at = app_test(demo_db, page=PAGE)
    _no_errors(at)
    page = _iframe_html(at)
    nodes = flow_charts.network_data_json(page)
    assert len(nodes) > 10
    assert "new vis.Network" in page and "cdn.jsdelivr.net" not in page
    assert at.get("html"), "the stage legend"
    assert any("n = 300" in c.value or "300" in c.value for c in at.caption)
    assert at.dataframe


def test_min_transitions_slider_changes_edges(demo_db, app_test):
    at = app_test(demo_db, page=PAGE)
    before = _edges(_iframe_html(at))
    slider = at.slider(key="network_min")
    slider.set_value(slider.value + 10).run()
    _no_errors(at)
    after = _edges(_iframe_html(at))
    assert after < before
    assert "network_min" in at.query_params


def test_physics_toggle(demo_db, app_test):
    at = app_test(demo_db, page=PAGE)
    assert '"enabled": true' in _iframe_html(at).split("var options = ", 1)[1][:3000]
    at.toggle(key="network_physics").set_value(False).run()
    _no_errors(at)
    page = _iframe_html(at)
    assert all("x" in n and "y" in n for n in flow_charts.network_data_json(page))


def test_sidebar_filter_changes_network(demo_db, app_test):
    at = app_test(demo_db, page=PAGE)
    before = flow_charts.network_data_json(_iframe_html(at))
    persona = at.multiselect(key="sb_persona").options[0]
    at.multiselect(key="sb_persona").set_value([persona]).run()
    _no_errors(at)
    after = flow_charts.network_data_json(_iframe_html(at))
    assert [n["size"] for n in before] != [n["size"] for n in after]


def test_network_empty_store(empty_db, app_test):
    at = app_test(empty_db, page=PAGE)
    _no_errors(at)
    assert not at.get("iframe")
    assert at.info


def test_filters_matching_nothing_show_the_empty_state(demo_db, app_test):
    at = app_test(demo_db, page=PAGE, query_params={
        "since": "2026-06-30", "until": "2026-06-30", "persona": "Cautious senior",
        "device": "tablet", "outcome": "converted"})
    _no_errors(at)
    assert not at.get("iframe") and not at.dataframe
    assert "Nothing matches these filters" in " ".join(i.value for i in at.info)
