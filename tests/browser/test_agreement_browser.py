"""The same numbers everywhere, in a real browser: with Busy parent, mobile and two stages
picked, the Overview's tiles, its funnel and the Journey map show the core's one definition
of journeys, converted and the funnel's bars."""

from __future__ import annotations

import pytest

from journey import i18n
from journey.analytics import reach
from journey.analytics.filters import Filters
from journey.db.store import Store
from journey.ingest.demo import load_sample

pytestmark = pytest.mark.browser

QUERY = "persona=Busy+parent&device=mobile&stage=consideration&stage=purchase"
CORE: dict = {}


@pytest.fixture(scope="module")
def agree_db(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("agree") / "demo.duckdb"
    f = Filters(personas=["Busy parent"], devices=["mobile"],
                stages=["consideration", "purchase"])
    with Store(path) as s:
        load_sample(s, customers=300)
        # Computed now: once the app server runs, it holds the file's lock.
        t = reach.totals(s.cursor(), f)
        bars = reach.stage_rows(reach.funnel(s.cursor(), f))
        CORE.update(journeys=t["journeys"], converted=t["converted"],
                    bars=dict(zip(bars["stage"], bars["customers"], strict=True)))
    return str(path)


def _metrics(page) -> list[tuple[str, str, str]]:
    out = []
    for m in page.locator('[data-testid="stMetric"]').all():
        label = m.locator('[data-testid="stMetricLabel"]').inner_text().strip()
        value = m.locator('[data-testid="stMetricValue"]').inner_text().strip()
        delta = m.locator('[data-testid="stMetricDelta"]')
        out.append((label, value, delta.inner_text().strip() if delta.count() else ""))
    return out


def test_tiles_funnel_and_map_show_the_same_numbers(
    agree_db, app_server, page, wait_idle, screenshot, assert_no_exception
):
    journeys, converted, bars = CORE["journeys"], CORE["converted"], CORE["bars"]
    assert 0 < converted < journeys and bars["purchase"] == converted
    n, conv = i18n.fmt_int(journeys, "en"), i18n.fmt_int(converted, "en")
    base = app_server(agree_db)

    page.goto(f"{base}/overview?{QUERY}")
    wait_idle(page)
    page.wait_for_selector('[data-testid="stMetric"]')
    assert_no_exception(page)
    tiles = {label: (value, delta) for label, value, delta in _metrics(page)}
    assert tiles["Journeys"][0] == n
    assert tiles["Conversion rate"] == (i18n.fmt_pct(converted / journeys, "en"),
                                        f"{conv} of {n} journeys")
    body = page.inner_text("body")
    # The funnel's purchase bar, as the page writes it under the funnel: the same converted.
    assert f"Purchase bar: {conv} of {n} journeys reached Purchase" in body
    screenshot(page, "agreement-overview")

    page.goto(f"{base}/journey-map?{QUERY}")
    wait_idle(page)
    page.wait_for_selector('[data-testid="stMetric"]')
    assert_no_exception(page)
    assert "Journey map — Busy parent" in page.inner_text("body")
    values = [value for _label, value, _delta in _metrics(page)]
    assert values == [i18n.fmt_int(bars["consideration"], "en"), conv]
    captions = page.locator('[data-testid="stCaptionContainer"]').all_inner_texts()
    assert any(f"n = {n}" in c and "Busy parent" in c for c in captions), captions
    screenshot(page, "agreement-map")
    assert not page.dialogs
