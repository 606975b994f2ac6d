"""The app sweeps what a killed import left in the temp folder when it opens its store
(issue 16, item 5: the CLI's sweep had a test, the app's had none)."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import pytest

DAY = 24 * 3600


def test_the_app_sweeps_stale_import_files_at_start(empty_db: str, app_test, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    killed = temp / "parcours-upload-killed.csv"
    killed.write_text("customer_id,secret\nc1,x\n")
    work = temp / "parcours-import-old"
    work.mkdir()
    (work / "upload.csv").write_text("customer\nc1\n")
    for path in (killed, work):
        os.utime(path, (time.time() - 2 * DAY,) * 2)
    running = temp / "parcours-import-now"  # an import running now: kept
    running.mkdir()
    at = app_test(empty_db)  # a store this process has not opened yet
    assert not at.exception
    assert sorted(p.name for p in temp.iterdir()) == ["parcours-import-now"]
