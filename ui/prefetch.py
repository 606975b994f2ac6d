"""Reading a page's figures side by side: the queries a full rerun of a page is about to ask
for, run at once on their own cursors before the page draws, and left in the query cache.

A filter change makes every figure of a page a cache miss, and the page then asks for them
one after the other while it draws (the NPS page: ten queries, ~0.6 s of CPU). DuckDB
releases the GIL and a store opens a cursor per thread, so those that are not cached yet
run at once instead (the journey map's `map_facts` does the same in the core). Each result
is stored under the very key `ctx.query` looks up, so the page finds it there: the same
function on the same store and filters, the same numbers. A query the page would not ask
for is never listed: a call listed here and not asked for is wasted work, and the test of
each page checks that every listed call is one the page makes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ui.page import PageContext
from ui.store import engine_setting, is_cached, put_cached, run_query

Call = tuple[Callable[..., Any], dict[str, Any]]
# Two cores on the machines Parcours runs on: four queries at once keep both busy while
# one of them converts its result in Python.
WORKERS = 4


def prefetch(ctx: PageContext, calls: Sequence[Call]) -> int:
    """Run the `calls` (`fn`, kwargs for `ctx.query`) not cached yet, at once; how many ran.
    A failing query is left to the page, which asks again and shows its error in words."""
    if engine_setting()[0] != "duckdb":
        return 0  # Spark runs its own jobs in parallel; its session is the page's to use
    store, version, filters = ctx.store, ctx.data_version, ctx.filters
    misses = [(fn, dict(kw)) for fn, kw in calls
              if not is_cached(store, version, fn, filters, kw)]
    if len(misses) < 2:
        return 0  # one query alone gains nothing from a thread

    def one(call: Call) -> tuple[bool, Any]:
        fn, kw = call
        try:
            return True, run_query(store, fn, filters, kw)
        except Exception:  # noqa: BLE001 - the page's own call raises it again, in words
            return False, None

    with ThreadPoolExecutor(max_workers=min(WORKERS, len(misses))) as pool:
        results = list(pool.map(one, misses))
    for (fn, kw), (ok, value) in zip(misses, results, strict=True):
        if ok:
            put_cached(store, version, fn, filters, kw, value)
    return len(misses)
