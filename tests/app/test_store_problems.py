"""A store the app cannot use is explained once, in plain words and the page's language:
never a traceback, never the same error in every part of every page."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from journey import i18n
from journey.db.store import Store, StoreError

PAGES = [None, "views/flows.py", "views/nps.py", "views/journey_map.py", "views/network.py"]


def _truncated(src: str, dst: Path, fraction: float) -> str:
    shutil.copy(src, dst)
    with open(dst, "r+b") as fh:
        fh.truncate(int(dst.stat().st_size * fraction))
    return str(dst)


def _only_message(at) -> str:
    assert not at.exception
    errors = [e.value for e in at.error]
    assert len(errors) == 1, errors
    return errors[0]


def test_a_store_that_does_not_open_is_named(app_test, demo_db, tmp_path) -> None:
    path = _truncated(demo_db, tmp_path / "cut.duckdb", 0.1)
    with pytest.raises(StoreError) as caught:
        Store(path)
    assert caught.value.code == "damaged"
    at = app_test(path, query_params={"lang": "fr"})
    shown = _only_message(at)
    assert shown.startswith(i18n.t("shell.store_error", "fr", message="").strip())
    assert i18n.md_escape(i18n.t("store.hint.damaged.app", "fr")) in shown


@pytest.mark.parametrize("page", PAGES)
def test_damage_found_while_reading_is_said_once(app_test, demo_db, tmp_path, page) -> None:
    # Cut near its end, the file opens (its catalogue is intact) and fails on the first query
    # that reads a lost block: every part of every page used to show DuckDB's IO error.
    path = _truncated(demo_db, tmp_path / "tail.duckdb", 0.9)
    Store(path).close()  # the case under test: it opens
    at = app_test(path, page=page)
    shown = _only_message(at)
    assert "is damaged" in shown and "IO Error" in shown
    assert i18n.md_escape(i18n.t("store.hint.damaged.app", "en")) in shown
    assert "could not be shown" not in shown


def test_a_store_held_by_another_program_is_named(app_test, tmp_path) -> None:
    path = tmp_path / "held.duckdb"
    Store(path).close()
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True);"
         " time.sleep(120)", str(path)],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        at = app_test(str(path))
        shown = _only_message(at)
        assert f"(process {holder.pid})" in shown
        assert i18n.md_escape(i18n.t("store.hint.locked.app", "en")) in shown
    finally:
        holder.kill()
        holder.wait(timeout=10)
    time.sleep(0.1)
