"""The NPS page's themes and explorer controls from a shared link, in a real Chromium: the
valid values are shown and kept in the address bar, the hostile ones named (as text, never a
live link or markup) and left out of it."""

from __future__ import annotations

from urllib.parse import parse_qs, quote, urlencode, urlparse

import pytest

pytestmark = pytest.mark.browser

LINK = "[x](http://127.0.0.1:9/x)"
IMG = "<img src=x onerror=alert(1)>"
ERRORS = '[data-testid="stException"], [data-testid="stAlertContentError"]'


def test_a_shared_nps_link(app_server, browser_demo_db, page, wait_idle,
                           assert_no_exception) -> None:
    base = app_server(browser_demo_db)
    query = {"nps_trend": "week", "nps_hm": "nps", "nps_page": "2", "nps_path": LINK,
             "nps_theme": IMG, "nps_stage": "Gone stage"}
    page.goto(f"{base}/nps?{urlencode(query, quote_via=quote)}")
    wait_idle(page)
    assert_no_exception(page)
    assert page.locator(ERRORS).count() == 0
    notices = page.locator('[data-testid="stAlertContentWarning"]').all_inner_texts()
    named = " ".join(notices)
    assert "Verbatims path “[x](http://127.0.0.1:9/x)”" in named.replace("\u2060", "")
    assert f"Verbatims theme “{IMG}”" in named
    assert "Verbatims stage “Gone stage”" in named
    # shown as text: no link to the value, no image, no alert()
    assert page.locator('a[href*="127.0.0.1:9"]').count() == 0
    assert page.locator('img[src="x"]').count() == 0 and page.dialogs == []
    kept = parse_qs(urlparse(page.url).query)
    assert kept.get("nps_trend") == ["week"] and kept.get("nps_hm") == ["nps"]
    assert kept.get("nps_page") == ["2"]
    assert not {"nps_path", "nps_theme", "nps_stage"} & set(kept)
    # page 2 of the verbatims is what is shown
    assert "comments 21–40 of" in page.inner_text("body")
