"""A shared link to a persona's journey map opens, in a real browser, on that persona's
numbers (the same as `build_map` computes), in English and in French workshop mode."""

from __future__ import annotations

import struct
from pathlib import Path
from urllib.parse import urlencode

import pytest

from journey import i18n
from journey.analytics.filters import Filters
from journey.analytics.journey_map import build_map
from journey.db.store import Store
from journey.ingest.demo import load_sample
from journey.present import map_export

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PERSONA = "Cautious senior"
STAGES = ("awareness", "consideration", "purchase")


@pytest.fixture(scope="module")
def map_db(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("mapbrowser") / "demo.duckdb"
    with Store(path) as s:
        load_sample(s, customers=300)
        s.set_note("purchase", "Call back when the payment fails", PERSONA)
    return str(path)


@pytest.fixture(scope="module")
def expected(map_db):
    """The maps computed directly, before any server holds the file's lock."""
    with Store(map_db) as s:
        return {
            lang: build_map(s.cursor(), Filters(stages=STAGES), lang=lang, persona=PERSONA,
                            stages_df=s.stages(), notes_df=s.notes(PERSONA))
            for lang in ("en", "fr")
        }


def _url(base: str, **extra: str) -> str:
    params = [("map_persona", PERSONA)] + [("stage", s) for s in STAGES]
    params += list(extra.items())
    return f"{base}/journey-map?{urlencode(params)}"


def _assert_no_page_not_found(page) -> None:
    # With the pages in views/ (not pages/), Streamlit never auto-discovers a page named
    # "journey_map", so a first visit to /journey-map has no "Page not found" dialog.
    assert page.get_by_role("dialog").count() == 0, page.get_by_role("dialog").all_inner_texts()


def _metric_values(page) -> list[str]:
    return [v.strip() for v in page.get_by_test_id("stMetricValue").all_inner_texts()]


def test_link_opens_the_personas_map(app_server, page, wait_idle, screenshot,
                                     assert_no_exception, map_db, expected):
    jm = expected["en"]
    assert [s.stage for s in jm.stages] == list(STAGES)
    base = app_server(map_db)
    page.set_viewport_size({"width": 1600, "height": 2400})  # the whole map in the shot
    page.goto(_url(base, lang="en"))
    wait_idle(page)
    _assert_no_page_not_found(page)
    assert_no_exception(page)
    page.get_by_text(jm.title).first.wait_for(timeout=30_000)

    assert _metric_values(page) == [i18n.fmt_int(s.customers, "en") for s in jm.stages]
    body = page.inner_text("body")
    for s in jm.stages:
        assert s.label in body
        if s.touchpoints:
            assert s.touchpoints[0].name in body
    # The persona's own note is in its stage's text area.
    assert page.get_by_role("textbox").nth(2).input_value() == \
        "Call back when the payment fails"
    # The shell kept the filters, and the page its persona, in the URL.
    assert "map_persona=Cautious" in page.url and "stage=purchase" in page.url
    screenshot(page, "journey_map_persona")

    # The slide export: a click gives a 1920 × 1080 PNG rendered on the server.
    with page.expect_download(timeout=90_000) as dl:
        page.get_by_role("button", name="PNG (slide 16:9)").click()
    data = Path(dl.value.path()).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == (1920, 1080)
    assert dl.value.suggested_filename.endswith(".png")


def test_french_workshop_link(app_server, page, wait_idle, screenshot, assert_no_exception,
                              map_db, expected):
    jm = expected["fr"]
    base = app_server(map_db)
    page.set_viewport_size({"width": 1920, "height": 2200})
    page.goto(_url(base, lang="fr", workshop="1"))
    wait_idle(page)
    _assert_no_page_not_found(page)
    assert_no_exception(page)
    page.get_by_text("Sensibilisation").first.wait_for(timeout=30_000)
    assert _metric_values(page) == [i18n.fmt_int(s.customers, "fr") for s in jm.stages]
    assert page.get_by_role("combobox").count() == 0  # no controls when projecting
    body = page.inner_text("body")
    assert "Call back when the payment fails" in body
    for s in jm.stages:
        # The score line, "NPS +12 ± 9 · n = 40", with French number formats.
        assert map_export.score_text(s, "fr") in body
    assert not page.dialogs
    screenshot(page, "journey_map_workshop_fr")
