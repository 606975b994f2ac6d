"""Workshop mode in Chromium: genuinely larger text (metric values, st.text lines, captions),
no controls, and the "exit workshop mode" link back to the same view with its sidebar."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

SIZES = """(sel) => {
    const el = document.querySelector('[data-testid="stMain"] ' + sel);
    return el ? parseFloat(getComputedStyle(el).fontSize) : null;
}"""


def _size(page, selector: str) -> float | None:
    return page.evaluate(SIZES, selector)


def _sizes(page) -> dict[str, float | None]:
    return {
        "metric": _size(page, '[data-testid="stMetricValue"] p')
        or _size(page, '[data-testid="stMetricValue"]'),
        "metric_label": _size(page, '[data-testid="stMetricLabel"] p'),
        "caption": _size(page, '[data-testid="stCaptionContainer"]'),
        "text": _size(page, '[data-testid="stText"]'),
        "h1": _size(page, "h1"),
    }


def test_workshop_mode_is_larger_and_exits(app_server, browser_demo_db, page, wait_idle,
                                           screenshot, assert_no_exception) -> None:
    base = app_server(browser_demo_db)
    page.set_viewport_size({"width": 1920, "height": 1080})

    # The normal view first, for the sizes to compare with.
    page.goto(base + "/journey-map?map_persona=Busy+parent&lang=en")
    wait_idle(page)
    normal = _sizes(page)

    page.goto(base + "/journey-map?map_persona=Busy+parent&lang=en&workshop=1")
    wait_idle(page)
    assert_no_exception(page)
    page.get_by_text("Journey map — Busy parent").first.wait_for()
    big = _sizes(page)
    for key in ("metric", "metric_label", "caption", "text", "h1"):
        assert normal[key] and big[key], (key, normal, big)
        assert big[key] >= normal[key] * 1.15, (key, normal[key], big[key])
    assert page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').count() == 0
    assert page.get_by_role("combobox").count() == 0  # no controls when projecting
    # No download buttons (the charts' own hover toolbars stay).
    assert page.get_by_test_id("stDownloadButton").count() == 0
    screenshot(page, "workshop-journey-map")

    page.goto(base + "/overview?persona=Busy+parent&lang=en&workshop=1")
    wait_idle(page)
    assert_no_exception(page)
    expect(page.locator("h1").first).to_have_text("Overview")
    overview = _sizes(page)
    assert overview["metric"] >= 48, overview  # 3.4rem: readable from the back of a room
    assert page.get_by_test_id("stDownloadButton").count() == 0
    screenshot(page, "workshop-overview")

    # Exit: the same page and filters, with the sidebar and normal sizes back.
    page.get_by_role("link", name="Exit workshop mode").click()
    page.wait_for_url(lambda url: "workshop" not in url, timeout=90_000)
    wait_idle(page)
    assert_no_exception(page)
    expect(page.locator("h1").first).to_have_text("Overview")
    assert "persona=Busy+parent" in page.url
    chips = page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]')
    expect(chips.first).to_contain_text("Busy parent")
    assert _sizes(page)["metric"] < overview["metric"]
    assert page.get_by_role("link", name=re.compile("Workshop mode")).count() == 1

    # And the map's own persona survives a round trip through the links.
    page.goto(base + "/journey-map?map_persona=Busy+parent&lang=en&workshop=1")
    wait_idle(page)
    page.get_by_role("link", name="Exit workshop mode").click()
    page.wait_for_url(lambda url: "workshop" not in url, timeout=90_000)
    wait_idle(page)
    assert "map_persona=Busy+parent" in page.url
    page.get_by_text("Journey map — Busy parent").first.wait_for()
    assert not page.dialogs
