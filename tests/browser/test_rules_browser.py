"""Touchpoint rules in a real Chromium: write a rule on the Data page, preview it (before/after
Sankeys), apply it, and see the Flows page draw the new touchpoint name."""

from __future__ import annotations

import pytest
from sankey_ink import NODE_RUNS
from small_store import imported_store

pytestmark = pytest.mark.browser

CSV = """customer_id,timestamp,touchpoint,channel,device
c1,2026-01-01 10:00:00,Product page,web,mobile
c1,2026-01-01 10:05:00,Home page,web,mobile
c1,2026-01-01 10:10:00,Cart,web,mobile
c2,2026-01-02 10:00:00,Product page,web,desktop
c2,2026-01-02 10:05:00,Cart,web,desktop
c2,2026-01-02 10:10:00,Checkout,web,desktop
c3,2026-01-03 10:00:00,Product page,web,desktop
c3,2026-01-03 10:05:00,Checkout,web,desktop
"""


@pytest.fixture(scope="module")
def rules_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    return imported_store(tmp_path_factory.mktemp("rules") / "rules.duckdb",
                          CSV.encode(), "shop.csv")


def _first_step(page, wait_idle) -> str:
    """Click the Flows Sankey's one first-step node; the page names it: "Selected: X (step 1),
    3 journeys"."""
    page.wait_for_selector(".stEChartsChart canvas")
    page.wait_for_timeout(1200)  # the Sankey's entry animation
    box = page.evaluate(NODE_RUNS, [18])  # every journey here starts at one node
    assert len(box["runs"]) == 1, box
    top, bottom = box["runs"][0]
    page.mouse.click(box["left"] + 18, box["top"] + (top + bottom) / 2)
    wait_idle(page)
    selected = page.get_by_text("Selected:")
    selected.wait_for()
    return selected.inner_text()


def test_write_preview_apply_and_flows_change(
    rules_db, app_server, page, wait_idle, screenshot, assert_no_exception
):
    base = app_server(rules_db, PARCOURS_DEMO="0")
    page.goto(f"{base}/flows")
    wait_idle(page)
    before = _first_step(page, wait_idle)
    assert "Selected: Product page (step 1), 3 journeys" in before, before

    page.goto(f"{base}/data")
    wait_idle(page)
    page.get_by_text("Touchpoint rules", exact=True).wait_for()
    # "touchpoint", "equals" and "set the touchpoint" are the form's first choices.
    page.get_by_label("Pattern", exact=True).fill("Product page")
    page.get_by_label("Pattern", exact=True).press("Enter")
    wait_idle(page)
    page.get_by_label("New value", exact=True).fill("Product details")
    page.get_by_label("New value", exact=True).press("Enter")
    wait_idle(page)
    page.get_by_role("button", name="Add to the list").click()
    wait_idle(page)
    assert_no_exception(page)
    page.get_by_text("1. when touchpoint equals “Product page”").first.wait_for()
    page.get_by_text("These rules are not applied yet").wait_for()
    # The preview: both Sankeys drawn, the new name only in the "after" one.
    page.wait_for_function(
        "() => document.querySelectorAll('.stEChartsChart canvas').length >= 2")
    page.wait_for_timeout(1200)
    metrics = page.locator('[data-testid="stMetricValue"]').all_inner_texts()
    # No event hidden, now or with the rule; 4 touchpoints either way (one renamed).
    assert metrics[:2] == ["0 → 0", "4 → 4"], metrics
    # Touchpoints now -> with the rule: the grid's first row is the renamed one.
    cells = page.locator('[data-testid^="glide-cell-"]').all_inner_texts()
    assert "Product details" in cells, cells
    screenshot(page, "rules-preview")

    page.get_by_role("button", name="Apply").click()
    wait_idle(page)
    assert_no_exception(page)
    page.get_by_text("1 rules applied: 8 events in journeys.").wait_for()

    page.goto(f"{base}/flows")
    wait_idle(page)
    after = _first_step(page, wait_idle)
    assert "Selected: Product details (step 1), 3 journeys" in after, after
    assert_no_exception(page)
    screenshot(page, "rules-flows-after")
    assert not page.dialogs
