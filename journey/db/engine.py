"""The engine seam: every analytics query runs its SQL through one `Engine`.

Today an Engine wraps the store's DuckDB connection or a cursor of it (the app opens one
cursor per rerun). It is the one place that times queries, names them for the log, turns a
database error into a `QueryError` that says which question failed, and computes a stable
cache key (SQL text + bound parameters + the store's data version). Later the same SQL, kept
transpilable by sqlglot (DESIGN.md, "SQL that travels"), can run on Spark behind this seam.

Public analytics functions take an `Engine` or a plain DuckDB connection/cursor
(`EngineLike`); they normalise it with `Engine.of`, so callers holding a cursor keep working.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol, TypeAlias

import duckdb
import pandas as pd

log = logging.getLogger("parcours.engine")

# Queries slower than this are logged at INFO (the others at DEBUG): enough to find the
# slow question of a page without drowning the log.
SLOW_MS = 500.0
# How many executed statements an engine remembers (for tests, the bench and debugging).
HISTORY = 500

Params: TypeAlias = Mapping[str, Any] | Sequence[Any] | None


class _Executes(Protocol):
    def execute(self, sql: str, params: Any = ...) -> Any: ...


EngineLike: TypeAlias = "Engine | duckdb.DuckDBPyConnection | _Executes"


class QueryError(RuntimeError):
    """A query failed. `purpose` says which question (e.g. "flows.sankey"), `sql` is the
    statement, `cause` the database's own error; str() is "<purpose>: <cause>"."""

    def __init__(self, purpose: str, sql: str, cause: BaseException) -> None:
        super().__init__(f"{purpose}: {cause}")
        self.purpose = purpose
        self.sql = sql
        self.cause = cause


@dataclass(frozen=True)
class Executed:
    """One statement run through an engine: what for, its text, how long it took."""

    purpose: str
    sql: str
    ms: float


def _canonical(value: Any) -> str:
    # repr() of floats, dates and Decimals is stable across runs; sets are not ordered.
    if isinstance(value, Mapping):
        return "{" + ",".join(f"{k!r}:{_canonical(value[k])}" for k in sorted(value)) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_canonical(v) for v in value) + "]"
    if isinstance(value, dt.date | dt.datetime | Decimal | float | int | str | bool | None):
        return repr(value)
    return f"{type(value).__name__}:{value!r}"


class Engine:
    """Runs SQL on one DuckDB connection or cursor: `df`, `rows`, `one`."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection | _Executes,
        *,
        data_version: int | None = None,
        history: deque[Executed] | None = None,
        fast_filters: bool | None = None,
    ) -> None:
        self.con = con
        self._data_version = data_version
        self._fast_filters = fast_filters
        self.history: deque[Executed] = history if history is not None else deque(maxlen=HISTORY)

    @classmethod
    def of(cls, source: EngineLike) -> Engine:
        """`source` itself when it is an Engine, else an Engine over that connection/cursor."""
        if isinstance(source, Engine):
            return source
        if not hasattr(source, "execute"):
            raise TypeError(f"Expected an Engine or a DuckDB connection, got {type(source)!r}.")
        return cls(source)

    # -- running SQL -----------------------------------------------------------------------
    def _run(self, sql: str, params: Params, purpose: str, fetch: str) -> Any:
        # Timed and wrapped around execute *and* fetch: DuckDB may fail while fetching.
        start = time.perf_counter()
        try:
            result = getattr(self.con.execute(sql, params if params is not None else {}), fetch)()
        except duckdb.Error as exc:
            log.warning("query failed (%s): %s", purpose, exc)
            raise QueryError(purpose, sql, exc) from exc
        ms = (time.perf_counter() - start) * 1000.0
        self.history.append(Executed(purpose, sql, ms))
        log.log(logging.INFO if ms >= SLOW_MS else logging.DEBUG, "%s: %.1f ms", purpose, ms)
        return result

    def df(self, sql: str, params: Params = None, *, purpose: str = "query") -> pd.DataFrame:
        """The result as a DataFrame."""
        return self._run(sql, params, purpose, "df")

    def rows(self, sql: str, params: Params = None, *, purpose: str = "query") -> list[tuple]:
        """Every row as a tuple."""
        return self._run(sql, params, purpose, "fetchall")

    def one(self, sql: str, params: Params = None, *, purpose: str = "query") -> tuple | None:
        """The first row (None when there is none)."""
        return self._run(sql, params, purpose, "fetchone")

    # -- caching keys ----------------------------------------------------------------------
    @property
    def data_version(self) -> int | None:
        """The store's data version (bumped by every import, removal and edit), read once;
        None for a database that has no Parcours `meta` table."""
        if self._data_version is None:
            try:
                row = self.con.execute(
                    "SELECT value FROM meta WHERE key = 'data_version'"
                ).fetchone()
            except duckdb.Error:
                return None
            self._data_version = int(row[0]) if row and row[0] is not None else None
        return self._data_version

    @property
    def fast_filters(self) -> bool:
        """Whether the store's fast-filter tables (`derived.EXTRA_TABLES`) are built and
        current, read once per engine (one small query): the flows read them only then
        (`flows._routed`). The store's setting alone is not enough: a setting turned on whose
        build has not run yet reads False, so the queries take the computed path."""
        if self._fast_filters is None:
            from journey.db import derived

            self._fast_filters = derived.extras_ready(self.con)
        return self._fast_filters

    def cache_key(self, sql: str, params: Params = None) -> str:
        """A stable key for this statement's result on this data: equal keys, equal results."""
        text = f"{self.data_version}\n{sql}\n{_canonical(params)}"
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    # -- parallel work ---------------------------------------------------------------------
    @contextmanager
    def fork(self) -> Iterator[Engine]:
        """An engine on a new cursor of the same database, closed afterwards, for running
        independent read queries at once (DuckDB runs them in parallel). Without cursors
        (a plain object with `execute`), this same engine."""
        make = getattr(self.con, "cursor", None)
        if make is None:
            yield self
            return
        cur = make()
        try:
            yield Engine(cur, data_version=self._data_version, history=self.history,
                         fast_filters=self._fast_filters)
        finally:
            cur.close()

    @property
    def can_fork(self) -> bool:
        return hasattr(self.con, "cursor")
