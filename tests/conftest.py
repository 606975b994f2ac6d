"""Suite-wide hooks, and the fixtures unit, AppTest and browser tests share."""

from __future__ import annotations

import gc
import sys
from pathlib import Path

import pytest
from small_store import empty_store


@pytest.fixture()
def empty_db(tmp_path: Path) -> str:
    """A fresh empty store of the test's own, that the app must NOT fill with the demo
    (autoload is off). One per test: a browser test's server holds its store's lock."""
    return empty_store(tmp_path / "empty.duckdb")


def pytest_unconfigure(config: object) -> None:
    # DuckDB's bindings (nanobind) print a long "leaked instances" report at interpreter exit for
    # every connection still referenced then: Streamlit's resource cache (AppTest runs the app in
    # the test process) and reference cycles keep some alive. Release them while Python can.
    streamlit = sys.modules.get("streamlit")
    if streamlit is not None:
        # Outside a running app, clearing logs "No runtime found" at INFO: not news.
        sys.modules["streamlit.logger"].set_log_level("error")
        streamlit.cache_resource.clear()
        streamlit.cache_data.clear()
    gc.collect()
