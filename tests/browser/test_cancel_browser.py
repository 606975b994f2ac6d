"""Long work in the app can be cancelled (issue 16, item 3): an import (Cancel during the
import leaves nothing in the store and no temp file behind, and the page says so), and the
check that starts when a file is dropped (a dry run of its import, which reads the whole
file), which can then be run again."""

from __future__ import annotations

import time
from pathlib import Path

from playwright.sync_api import expect

IMPORT_ROWS = 400_000  # ~14 MB: long enough to click Cancel while it reads
CHECK_ROWS = 800_000  # ~28 MB: its check reads for long enough to click Cancel


def _left_in(temp: Path, within_s: float = 120.0) -> list[str]:
    """What is still in the temp folder once the cancelled work has wound down. Streamlit
    (runner.fastReruns) starts the next run, which says "cancelled", while the stopped run's
    thread is still leaving its long DuckDB read: its temp files go when it gets out, a
    moment later. So wait for that, up to `within_s`, then say what is left."""
    deadline = time.monotonic() + within_s
    while True:
        left = sorted(p.name for p in temp.iterdir())
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.5)


def _drop_big_csv(app_server, db: str, tmp_path: Path, page, wait_idle, rows: int) -> Path:
    """Start the app on `db` with its own temp folder, drop a CSV of `rows` events on the
    Data page's import uploader; returns the temp folder."""
    temp = tmp_path / "tmp"
    temp.mkdir()
    big = tmp_path / "big.csv"
    with open(big, "w", encoding="utf-8") as f:
        f.write("customer_id,timestamp,touchpoint,channel\n")
        for i in range(rows):
            f.write(f"C{i % 50_000},2026-03-{1 + i % 28:02d} 10:{i % 60:02d},Page {i % 40},web\n")
    base = app_server(db, TMPDIR=str(temp))
    page.goto(base + "/data?lang=en")
    expect(page.locator("h1").first).to_have_text("Data", timeout=90_000)
    wait_idle(page)
    uploader = page.locator('[data-testid="stFileUploader"] input[type="file"]')
    uploader.first.set_input_files(str(big))  # the import one, not the rules file's
    return temp


def _cancel(page, wait_idle, assert_no_exception, button: str, said: str,
            appears_within_ms: int) -> str:
    """Click `button` once it shows, wait for the page to say `said` and go idle with no
    exception box; returns the page's text then."""
    cancel = page.get_by_role("button", name=button)
    cancel.wait_for(timeout=appears_within_ms)
    cancel.click()
    page.get_by_text(said).first.wait_for(timeout=120_000)
    wait_idle(page)
    assert_no_exception(page)
    return page.inner_text("body")


def test_cancel_an_import(app_server, empty_db, tmp_path: Path, page, wait_idle,
                          assert_no_exception) -> None:
    temp = _drop_big_csv(app_server, empty_db, tmp_path, page, wait_idle, IMPORT_ROWS)
    wait_idle(page)
    page.get_by_text("would be imported").first.wait_for(timeout=120_000)
    page.get_by_role("button", name="Import 1 file").click()
    body = _cancel(page, wait_idle, assert_no_exception, "Cancel import",
                   "Import of big.csv cancelled", appears_within_ms=60_000)
    assert "nothing was imported from it" in body
    assert "Nothing imported yet" in body, body[:2000]
    # The import's work files and the spooled upload are gone (the uploader keeps its own
    # copy in memory, not in the temp folder).
    assert _left_in(temp) == []


def test_cancel_the_check_of_a_dropped_file(app_server, empty_db, tmp_path: Path, page,
                                            wait_idle, assert_no_exception) -> None:
    temp = _drop_big_csv(app_server, empty_db, tmp_path, page, wait_idle, CHECK_ROWS)
    body = _cancel(page, wait_idle, assert_no_exception, "Cancel check",
                   "Check of big.csv cancelled", appears_within_ms=120_000)
    assert "would be imported" not in body
    assert "Cancel check" not in body
    # The rest of the upload's card is still there (kind, layout, mapping).
    assert "Which column is what" in body
    # Nothing of the check is left in the temp folder (spooled copy, work files).
    assert _left_in(temp) == []
    # Checked again on request, to the end this time.
    page.get_by_role("button", name="Check again").click()
    page.get_by_text("would be imported").first.wait_for(timeout=240_000)
    wait_idle(page)
    assert_no_exception(page)
    body = page.inner_text("body")
    assert "Ready: 800,000 rows of" in body
    assert "Cancel check" not in body  # gone with its progress bar once the check is done
