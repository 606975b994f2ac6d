"""Data page: the uploader's limit is ingest's, a file over a limit is refused in words, and a
cancelled import says so on the next run."""

from __future__ import annotations

import pytest

from journey.db.store import Store

CSV = (
    b"customer_id,timestamp,touchpoint\n"
    b"LIM-1,2026-03-01 10:00,Product page\n"
    b"LIM-2,2026-03-01 10:05,Cart\n"
    b"LIM-3,2026-03-02 11:00,Product page\n"
)


def test_the_uploader_limit_follows_the_ingest_limit(
        app_test, demo_db, monkeypatch: pytest.MonkeyPatch) -> None:
    at = app_test(demo_db, page="views/data.py")
    uploader = at.get("file_uploader")[0]
    assert uploader.proto.max_upload_size_mb == 1024
    assert "1,024 MB" in uploader.proto.help and "20,000,000 rows" in uploader.proto.help
    monkeypatch.setenv("PARCOURS_MAX_MB", "5")
    at.run()
    assert at.get("file_uploader")[0].proto.max_upload_size_mb == 5


def test_a_file_over_a_limit_is_refused_in_words(
        app_test, writable_demo_db, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARCOURS_MAX_ROWS", "2")
    at = app_test(writable_demo_db, page="views/data.py")
    with Store(writable_demo_db) as store:
        before = store.info()
    at.get("file_uploader")[0].upload("three.csv", CSV, "text/csv")
    at.run()
    assert not at.exception
    shown = " ".join(m.value for m in at.markdown).replace("\\", "")  # Markdown escapes
    assert "more than 2 rows" in shown and "PARCOURS_MAX_ROWS" in shown, shown
    at.button(key="data_import").click().run()
    assert not at.exception
    with Store(writable_demo_db) as store:
        assert store.info() == before


def test_a_cancelled_import_is_reported(app_test, demo_db) -> None:
    at = app_test(demo_db, page="views/data.py")
    # What a run ended by Cancel (or Stop) inside an import leaves behind.
    at.session_state["data_importing"] = "big.csv"
    at.run()
    assert not at.exception
    warnings = [w.value for w in at.warning]
    assert any("Import of big.csv cancelled" in w and "store is as it was" in w
               for w in warnings), warnings
    at.run()
    assert not any("cancelled" in w.value for w in at.warning)  # said once


def test_a_full_temp_folder_is_said_as_such(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The upload is written to the temp folder first: a full disk there is named, and the
    half-written file is removed."""
    import errno
    import os

    from ui import data_actions

    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(folder))
    real_fdopen = os.fdopen

    class FullFile:
        def __init__(self, fd: int) -> None:
            self._f = real_fdopen(fd, "wb")

        def __enter__(self) -> FullFile:
            return self

        def __exit__(self, *exc: object) -> None:
            self._f.close()

        def write(self, data: bytes) -> int:
            self._f.write(data[:10])
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(data_actions.os, "fdopen", lambda fd, mode: FullFile(fd))
    with Store(tmp_path / "t.duckdb") as store:
        before = store.info()
        report = data_actions.run_import(store, "three.csv", CSV)
        assert [p.code for p in report.problems] == ["disk_full"]
        assert "The disk is full" in report.to_text("en", "app")
        preview = data_actions.preview_file("three.csv", CSV)
        assert [p.code for p in preview.problems] == ["disk_full"]
        assert store.info() == before
    assert list(folder.iterdir()) == []
