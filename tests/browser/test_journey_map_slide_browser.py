"""The slide-ready map in a real browser: the persona card on the page, and the two-persona
comparison downloaded as one 16:9 slide (PNG and SVG) with the core's figures."""

from __future__ import annotations

import html
import struct
from pathlib import Path
from urllib.parse import urlencode

import pytest

from journey.analytics.filters import Filters
from journey.analytics.journey_map import build_map, compare_maps
from journey.db.store import Store
from journey.ingest.demo import load_sample
from journey.present import map_export

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

A, B = "Busy parent", "Cautious senior"


@pytest.fixture(scope="module")
def slide_db(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("slidebrowser") / "demo.duckdb"
    with Store(path) as s:
        load_sample(s, customers=300)
    return str(path)


@pytest.fixture(scope="module")
def expected(slide_db):
    """Both maps computed directly, before any server holds the file's lock."""
    with Store(slide_db) as s:
        cur = s.cursor()
        return {lang: (build_map(cur, Filters(), lang=lang, persona=A),
                       build_map(cur, Filters(), lang=lang, persona=B))
                for lang in ("en", "fr")}


def test_comparison_slide_downloads(app_server, page, wait_idle, screenshot,
                                    assert_no_exception, slide_db, expected):
    a, b = expected["en"]
    base = app_server(slide_db)
    page.set_viewport_size({"width": 1600, "height": 2400})
    page.goto(f"{base}/journey-map?" + urlencode(
        {"map_persona": A, "map_compare": "persona", "map_b_persona": B, "lang": "en"}))
    wait_idle(page)
    assert_no_exception(page)
    page.get_by_text("Comparison slide", exact=True).first.wait_for(timeout=30_000)
    body = page.inner_text("body")
    # Both persona cards, with the core's figures.
    for jm in (a, b):
        for line in map_export.card_lines(jm.card, "en"):
            assert line in body, line
    screenshot(page, "journey_map_compare_cards")

    with page.expect_download(timeout=90_000) as dl:
        # (md_escape puts a word joiner in "16:9": match the start of the name.)
        page.get_by_role("button", name="Comparison slide (PNG").click()
    data = Path(dl.value.path()).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == (1920, 1080)
    name = dl.value.suggested_filename
    assert name.startswith("journey-map-compare-Busy-parent-Cautious-senior") and \
        name.endswith(".png")

    with page.expect_download(timeout=90_000) as dl:
        page.get_by_role("button", name="Comparison slide (SVG)").click()
    svg = html.unescape(Path(dl.value.path()).read_text(encoding="utf-8"))
    assert f"{A} vs {B}" in svg and "+100 positive" in svg
    # The headline move of compare_maps, as the slide writes it.
    want = map_export.compare_cells(a, b, compare_maps(a, b), "en")
    shown = [c["text"].split("\n") for lane in want.values() for c in lane if c["text"] != "–"]
    assert any(all(line in svg for line in cell) for cell in shown)


def test_french_workshop_map_has_the_card_and_no_download(app_server, page, wait_idle,
                                                          assert_no_exception, slide_db,
                                                          expected):
    a, _b = expected["fr"]
    base = app_server(slide_db)
    page.set_viewport_size({"width": 1920, "height": 2200})
    page.goto(f"{base}/journey-map?" + urlencode(
        {"map_persona": A, "lang": "fr", "workshop": "1"}))
    wait_idle(page)
    assert_no_exception(page)
    page.get_by_text("Sensibilisation").first.wait_for(timeout=30_000)
    body = page.inner_text("body")
    for line in map_export.card_lines(a.card, "fr"):
        assert line in body, line
    assert page.get_by_role("button", name="PNG (diapositive 16:9)").count() == 0
