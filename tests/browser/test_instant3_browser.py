"""A filter change on the NPS page in a real browser: its figures are the new selection's
own, and the charts whose layout stays (same groups, same labels) keep their Vega view
(Streamlit swaps the rows in); a chart's PNG, made only when clicked, still downloads."""

from __future__ import annotations

from pathlib import Path

import pytest

from journey import i18n
from journey.analytics import metrics
from journey.analytics.filters import Filters
from journey.db.store import Store
from journey.ingest.demo import load_sample

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

FIGURES: dict = {}
VIEWS = '[data-testid="stVegaLiteChart"] canvas, [data-testid="stVegaLiteChart"] svg.marks'


@pytest.fixture(scope="module")
def redraw_db(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("instant3") / "demo.duckdb"
    with Store(path) as s:
        load_sample(s, customers=300)
        # Computed now: once the app server runs, it holds the file's lock.
        cur = s.cursor()
        FIGURES["all"] = metrics.nps(cur, Filters(), by=None).iloc[0].to_dict()
        stages = set(metrics.nps(cur, Filters(), by="stage")["stage"])
        # A persona with answers at every stage: its NPS bars have everyone's groups.
        FIGURES["persona"] = next(
            p for p in ("Busy parent", "Cautious senior", "Deal hunter", "Loyal enthusiast")
            if set(metrics.nps(cur, Filters(personas=(p,)), by="stage")["stage"]) == stages)
        FIGURES["one"] = metrics.nps(cur, Filters(personas=(FIGURES["persona"],)), by=None
                                     ).iloc[0].to_dict()
    return str(path)


def _views(page) -> list[bool]:
    """For each drawn chart: was its view there before the filter change (marked then)?"""
    return page.evaluate(f"() => [...document.querySelectorAll('{VIEWS}')]"
                         ".map(e => e.__before === 1)")


def test_a_persona_change_shows_the_new_figures(app_server, page, wait_idle,
                                                     assert_no_exception, redraw_db):
    base = app_server(redraw_db)
    page.goto(f"{base}/nps?lang=en")
    wait_idle(page)
    page.wait_for_function(f"() => document.querySelectorAll('{VIEWS}').length >= 4",
                           timeout=30_000)
    body = page.inner_text("body")
    assert f"n = {i18n.fmt_int(int(FIGURES['all']['n']), 'en')}" in body
    page.evaluate(f"() => document.querySelectorAll('{VIEWS}').forEach(e => e.__before = 1)")

    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.locator('[data-testid="stMultiSelect"]').first.click()
    page.get_by_role("option", name=FIGURES["persona"], exact=True).click()
    page.keyboard.press("Escape")
    wait_idle(page)
    assert_no_exception(page)
    one = FIGURES["one"]
    page.get_by_text(f"n = {i18n.fmt_int(int(one['n']), 'en')}").first.wait_for(timeout=30_000)
    assert i18n.fmt_signed(float(one["nps"]), "en") in page.inner_text("body")
    kept = _views(page)
    assert len(kept) >= 4
    # The same stages for everyone and for the persona: the NPS bars (the page's first chart)
    # keep their layout, so their view stays and only its rows change.
    assert kept[0] is True
    # The heatmap's rows are the personas: one persona is another layout, drawn anew.
    assert False in kept


def test_a_charts_png_is_made_when_clicked(app_server, page, wait_idle, redraw_db):
    base = app_server(redraw_db)
    page.goto(f"{base}/nps?lang=en")
    wait_idle(page)
    with page.expect_download(timeout=90_000) as dl:
        page.get_by_role("button", name=i18n.t("action.download_png", "en")).first.click()
    data = Path(dl.value.path()).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert dl.value.suggested_filename.endswith(".png")
