"""Deep links on a freshly started server: each page opened straight from its URL, first thing.

The pages live in views/, not pages/: with a pages/ folder beside app.py Streamlit starts in
its legacy multipage mode, so a first visit to /journey-map on a fresh server ran the page file
without app.py (no sidebar) or showed a "Page not found" dialog over it. This module starts its
own server and visits nothing before these links; each link gets a new browser context (a new
Streamlit session), the first of them being the server's very first session.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

# (path and query, expected page title, URL fragments the shell keeps, sidebar expected)
LINKS = [
    ("/journey-map?map_persona=Busy+parent&lang=fr", "Carte du parcours",
     ["map_persona=Busy+parent", "lang=fr"], True),
    ("/overview?persona=Busy+parent", "Overview", ["persona=Busy+parent"], True),
    ("/flows", "Flows", [], True),
    ("/network", "Touchpoint network", [], True),
    ("/nps", "NPS & voice of customer", [], True),
    ("/data", "Data", [], True),
    ("/attribution", "Attribution", [], True),
    ("/variants", "Variants & loops", [], True),
    ("/overview?persona=Deal+hunter&workshop=1", "Overview",
     ["persona=Deal+hunter", "workshop=1"], False),
]


def test_deep_links_on_a_fresh_server(app_server, browser_demo_db, browser, wait_idle,
                                      screenshot, assert_no_exception) -> None:
    base = app_server(browser_demo_db)  # a fresh server: this module's first and only one
    for path, title, kept, has_sidebar in LINKS:
        context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="en-US")
        try:
            context.set_default_timeout(90_000)
            page = context.new_page()
            dialogs: list[str] = []
            page.on("dialog", lambda d, seen=dialogs: (seen.append(d.message), d.dismiss()))
            page.goto(base + path)
            wait_idle(page)
            expect(page.locator("h1").first).to_have_text(title, timeout=90_000)
            wait_idle(page)
            name = "deep-link-" + path.strip("/").split("?")[0]
            screenshot(page, name + ("-workshop" if not has_sidebar else ""))
            assert_no_exception(page)
            # No "Page not found" (or any other) modal over the page, no alert().
            assert page.get_by_role("dialog").count() == 0, (
                path, page.get_by_role("dialog").all_inner_texts())
            assert "Page not found" not in page.inner_text("body"), path
            assert not dialogs, (path, dialogs)
            # Rendered through app.py: the shared sidebar's filters (unless workshop mode).
            filters = page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]')
            if has_sidebar:
                assert filters.count() >= 4, path
                nav = page.locator('[data-testid="stSidebarNav"]').get_by_role("link")
                assert nav.count() == 8, (path, nav.all_inner_texts())
                if re.search(r"[?&]persona=", path):
                    assert re.search(r"Busy parent|Deal hunter", filters.first.inner_text())
            else:
                assert filters.count() == 0, path
                assert page.get_by_role("link", name="Exit workshop mode").count() == 1
            for fragment in kept:
                assert fragment in page.url, (path, page.url)
        finally:
            context.close()
