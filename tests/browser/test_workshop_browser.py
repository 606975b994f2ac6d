"""Workshop mode in Chromium: genuinely larger text (metric values, st.text lines, captions,
tables, page tabs, network labels, read from the computed styles), no sidebar, page tabs that
keep workshop mode, no editors or remove buttons, and the "exit workshop mode" link back to the
same view with its sidebar."""

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


# Every visible piece of text on the page (a text node's parent element), with its size.
SMALLEST = """() => {
    const out = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
        const node = walker.currentNode;
        const el = node.parentElement;
        if (!el || !node.textContent.trim()) continue;
        if (el.closest('script, style, [data-testid="stToolbar"], [data-testid="stStatusWidget"]'))
            continue;
        const box = el.getBoundingClientRect();
        const css = getComputedStyle(el);
        if (!box.width || !box.height || css.visibility === 'hidden' || css.display === 'none'
            || css.opacity === '0') continue;
        // Off-screen helpers (the "skip to content" link) and icon ligatures are not read.
        if (box.right <= 0 || box.bottom <= 0 || box.left >= innerWidth) continue;
        if (/Material/.test(css.fontFamily)) continue;
        out.push([parseFloat(css.fontSize), node.textContent.trim().slice(0, 40)]);
    }
    out.sort((a, b) => a[0] - b[0]);
    return out;
}"""
READABLE_PX = 18  # from 5 m on a 1920 × 1080 projector


def _too_small(page) -> list:
    return [item for item in page.evaluate(SMALLEST) if item[0] < READABLE_PX]


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


def test_entering_and_leaving_keeps_the_comparison(app_server, browser_demo_db, page,
                                                   wait_idle, assert_no_exception) -> None:
    """The map's second persona, just changed with its control, goes into workshop mode and
    comes back out (the links carry what the page wrote in this very run)."""
    base = app_server(browser_demo_db)
    page.goto(base + "/journey-map?map_persona=Busy+parent&map_compare=persona"
                     "&map_b_persona=Cautious+senior&lang=en")
    wait_idle(page)
    page.get_by_role("combobox", name=re.compile("Second persona")).click()
    page.get_by_role("option", name="Deal hunter").click()
    page.wait_for_url(re.compile(r"map_b_persona=Deal\+hunter"), timeout=90_000)
    wait_idle(page)

    page.get_by_role("link", name=re.compile("Workshop mode")).click()
    page.wait_for_url(re.compile(r"workshop=1"), timeout=90_000)
    wait_idle(page)
    assert_no_exception(page)
    assert "map_b_persona=Deal+hunter" in page.url, page.url
    page.get_by_text("B — Journey map — Deal hunter").first.wait_for()

    page.get_by_role("link", name="Exit workshop mode").click()
    page.wait_for_url(lambda url: "workshop" not in url, timeout=90_000)
    wait_idle(page)
    assert "map_b_persona=Deal+hunter" in page.url and "map_compare=persona" in page.url
    expect(page.get_by_role("combobox", name=re.compile("Second persona"))).to_have_value(
        "Deal hunter")
    page.get_by_text("B — Journey map — Deal hunter").first.wait_for()
    assert not page.dialogs


# (path, the short tab name of workshop mode, the page's heading)
PAGES = [("overview", "Overview", "Overview"), ("flows", "Flows", "Flows"),
         ("network", "Network", "Touchpoint network"), ("nps", "NPS", "NPS & voice of customer"),
         ("journey-map", "Map", "Journey map"), ("data", "Data", "Data")]


def _network_label_px(page) -> float:
    page.frame_locator("iframe").first.locator("#mynetwork canvas").wait_for()
    for frame in page.frames:
        if frame is not page.main_frame and frame.evaluate(
                "() => typeof network !== 'undefined'"):
            frame.wait_for_function("() => document.body.getAttribute('data-label-px')")
            return float(frame.evaluate("() => document.body.getAttribute('data-label-px')"))
    raise AssertionError("no network")


def test_every_page_is_readable_from_the_back_of_the_room(
        app_server, browser_demo_db, page, wait_idle, screenshot, assert_no_exception) -> None:
    """Through the page tabs, every page in workshop mode: no sidebar, no text under 18 px
    (tables, captions, tabs and all), network labels of 18 px or more on screen, and on the
    Data page nothing that edits or removes."""
    base = app_server(browser_demo_db)
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(base + "/overview?lang=en&workshop=1&persona=Busy+parent")
    wait_idle(page)
    tabs = page.get_by_test_id("stTopNav")
    for url, tab, title in PAGES:
        tabs.get_by_role("link", name=tab, exact=True).click()
        expect(page.locator("h1").first).to_have_text(title, timeout=90_000)
        wait_idle(page)
        assert_no_exception(page)
        # Still projecting, with the same filters, after a tab click.
        assert f"/{url}?" in page.url and "workshop=1" in page.url, page.url
        assert "persona=Busy+parent" in page.url, page.url
        assert page.get_by_test_id("stSidebar").count() == 0 or not page.get_by_test_id(
            "stSidebar").is_visible()
        assert page.get_by_test_id("stExpandSidebarButton").count() == 0 or not \
            page.get_by_test_id("stExpandSidebarButton").is_visible()
        assert _too_small(page) == [], (url, _too_small(page)[:12])
        if url == "overview":
            cells = page.locator('[data-testid="stTable"] td')
            assert cells.count() >= 10  # the tables are HTML tables, sized by CSS
            assert float(cells.first.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")) \
                >= 19
            assert page.get_by_test_id("stDataFrame").count() == 0
        if url == "network":
            assert _network_label_px(page) >= 18
        if url == "data":
            assert page.get_by_test_id("stFileUploader").count() == 0
            assert page.get_by_test_id("stDataFrame").count() == 0  # no editors
            assert page.get_by_test_id("stMain").get_by_role("button").count() == 0
            assert page.get_by_text("Remove demo data").count() == 0
        screenshot(page, f"workshop-{url}")
    assert not page.dialogs


TAB_TOPS = """() => [...document.querySelectorAll('[data-testid="stTopNav"] a')]
    .filter(a => a.getBoundingClientRect().width > 0)
    .map(a => [a.innerText.trim(), Math.round(a.getBoundingClientRect().top),
               Math.round(a.getBoundingClientRect().right)])"""


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_eight_tabs_fit_one_row_at_1440(app_server, browser_demo_db, page, wait_idle,
                                            assert_no_exception, lang: str) -> None:
    """Projecting from a 1440 px laptop: the eight page tabs stay on one row, all in view."""
    base = app_server(browser_demo_db)
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(base + f"/overview?lang={lang}&workshop=1")
    wait_idle(page)
    assert_no_exception(page)
    tabs = page.evaluate(TAB_TOPS)
    assert len(tabs) == 8, tabs
    assert len({top for _name, top, _right in tabs}) == 1, tabs
    assert max(right for _name, _top, right in tabs) <= 1440, tabs
