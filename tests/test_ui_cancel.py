"""ui/cancel.py reads Streamlit's own request state (a private field): this pins it to the
installed Streamlit, so an upgrade that moves it fails here, not silently in the app."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from streamlit.runtime.scriptrunner_utils.script_requests import RerunData, ScriptRequests

from ui import cancel


def _asked_with(monkeypatch: pytest.MonkeyPatch, requests: ScriptRequests):
    monkeypatch.setattr(cancel, "get_script_run_ctx",
                        lambda: SimpleNamespace(script_requests=requests))
    return cancel.rerun_requested()


def test_a_rerun_or_a_stop_is_seen(monkeypatch: pytest.MonkeyPatch) -> None:
    requests = ScriptRequests()
    asked = _asked_with(monkeypatch, requests)
    assert asked() is False
    requests.request_rerun(RerunData())  # what a click on Cancel does
    assert asked() is True
    stopped = ScriptRequests()
    asked = _asked_with(monkeypatch, stopped)
    stopped.request_stop()  # Streamlit's Stop
    assert asked() is True


def test_outside_a_run_nothing_is_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cancel, "get_script_run_ctx", lambda: None)
    assert cancel.rerun_requested()() is False
