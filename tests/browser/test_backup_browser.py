"""The Data page's backup button downloads a store that opens with every row of the original."""

from __future__ import annotations

import pytest

from journey.db.store import Store

pytestmark = pytest.mark.browser


def test_backup_downloads_a_whole_store(app_server, browser_demo_db, page, wait_idle,
                                        assert_no_exception, tmp_path) -> None:
    with Store(browser_demo_db) as original:  # before the server holds the file
        want = original.info()
    base = app_server(browser_demo_db)
    page.goto(base + "/data")
    wait_idle(page)
    assert_no_exception(page)
    with page.expect_download() as info:
        page.get_by_role("button", name="Back up the store").click()
    download = info.value
    assert download.suggested_filename.startswith("parcours-backup-")
    assert download.suggested_filename.endswith(".duckdb")
    path = tmp_path / "backup.duckdb"
    download.save_as(path)
    with Store(path) as copy:
        got = copy.info()
    assert got == want and want["events"] > 0
