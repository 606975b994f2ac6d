"""Journey-map notes in Chromium: a note typed and left by clicking another page is saved,
is there on the way back, and is there for the next person who opens the map."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

NOTE = "Offer a callback when the payment fails"
LABEL = "Opportunities — Purchase"


def _nav(page, name: str):
    return page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=name,
                                                                    exact=True)


def test_a_typed_note_survives_leaving_the_page(app_server, browser_demo_db, page, wait_idle,
                                                 assert_no_exception) -> None:
    base = app_server(browser_demo_db)
    page.goto(base + "/journey-map?map_persona=Deal+hunter&lang=en")
    wait_idle(page)
    box = page.get_by_label(LABEL, exact=True)
    expect(box).to_have_value("")
    # Typed, never "saved", and the very next click is on another page's link.
    box.click()
    box.press_sequentially(NOTE, delay=5)
    # A person's click holds the button ~0.1 s: the box's blur commits the note before the
    # link's click changes page. (Playwright's instant click can beat the commit, and then
    # Streamlit runs the map page again instead: the note is saved, the click is lost.)
    _nav(page, "Overview").click(delay=120)
    expect(page.locator("h1").first).to_have_text("Overview", timeout=90_000)
    wait_idle(page)
    assert_no_exception(page)

    _nav(page, "Journey map").click()
    expect(page.locator("h1").first).to_have_text("Journey map", timeout=90_000)
    wait_idle(page)
    expect(page.get_by_label(LABEL, exact=True)).to_have_value(NOTE)

    # In the store, not only in this tab: a new session (a colleague's link) reads it.
    page.goto(base + "/journey-map?map_persona=Deal+hunter&lang=en")
    wait_idle(page)
    expect(page.get_by_label(LABEL, exact=True)).to_have_value(NOTE)
    assert_no_exception(page)
    assert not page.dialogs
