"""Has the user asked to stop the work this run is doing? For the core's `cancel` callbacks.

A click on a Cancel button (or on Streamlit's Stop, or any widget) asks Streamlit for a new
run; the running one only stops at its next element update. Long work in the core reports
progress between chunks, which is such an update, but one long DuckDB statement (reading a
whole file) reports nothing: the core's `cancel` callback, asked from a watcher thread,
interrupts it. This module answers that callback from the run's own request state.
"""

from __future__ import annotations

from collections.abc import Callable

from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx


def rerun_requested() -> Callable[[], bool]:
    """A thread-safe callable: True once a rerun or a stop of this run has been asked for.
    Outside a Streamlit run (tests calling the page's code), it always says False."""
    ctx = get_script_run_ctx()
    requests = getattr(ctx, "script_requests", None) if ctx is not None else None
    if requests is None:
        return lambda: False

    def asked() -> bool:
        # A private field of Streamlit's ScriptRequests (1.67), read without its lock: an
        # enum swap is atomic, and a missing field (another version) means "not asked".
        state = getattr(requests, "_state", None)
        return state is not None and getattr(state, "name", "CONTINUE") != "CONTINUE"

    return asked
