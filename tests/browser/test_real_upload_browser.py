"""A real export dropped in the browser gives the figures the CLI gives (issue: real exports).

The French NPS survey (R export, NA for missing, cp850 bytes in cp1252 text) is uploaded on
the Data page of an empty store: the preview says what would be imported before anything is
written, and the NPS page then shows +53.4 on n = 13,612, as `python -m journey import` does.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect
from small_store import empty_store

REAL = Path(__file__).resolve().parents[2].parent / "shared" / "real-exports"
FILE = REAL / "nps_benavent_fr.csv"
pytestmark = pytest.mark.skipif(
    not FILE.is_file(), reason="the real exports (../shared/real-exports) are not here"
)


@pytest.fixture(scope="module")
def empty_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    # Module-wide (the suite's `empty_db` is one per test): its tests share one server.
    return empty_store(tmp_path_factory.mktemp("real") / "empty.duckdb")


def test_french_nps_survey_through_the_browser(app_server, empty_db, page, wait_idle,
                                               screenshot, assert_no_exception) -> None:
    base = app_server(empty_db)
    page.goto(base + "/data?lang=en")
    expect(page.locator("h1").first).to_have_text("Data", timeout=90_000)
    wait_idle(page)
    uploader = page.locator('[data-testid="stFileUploader"] input[type="file"]')
    uploader.first.set_input_files(str(FILE))  # the import one, not the rules file's
    wait_idle(page)
    page.get_by_text("13,954 rows of Survey responses would be imported").first.wait_for(
        timeout=90_000
    )
    # Said before importing (the preview's notes stream in after its headline: wait for them).
    page.get_by_text("'satisfaction' reads like CSAT").first.wait_for(timeout=90_000)
    wait_idle(page)
    assert_no_exception(page)
    screenshot(page, "data-dry-run-real-nps")
    page.get_by_role("button", name=re.compile(r"^Import 1 file")).click()
    wait_idle(page)
    page.get_by_text(re.compile(r"Imported 13,954 rows")).first.wait_for(timeout=90_000)
    assert_no_exception(page)

    page.goto(base + "/nps?lang=en")
    wait_idle(page)
    page.get_by_text("n = 13,612").first.wait_for(timeout=90_000)
    body = page.inner_text("body")
    assert "NPS of the selection (n = 13,612)" in body and "+53" in body
    screenshot(page, "nps-real-benavent")
