"""Every page on demo data, in English and French: its title, and no error box anywhere.

`guard` turns an exception into an error box (never a traceback), so "no exception" alone
would pass with a page that failed: this test fails on either."""

from __future__ import annotations

import pytest

from journey import i18n

PAGES = [("views/overview.py", "page.overview"), ("views/flows.py", "page.flows"),
         ("views/variants.py", "page.variants"),
         ("views/network.py", "page.network"), ("views/nps.py", "page.nps"),
         ("views/journey_map.py", "page.journey_map"), ("views/data.py", "page.data"),
         ("views/attribution.py", "page.attribution")]


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_no_page_shows_an_error_on_demo_data(app_test, demo_db, lang: str) -> None:
    at = app_test(demo_db, query_params={"lang": lang})
    for page, title in PAGES:
        at.switch_page(page).run()
        assert not at.exception, (page, lang, [e.value for e in at.exception])
        assert not at.error, (page, lang, [e.value for e in at.error])
        assert not at.warning, (page, lang, [w.value for w in at.warning])
        assert at.title[0].value == i18n.t(title, lang), (page, lang)
        assert i18n.t("shell.demo.banner", lang) in [x.value for x in at.info], (page, lang)
