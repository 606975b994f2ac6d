"""The date pickers' calendar language (issue #15, item 5).

Streamlit 1.67's `st.date_input` has no locale parameter: its calendar takes month names and
the first weekday from the *browser's* language (navigator.language), not from the app. The
app sets what it can, the typed format (dd/mm/yyyy in French, `ui.widgets.date_format`).
These tests pin both halves of that: a French browser gets a French calendar, Monday first;
an English browser on the French UI still gets an English, Sunday-first calendar. When the
second test fails, Streamlit has learnt to take a locale from the app: use it there.
"""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def _open_calendar(page, wait_idle, url: str) -> str:
    page.goto(url)
    wait_idle(page)
    picker = page.locator('[data-testid="stDateInput"]').first
    picker.wait_for(timeout=30_000)
    picker.locator('button, [role="button"]').first.click()
    grid = page.get_by_role("grid").first
    grid.wait_for(timeout=30_000)
    return page.inner_text("body")


def _weekday_header(body: str) -> str:
    for line in body.splitlines():
        cells = [c for c in line.split("\t") if c.strip()]
        if len(cells) == 7 and all(len(c.strip()) <= 3 for c in cells):
            return " ".join(c.strip() for c in cells)
    return ""


def test_a_french_browser_gets_a_french_calendar_monday_first(app_server, browser, browser_demo_db,
                                                               wait_idle):
    base = app_server(browser_demo_db)
    ctx = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="fr-FR")
    try:
        page = ctx.new_page()
        body = _open_calendar(page, wait_idle, f"{base}/journey-map?lang=fr")
        assert "janvier" in body and "décembre" in body and "January" not in body
        assert _weekday_header(body) == "L M M J V S D"
        # The typed date is dd/mm/yyyy (ui.widgets.date_format).
        assert page.locator('[data-testid="stDateInput"]').first.inner_text().count("/") >= 2
    finally:
        ctx.close()


def test_the_calendar_follows_the_browser_not_the_app(app_server, page, browser_demo_db, wait_idle):
    """The known limit: an English browser on the French UI (?lang=fr) keeps an English,
    Sunday-first calendar; Streamlit 1.67 gives the app no way to change it."""
    base = app_server(browser_demo_db)
    body = _open_calendar(page, wait_idle, f"{base}/journey-map?lang=fr")
    assert "January" in body and "janvier" not in body
    assert _weekday_header(body) == "S M T W T F S"
