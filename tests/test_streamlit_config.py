"""The app's Streamlit settings that its speed depends on (.streamlit/config.toml)."""

from __future__ import annotations

import tomllib
from pathlib import Path

CONFIG = Path(__file__).resolve().parents[1] / ".streamlit" / "config.toml"


def test_no_source_watcher_for_users():
    # "auto" registers a watcher on every source file for each new session (~0.2 s of server
    # CPU while the new tab is still fetching its scripts): users never edit the code.
    server = tomllib.loads(CONFIG.read_text(encoding="utf-8"))["server"]
    assert server["fileWatcherType"] == "none"
    assert server["headless"] is True
