"""An import in the app can be cancelled: Cancel during the import leaves nothing in the store
and no temp file behind, and the page says so (issue: Hardened, item 3)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from journey.db.store import Store

ROWS = 400_000  # ~14 MB: long enough to click Cancel while it reads


@pytest.fixture(scope="module")
def empty_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("cancel") / "empty.duckdb"
    with Store(path) as store:
        store.set_setting("demo_autoload", "off")
    return str(path)


def test_cancel_an_import(app_server, empty_db, tmp_path: Path, page, wait_idle,
                          assert_no_exception) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    big = tmp_path / "big.csv"
    with open(big, "w", encoding="utf-8") as f:
        f.write("customer_id,timestamp,touchpoint,channel\n")
        for i in range(ROWS):
            f.write(f"C{i % 50_000},2026-03-{1 + i % 28:02d} 10:{i % 60:02d},Page {i % 40},web\n")
    base = app_server(empty_db, TMPDIR=str(temp))
    page.goto(base + "/data?lang=en")
    expect(page.locator("h1").first).to_have_text("Data", timeout=90_000)
    wait_idle(page)
    uploader = page.locator('[data-testid="stFileUploader"] input[type="file"]')
    uploader.first.set_input_files(str(big))  # the import one, not the rules file's
    wait_idle(page)
    page.get_by_text("would be imported").first.wait_for(timeout=120_000)
    page.get_by_role("button", name="Import 1 file").click()
    cancel = page.get_by_role("button", name="Cancel import")
    cancel.wait_for(timeout=60_000)
    cancel.click()
    page.get_by_text("Import of big.csv cancelled").first.wait_for(timeout=120_000)
    wait_idle(page)
    assert_no_exception(page)
    body = page.inner_text("body")
    assert "nothing was imported from it" in body
    assert "Nothing imported yet" in body, body[:2000]
    # The import's work files and the spooled upload are gone (the uploader keeps its own
    # copy in memory, not in the temp folder).
    assert sorted(p.name for p in temp.iterdir()) == []
