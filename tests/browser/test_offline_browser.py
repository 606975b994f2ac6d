"""Nothing is fetched from outside this machine: every request a page makes goes to the app.

CX teams run Parcours on laptops in workshops with no network, and a request to a third party
also tells it who opens the app. A ":material/..." page icon used to make every tab fetch its
favicon from Google's font servers.
"""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PAGES = ["/overview", "/flows", "/network", "/nps", "/journey-map", "/data"]


def test_pages_request_nothing_but_the_app(app_server, browser_demo_db, page, wait_idle,
                                           assert_no_exception) -> None:
    base = app_server(browser_demo_db)
    outside: list[str] = []
    local = {"localhost", "127.0.0.1", "[::1]", "::1"}

    def note(request: object) -> None:
        url = request.url  # type: ignore[attr-defined]
        host = urlparse(url).hostname or ""
        if url.startswith(("http://", "https://", "ws://", "wss://")) and host not in local:
            outside.append(url)

    page.on("request", note)
    for path in PAGES:
        page.goto(base + path)
        wait_idle(page)
        assert_no_exception(page)
    icon = page.locator("link[rel='shortcut icon']").get_attribute("href") or ""
    assert "gstatic" not in icon and "/media/" in icon, icon
    assert outside == []
