"""What a killed import leaves in the temp folder is swept when the app or the CLI starts."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import pytest

from journey.cli import main
from journey.ingest import tempfiles

DAY = 24 * 3600


def _aged(path: Path, seconds: float) -> Path:
    t = time.time() - seconds
    os.utime(path, (t, t))
    return path


def test_only_stale_parcours_entries_go(tmp_path: Path) -> None:
    old_file = tmp_path / "parcours-upload-a.csv"
    old_file.write_bytes(b"c1,secret\n")
    _aged(old_file, DAY + 60)
    old_dir = tmp_path / "parcours-import-x"
    old_dir.mkdir()
    (old_dir / "upload.csv").write_text("customer\nc1\n")
    _aged(old_dir, DAY + 60)
    fresh = tmp_path / "parcours-import-live"
    fresh.mkdir()  # an import running now
    other = tmp_path / "someone-else.csv"
    other.write_text("x")
    _aged(other, 10 * DAY)
    link = tmp_path / "parcours-link"
    link.symlink_to(other)
    os.utime(link, (time.time() - 10 * DAY,) * 2, follow_symlinks=False)

    assert tempfiles.sweep_stale(tmp_path) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "parcours-import-live", "parcours-link", "someone-else.csv"
    ]
    assert tempfiles.sweep_stale(tmp_path) == 0


def test_a_missing_folder_is_no_error(tmp_path: Path) -> None:
    assert tempfiles.sweep_stale(tmp_path / "gone") == 0


def test_the_cli_import_sweeps_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    left = temp / "parcours-upload-killed.csv"
    left.write_text("customer_id,timestamp,touchpoint\n")
    _aged(left, 2 * DAY)
    src = tmp_path / "ev.csv"
    src.write_text("customer_id,timestamp,touchpoint\nc1,2024-01-01 10:00,Ad\n")
    assert main(["import", str(src), "--db", str(tmp_path / "s.duckdb")]) == 0
    assert not left.exists()
    assert list(temp.iterdir()) == []  # and the import's own files are gone too
