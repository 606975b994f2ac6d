"""Sections that rerun alone: a control inside a section reruns that section, not the page.

A page section is a function `body(ctx, ...)` that draws its controls and figures and returns
the values of its controls under their URL keys. `section` runs it as an `st.fragment`:
changing one of its controls reruns only it (the page's other queries and charts are not
touched), and writes its own keys to the URL, since the page's final `URL.write` does not
run on such a rerun. Errors inside are turned into words by `guard`, as on the whole page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from ui.page import PageContext
from ui.url_state import UrlState
from ui.widgets import guard


def section(ctx: PageContext, body: Callable[..., dict[str, Any] | None], *args: Any,
            url: UrlState | None = None, default: dict[str, Any] | None = None,
            **kwargs: Any) -> dict[str, Any]:
    """`body(ctx, *args, **kwargs)` as a fragment; its returned URL values (`default` when it
    failed or returned nothing). With `url`, those values are written to the link on every
    run of the section, its own reruns included."""

    @st.fragment
    def run() -> dict[str, Any]:
        values: dict[str, Any] | None = None
        with guard(ctx):
            values = body(ctx, *args, **kwargs)
        values = dict(values or default or {})
        if url is not None and values:
            url.write(values)
        return values

    # A fragment returns None when there is no script run (never in the app).
    return run() or dict(default or {})
