"""The NPS page's themes in a real browser: the themes × stages heatmap and the drivers'
chart draw, and the costliest theme at the purchase stage is shown with its impact, in
English and in French.

The store holds the 33 hand-written verbatims of tests/data/themes_three_subjects.csv (see
tests/test_themes.py, where the drivers' numbers are checked by hand); here the page must show
the core's costliest theme at purchase and its impact.
"""

from __future__ import annotations

import pytest
from small_store import imported_store
from three_subjects import survey

from journey import i18n
from journey.analytics import drivers
from journey.analytics.filters import Filters
from journey.db.store import Store

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

CHARTS = 5  # bars, stacked, heatmap, themes × stages, drivers (no dates: no trend)
COSTLIEST: dict = {}


@pytest.fixture(scope="module")
def themes_db(tmp_path_factory) -> str:
    path = imported_store(tmp_path_factory.mktemp("themesbrowser") / "themes.duckdb",
                          survey(), "survey.csv")
    with Store(path) as store:
        # Computed now: once the app server runs, it holds the file's lock.
        df = drivers.drivers(store.cursor(), Filters())
    purchase = df[(df["scope"] == "stage") & (df["group"] == "purchase")]
    COSTLIEST.update(purchase.iloc[0].to_dict())
    return str(path)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_themes_and_drivers_draw(app_server, page, wait_idle, screenshot, assert_no_exception,
                                 themes_db, lang):
    base = app_server(themes_db)
    page.goto(f"{base}/nps?lang={lang}")
    wait_idle(page)
    # The themes by stage and the drivers are folded: one click opens them, and the link
    # keeps them open.
    assert i18n.t("themes.drivers", lang) not in page.inner_text("body")
    page.get_by_text(i18n.t("instant2.themes_figures", lang)).click()
    page.wait_for_function("() => location.search.includes('nps_themes=1')", timeout=30_000)
    wait_idle(page)
    page.wait_for_function(
        """n => document.querySelectorAll(
              '[data-testid="stVegaLiteChart"] canvas, [data-testid="stVegaLiteChart"] svg.marks'
           ).length >= n""", arg=CHARTS, timeout=30_000)
    assert_no_exception(page)
    body = page.inner_text("body")
    assert i18n.t("themes.title", lang) in body
    assert COSTLIEST["impact"] < 0
    assert COSTLIEST["label"] in body
    points = i18n.t("themes.points", lang,
                    value=i18n.fmt_signed(float(COSTLIEST["impact"]), lang, 1))
    assert points in body
    page.get_by_text(i18n.t("themes.drivers", lang)).scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    screenshot(page, f"themes-drivers-{lang}")
