"""Helpers the AppTest modules share (a plain module: tests call them, fixtures cannot be
called inside a test the way these are)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from streamlit.testing.v1 import AppTest

from journey.analytics.filters import Filters
from journey.db.store import Store


def direct(db: str, fn: Callable[..., Any], filters: Filters | None = None, **kw: Any) -> Any:
    """`fn(cursor, filters, **kw)` on the store at `db`: the figure as the core computes it,
    to compare with what the page shows. Through a Store like the app's (same DuckDB
    configuration, so both may be open in this process at once)."""
    store = Store(db)
    cur = store.cursor()
    try:
        return fn(cur, filters or Filters(), **kw)
    finally:
        cur.close()


def run_clean(app_test: Callable[..., AppTest], db: str, page: str,
              **query_params: str | list[str]) -> AppTest:
    """The app run on `db`, switched to `page` with these URL keys, with no exception and no
    error box (fails naming them)."""
    at = app_test(db, page=page, query_params=query_params or None)
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at
