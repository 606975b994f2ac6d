"""The Spark engine: the same DuckDB SQL text, transpiled by sqlglot, run on Apache Spark.

Analytics code does not change: it hands its DuckDB SQL and bound parameters to an `Engine`;
`SparkEngine` is one. It reads a Parquet export (`python -m journey export-parquet`, see
journey/db/parquet_export.py) as temp views named like the store's tables, transpiles each
statement with `sqlglot.transpile(sql, read="duckdb", write="spark")` (cached per text) and
returns the same pandas frames and tuples as the DuckDB engine (DESIGN.md, "SQL that travels").

Parameters stay bound: `$name` becomes Spark's `:name` and each `?` a named `:_pN`, passed in
`spark.sql(sql, args=...)`, never pasted into the text. Read-only: imports, rules and edits
need the DuckDB store, and a write through this engine says so (`ReadOnlyEngineError`).

pyspark is imported only when a Spark engine is made: the app and CLI run without it.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
import sqlglot
from sqlglot import exp
from sqlglot.tokens import TokenType

from journey.db.engine import Engine, Executed, Params, QueryError, log

LOCAL_MASTER = "local[2]"
MANIFEST = "manifest.json"  # the name journey/db/parquet_export.py writes

# Statements that only read: anything else is refused before it reaches Spark.
_READS = (exp.Select, exp.Union, exp.Intersect, exp.Except)


class ReadOnlyEngineError(QueryError):
    """A write (import, rule, note, CREATE ...) was sent to the read-only Spark engine."""

    def __init__(self, purpose: str, sql: str) -> None:
        cause = RuntimeError(
            "the Spark engine only reads a Parquet export; imports, rules, notes and other "
            "changes need the DuckDB store (run them with --db, then export-parquet again)"
        )
        super().__init__(purpose, sql, cause)


class SparkSetupError(RuntimeError):
    """pyspark, Java or the Parquet location is missing (worded for the user)."""


def master_url(engine: str) -> str:
    """`spark` -> local mode `local[2]`; `spark://HOST:PORT` -> that cluster's master URL.
    ValueError for anything else."""
    if engine == "spark":
        return LOCAL_MASTER
    if engine.startswith("spark://") and len(engine) > len("spark://"):
        return engine
    raise ValueError(f"engine {engine!r}: use duckdb, spark or spark://HOST:PORT.")


def make_session(
    master: str = LOCAL_MASTER, *, app_name: str = "parcours", conf: Mapping[str, str] = {}
) -> Any:
    """A SparkSession configured so results match DuckDB's: UTC, non-ANSI arithmetic (a
    division by zero is NULL in both), Arrow to pandas; small shuffles and no UI locally.
    `conf` adds or overrides settings (tests tune Spark for tiny data with it)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:  # pragma: no cover - depends on the machine
        raise SparkSetupError(
            "the Spark engine needs pyspark: pip install -r requirements-dev.txt"
        ) from exc
    builder = (
        SparkSession.builder.master(master).appName(app_name)
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.ansi.enabled", "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.parquet.inferTimestampNTZ.enabled", "true")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
    )
    if master.startswith("local"):
        # A laptop's data: the default 200 shuffle partitions would cost more than the query.
        builder = builder.config("spark.sql.shuffle.partitions", "2")
    for key, value in conf.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


@lru_cache(maxsize=1024)
def to_spark(sql: str) -> tuple[str, frozenset[str], bool]:
    """(Spark SQL text with each `?` renamed `:_pN`, the tables it reads, whether it only
    reads). Cached: the analytics send the same few texts again and again."""
    tree = sqlglot.parse_one(_name_positional(sql), read="duckdb")
    reads = isinstance(tree, _READS)
    ctes = {c.alias_or_name for c in tree.find_all(exp.CTE)}
    tables = frozenset(t.name for t in tree.find_all(exp.Table) if t.name not in ctes)
    return tree.sql(dialect="spark"), tables, reads


def _name_positional(sql: str) -> str:
    """Each `?` token (not one inside a string) becomes `$_pN`, numbered in text order:
    Spark cannot mix `?` with named parameters, and the text order is the binding order."""
    marks = [
        t for t in sqlglot.tokenize(sql, read="duckdb")
        if t.token_type == TokenType.PLACEHOLDER and t.text == "?"
    ]
    for i, tok in reversed(list(enumerate(marks))):
        sql = sql[: tok.start] + f"$_p{i}" + sql[tok.end + 1:]
    return sql


def _spark_args(params: Params) -> dict[str, Any]:
    if params is None:
        return {}
    if isinstance(params, Mapping):
        return {str(k): _spark_value(v) for k, v in params.items()}
    return {f"_p{i}": _spark_value(v) for i, v in enumerate(params)}


def _spark_value(value: Any) -> Any:
    # Spark makes literals of Python values; numpy scalars it does not know.
    item = getattr(value, "item", None)
    if item is not None and not isinstance(value, str | bytes):
        return item()
    return value


def _is_local(location: str) -> bool:
    return "://" not in location or location.startswith("file://")


def _read_manifest(spark: Any, location: str) -> dict[str, Any]:
    path = location.rstrip("/") + "/" + MANIFEST
    try:
        if _is_local(location):
            return json.loads(Path(path.removeprefix("file://")).read_text(encoding="utf-8"))
        # Through Spark, so a cluster path (hdfs://, s3a://, ...) is read like a local folder.
        text = "".join(r[0] for r in spark.read.text(path, wholetext=True).collect())
        return json.loads(text)
    except Exception as exc:  # noqa: BLE001 - Spark raises several kinds; all mean "no export"
        raise SparkSetupError(
            f"no Parcours export at {location} ({MANIFEST} missing or unreadable): run "
            "`python -m journey export-parquet --db PATH --out DIR` first."
        ) from exc


class SparkEngine(Engine):
    """Runs the analytics' DuckDB SQL on a SparkSession over a Parquet export: `df`, `rows`,
    `one`, like `Engine`. Read-only."""

    def __init__(
        self,
        spark: Any,
        location: str,
        *,
        history: deque[Executed] | None = None,
    ) -> None:
        self.spark = spark
        self.location = location.rstrip("/") or location
        self.manifest = _read_manifest(spark, self.location)
        super().__init__(
            spark, data_version=self.manifest.get("data_version"), history=history
        )
        self._tables: dict[str, str] = {
            table: self.location + "/" + str(info.get("path", table))
            for table, info in self.manifest.get("tables", {}).items()
        }
        self._views: set[str] = set()
        self._lock = threading.Lock()  # the app's sessions share one engine

    def _register(self, tables: frozenset[str]) -> None:
        # A view per table on first use: reading a Parquet schema is a Spark job, and most
        # questions read three or four of the store's twenty-odd tables.
        with self._lock:
            for table in sorted(tables - self._views):
                if table in self._tables:
                    self.spark.read.parquet(self._tables[table]).createOrReplaceTempView(table)
                    self._views.add(table)

    @classmethod
    def open(cls, engine: str, location: str) -> SparkEngine:
        """The engine for a `--engine` value (`spark`, `spark://HOST:PORT`) and a location."""
        return cls(make_session(master_url(engine)), location)

    # -- running SQL -----------------------------------------------------------------------
    def _run(self, sql: str, params: Params, purpose: str, fetch: str) -> Any:
        start = time.perf_counter()
        try:
            text, tables, reads = to_spark(sql)
        except sqlglot.errors.SqlglotError as exc:
            raise QueryError(purpose, sql, exc) from exc
        if not reads:
            raise ReadOnlyEngineError(purpose, sql)
        try:
            self._register(tables)
            frame = self.spark.sql(text, args=_spark_args(params))
            if fetch == "df":
                result: Any = _like_duckdb(frame.toPandas())
            elif fetch == "fetchall":
                result = [tuple(r) for r in frame.collect()]
            else:
                got = frame.take(1)
                result = tuple(got[0]) if got else None
        except Exception as exc:  # noqa: BLE001 - py4j and pyspark errors have no common base
            log.warning("spark query failed (%s): %s", purpose, exc)
            raise QueryError(purpose, text, exc) from exc
        ms = (time.perf_counter() - start) * 1000.0
        self.history.append(Executed(purpose, sql, ms))
        log.debug("%s (spark): %.1f ms", purpose, ms)
        return result

    # -- what the DuckDB engine has that Spark does not need ------------------------------
    @property
    def data_version(self) -> int | None:
        return self._data_version

    @property
    def fast_filters(self) -> bool:
        # The export writes the fast-filter tables when the store had them (built and
        # current: a store turned off has none): the tables it holds say it.
        from journey.db import derived

        return all(t in self._tables for t in derived.EXTRA_TABLES)

    @contextmanager
    def fork(self) -> Iterator[Engine]:
        # Spark runs one query on many cores already: no cursors to fan out on.
        yield self

    @property
    def can_fork(self) -> bool:
        return False


def _like_duckdb(df: pd.DataFrame) -> pd.DataFrame:
    """Spark's pandas frame with DuckDB's dtypes where they differ in ways callers see:
    32-bit integers widened (DuckDB sums and counts are 64-bit), timestamps in microseconds."""
    for col in df.columns:
        dtype = df[col].dtype
        if pd.api.types.is_integer_dtype(dtype) and dtype.itemsize < 8:
            df[col] = df[col].astype("int64")
        elif pd.api.types.is_datetime64_dtype(dtype):
            df[col] = df[col].astype("datetime64[us]")
    return df

