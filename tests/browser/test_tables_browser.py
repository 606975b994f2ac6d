"""Tables at 1440 px beside the sidebar, in Chromium: every column in view without scrolling
sideways, key figures first (Overview's tables, the journey-map comparison), in both languages.

The data grid draws on a canvas; its accessible header row lists the columns in view, and its
scroller's widths say whether anything is left to scroll to."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

GRIDS = """() => Array.from(document.querySelectorAll('[data-testid="stDataFrame"]')).map(df => {
  const scroller = df.querySelector('.dvn-scroller');
  return {scroll: scroller.scrollWidth, width: scroller.clientWidth,
          heads: Array.from(df.querySelectorAll('[role="columnheader"]'))
                      .map(h => h.textContent.trim())};
})"""


def _grids(page) -> list[dict]:
    # A grid fills its header row once its canvas has been laid out.
    page.wait_for_function("""() => {
        const grids = document.querySelectorAll('[data-testid="stDataFrame"]');
        return grids.length && Array.from(grids).every(
            g => g.querySelector('[role="columnheader"]'));
    }""", polling=250)
    page.wait_for_timeout(300)
    return page.evaluate(GRIDS)


@pytest.mark.parametrize("lang, top, drops", [
    ("en", ["Touchpoint", "Customers", "Events", "Stage", "Channel"],
     ["Touchpoint", "Drop-off", "Ended here", "Through", "Stage"]),
    ("fr", ["Point de contact", "Clients", "Événements", "Étape", "Canal"],
     ["Point de contact", "Abandon", "Terminés ici", "Passages", "Étape"]),
])
def test_overview_tables_fit_at_1440(app_server, browser_demo_db, page, wait_idle,
                                     assert_no_exception, lang, top, drops) -> None:
    base = app_server(browser_demo_db)
    page.set_viewport_size({"width": 1440, "height": 1000})
    page.goto(f"{base}/overview?lang={lang}")
    wait_idle(page)
    assert_no_exception(page)
    grids = _grids(page)
    assert [g["heads"] for g in grids] == [top, drops]
    for g in grids:
        assert g["scroll"] <= g["width"], g


def test_map_comparison_is_one_aligned_table(app_server, browser_demo_db, page, wait_idle,
                                             assert_no_exception) -> None:
    base = app_server(browser_demo_db)
    page.set_viewport_size({"width": 1440, "height": 1000})
    page.goto(f"{base}/journey-map?map_persona=Busy+parent&map_compare=persona"
              "&map_b_persona=Deal+hunter&lang=fr")
    wait_idle(page)
    assert_no_exception(page)
    moved, both = _grids(page)
    assert both["heads"] == ["Ligne", "Sensibilisation", "Considération", "Achat",
                             "Fidélisation", "Recommandation"]
    for g in (moved, both):
        assert g["scroll"] <= g["width"], g
