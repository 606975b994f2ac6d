"""Suite-wide hooks."""

from __future__ import annotations

import gc
import sys


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
