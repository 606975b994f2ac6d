"""The NPS page's sections in a real Chromium (issue 14, item 4): a control inside a section
reruns that section (a fragment) and still keeps its value in the address bar; the per-stage
and per-drop-off tables are read when their expander is opened, and the link remembers it."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

pytestmark = pytest.mark.browser

POINTS = "NPS and sentiment by stage and by drop-off point"


def _query(page) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query)


def test_a_section_control_keeps_its_link(app_server, browser_demo_db, page, wait_idle,
                                          assert_no_exception) -> None:
    base = app_server(browser_demo_db)
    page.goto(f"{base}/nps?lang=en")
    wait_idle(page)
    charts = page.locator('[data-testid="stVegaLiteChart"]').count()
    assert "nps_trend" not in _query(page)
    # The sentiment period, inside its own fragment: a week's grain in the link.
    page.get_by_text("Week", exact=True).first.click()
    page.wait_for_function("() => location.search.includes('nps_trend=week')", timeout=30_000)
    wait_idle(page)
    assert_no_exception(page)
    assert _query(page)["nps_trend"] == ["week"]
    # The rest of the page is still drawn (a fragment rerun keeps it).
    assert page.locator('[data-testid="stVegaLiteChart"]').count() == charts


def test_the_stage_and_dropoff_tables_when_opened(app_server, browser_demo_db, page,
                                                  wait_idle, assert_no_exception) -> None:
    base = app_server(browser_demo_db)
    page.goto(f"{base}/nps?lang=en")
    wait_idle(page)
    box = page.locator('[data-testid="stExpander"]', has_text=POINTS)
    assert box.locator('[data-testid="stDataFrame"]').count() == 0  # not read: folded
    box.locator("summary").click()
    page.wait_for_function("() => location.search.includes('nps_points=1')", timeout=30_000)
    wait_idle(page)
    assert_no_exception(page)
    box.locator('[data-testid="stDataFrame"]').nth(1).wait_for(timeout=30_000)
    assert box.locator('[data-testid="stDataFrame"]').count() == 2
    # The link reopens it, tables read.
    page.goto(f"{base}/nps?lang=en&nps_points=1")
    wait_idle(page)
    box = page.locator('[data-testid="stExpander"]', has_text=POINTS)
    box.locator('[data-testid="stDataFrame"]').nth(1).wait_for(timeout=30_000)
    assert box.locator('[data-testid="stDataFrame"]').count() == 2
