"""Shared links that are hostile or stale never break a page, in a real Chromium.

Every page is opened with a table of links: values that are not values, numbers and dates far
outside the data, names that are not (or no longer) in the store, control characters, a very
long value, repeated keys. None may show an error box; the unusable values are named instead.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

import pytest

pytestmark = pytest.mark.browser

LONG = "x" * 5000

SHELL = [
    {"persona": ["Nobody", "Busy parent\x00"], "stage": "no-such-stage", "since": "2026-13-45",
     "until": "yesterday", "outcome": "sideways", "lang": "xx", "workshop": "maybe",
     "channel": LONG, "device": "<script>", "touchpoint": "%", "includes": "Gone page"},
    {"since": "0001-01-01", "until": "9999-12-31"},
    {"since": "2026-06-01", "until": "2026-01-01"},  # reversed
    {"since": "2099-01-01", "until": "2099-02-01"},  # after the data: nothing matches
]
PAGES: dict[str, list[dict[str, str | list[str]]]] = {
    "/overview": [],
    "/flows": [
        {"flows_level": "galaxy", "flows_steps": "1e9", "flows_top": "-4", "flows_start": "Gone",
         "flows_end": LONG, "flows_repeats": "2", "flows_gap": "forever",
         "flows_drill": "Nobody"},
        {"flows_steps": "99999999999999999999999", "flows_top": "0", "flows_level": "stage",
         "flows_start": "purchase",
         "flows_drill": '[2,"node","Gone page",null,null,5,8,null,null]'},
    ],
    "/network": [{"network_min": "-7", "network_physics": "perhaps"},
                 {"network_min": "99999999999999999999"}],
    "/nps": [{"nps_metric": "ces", "nps_by": "weather", "nps_group": "lurkers",
              "nps_q": "%_\x00" + LONG},
             {"nps_metric": "csat", "nps_by": "month", "nps_q": "'; DROP TABLE events; --"}],
    "/journey-map": [
        {"map_compare": "period", "map_b_since": "2026-02-01", "map_b_until": "2026-07-15"},
        {"map_compare": "period", "map_b_since": "1900-01-01", "map_b_until": "3000-01-01"},
        {"map_compare": "period", "map_b_since": "2026-05-01", "map_b_until": "2026-02-01"},
        {"map_compare": "period", "map_b_since": "soon", "map_b_until": ""},
        {"map_persona": "Nobody", "map_compare": "persona", "map_b_persona": "Gone persona"},
        {"map_compare": "teleport", "map_persona": LONG},
    ],
    "/data": [],
}


def _links() -> list[str]:
    links = []
    for path, own in PAGES.items():
        for query in [*SHELL[:1], *own] or SHELL[:1]:
            links.append(f"{path}?{urlencode(query, doseq=True, quote_via=quote)}")
        if path in ("/overview", "/journey-map"):
            # The sidebar's dates are the same code on every page: two pages are enough.
            links += [f"{path}?{urlencode(q, quote_via=quote)}" for q in SHELL[1:]]
    # Repeated keys and a key with no value.
    links.append("/journey-map?map_persona=Busy+parent&map_persona=Nobody&lang=fr&lang=en&stage")
    return links


ERRORS = '[data-testid="stException"], [data-testid="stAlertContentError"]'


def test_no_link_breaks_a_page(app_server, browser_demo_db, page, wait_idle) -> None:
    base = app_server(browser_demo_db)
    broken: dict[str, list[str]] = {}
    named = 0
    for link in _links():
        page.goto(base + link)
        wait_idle(page)
        errors = page.locator(ERRORS).all_inner_texts()
        if errors:
            broken[link[:120]] = [e[:300] for e in errors]
        named += page.locator('[data-testid="stAlertContentWarning"]').count()
    assert broken == {}
    assert named >= len(PAGES)  # the unusable values were named, not silently dropped
