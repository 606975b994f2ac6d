"""The NPS & voice of customer page in a real browser: its Altair charts render (Vega draws
canvases/SVGs), in English and in French, and a comment with markup stays text."""

from __future__ import annotations

import pytest

from journey import i18n
from journey.analytics import metrics
from journey.analytics.filters import Filters
from journey.db.store import Store
from journey.ingest.demo import load_sample

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

CHARTS = 4  # bars, stacked, heatmap, trend
EVIL = "<img src=x onerror=alert(1)> <b>bold</b> =1+2"


@pytest.fixture(scope="module")
def nps_db(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("npsbrowser") / "demo.duckdb"
    with Store(path) as s:
        load_sample(s, customers=300)
        # A comment that would run as code if the page ever rendered comments as HTML.
        s.cursor().execute("UPDATE responses SET comment = ? WHERE response_id = "
                           "(SELECT MIN(response_id) FROM responses WHERE comment IS NOT NULL)",
                           [EVIL])
        # Computed now: once the app server runs, it holds the file's lock.
        OVERALL.update(metrics.nps(s.cursor(), Filters(), by=None).iloc[0].to_dict())
    return str(path)


OVERALL: dict = {}


def _wait_charts(page) -> None:
    # Vega draws into a <canvas> (or an <svg>) inside each chart's container.
    page.wait_for_function(
        """n => document.querySelectorAll(
              '[data-testid="stVegaLiteChart"] canvas, [data-testid="stVegaLiteChart"] svg.marks'
           ).length >= n""",
        arg=CHARTS,
        timeout=30_000,
    )


def _chart_count(page) -> int:
    return page.locator(
        '[data-testid="stVegaLiteChart"] canvas, [data-testid="stVegaLiteChart"] svg.marks'
    ).count()


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_nps_page_draws_its_charts(app_server, page, wait_idle, screenshot, assert_no_exception,
                                   nps_db, lang):
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    base = app_server(nps_db)
    page.goto(f"{base}/nps?lang={lang}")
    wait_idle(page)
    _wait_charts(page)
    assert_no_exception(page)
    assert _chart_count(page) >= CHARTS

    # the charts really drew something: a canvas with a non-zero size
    box = page.locator('[data-testid="stVegaLiteChart"]').first.bounding_box()
    assert box and box["width"] > 200 and box["height"] > 80

    overall = OVERALL
    body = page.inner_text("body")
    n_text = i18n.fmt_int(int(overall["n"]), lang)
    assert f"n = {n_text}" in body  # the NPS is shown with its n
    margin = i18n.fmt_num(overall["margin"], lang, 1)
    assert margin in body
    if lang == "fr":
        assert "Promoteurs, passifs et détracteurs" in body
        assert "," in margin  # the decimal comma
        assert "Ce que disent les clients" in body
    else:
        assert "Promoters, passives and detractors" in body

    screenshot(page, f"nps-{lang}")
    # and the lower half (heatmap, trend, verbatims): Streamlit scrolls its own container
    page.locator('[data-testid="stDataFrame"]').last.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    screenshot(page, f"nps-{lang}-verbatims")
    assert not dialogs


def test_verbatims_show_markup_as_text(app_server, page, wait_idle, screenshot, nps_db):
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    base = app_server(nps_db)
    page.goto(f"{base}/nps?lang=en&nps_q=onerror")
    wait_idle(page)
    # The explorer lists the page's comments as Markdown, each piece escaped.
    words = page.locator(".st-key-words_list")
    words.wait_for(timeout=30_000)
    words.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    # No <img> from the comment may exist anywhere in the page, nor its <b>.
    assert page.locator('img[src="x"]').count() == 0
    assert page.locator("[data-testid='stMain'] b:text('bold')").count() == 0
    # The comment reads as typed, its search term highlighted (a styled span, text intact).
    assert "<img src=x onerror=alert(1)> <b>bold</b> =1+2" in words.inner_text()
    # and the search narrowed the list to that one comment (the caption says so)
    assert "comments 1–1 of 1" in page.inner_text("body")
    screenshot(page, "nps-verbatims-markup")
    assert not dialogs
