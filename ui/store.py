"""Store access for the app: one DuckDB connection per process, a cursor per query, results
cached by the store's data version.

Every import, removal or edit goes through `journey.db.store.Store`, which bumps the data
version; every cache here is keyed by it, so the next run of any page shows the new data.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import streamlit as st

from journey.analytics.filter_options import filter_options
from journey.analytics.filters import Filters
from journey.db import health
from journey.db.store import DEFAULT_DB, Store, StoreError
from journey.ingest import tempfiles


def db_path() -> str:
    """The DuckDB file this app serves: $PARCOURS_DB, else data/parcours.duckdb."""
    return str(Path(os.environ.get("PARCOURS_DB") or DEFAULT_DB).resolve())


@st.cache_resource(show_spinner=False)
def _open_store(path: str) -> Store:
    # One connection per process and file: DuckDB allows a single writer process, and a
    # cursor per rerun is cheap. A failure is not cached, so fixing the file and reloading
    # the page retries.
    tempfiles.sweep_stale()  # once per process: what a killed import left in the temp folder
    return Store(path)


def open_store() -> Store:
    """The app's Store; raises StoreError (plain words) when the file cannot be used."""
    return _open_store(db_path())


def as_store_error(path: str | Path, exc: BaseException) -> StoreError | None:
    """The store problem behind `exc`, in words: a StoreError itself, or a damaged file that
    DuckDB only noticed while a query read it (an IO error under the query's own error). None
    for anything else."""
    seen: BaseException | None = exc
    visited: set[int] = set()
    while seen is not None and id(seen) not in visited:  # a chain can loop back on itself
        visited.add(id(seen))
        if isinstance(seen, StoreError):
            return seen
        if health.is_damage(seen):
            return StoreError(**health.classify(Path(path), seen))
        seen = seen.__cause__ or seen.__context__
    return None


@st.cache_data(show_spinner=False, max_entries=64)
def _facts(path: str, data_version: int, _store: Store) -> dict[str, Any]:
    from journey.ingest import demo

    cur = _store.cursor()
    try:
        options = filter_options(cur)
    finally:
        cur.close()
    return {
        "options": options,
        "stages_df": _store.stages(),
        "is_demo": demo.is_demo(_store),
        "demo_share": demo.demo_share(_store),
        "empty": _store.is_empty(),
        "responses": int(_store.info()["responses"]),
        "conversion_stage": _store.get_setting("conversion_stage", "purchase") or "purchase",
    }


def store_facts(store: Store) -> dict[str, Any]:
    """Filter options, stage labels, demo flag, emptiness, number of survey answers:
    recomputed only after a write."""
    return _facts(str(store.path), store.data_version, store)


@st.cache_data(show_spinner=False, max_entries=32)
def _stage_labels(path: str, data_version: int, lang: str, _stages: Any) -> dict[str, str]:
    from journey import i18n

    return {str(s): i18n.stage_label(str(s), lang, _stages) for s in _stages["stage"]}


def stage_labels(store: Store, lang: str, data_version: int | None = None) -> dict[str, str]:
    """{stage key: label} of every stage of the model in `lang`, once per data version and
    language: each label looks its stage up in the stages table (a DataFrame filter), and the
    sidebar and every chart ask for all of them on every rerun."""
    version = store.data_version if data_version is None else data_version
    return _stage_labels(str(store.path), version, lang, store_facts(store)["stages_df"])


def engine_setting() -> tuple[str, str | None]:
    """($PARCOURS_ENGINE or "duckdb", $PARCOURS_PARQUET): `spark` or `spark://HOST:PORT` runs
    the pages' analytics on Spark over that Parquet export (journey/db/spark_engine.py)."""
    return (os.environ.get("PARCOURS_ENGINE") or "duckdb").strip(), (
        os.environ.get("PARCOURS_PARQUET") or None)


@st.cache_resource(show_spinner=False)
def _spark_engine(engine: str, location: str) -> Any:
    # One SparkSession per process, like the one DuckDB connection; pyspark only when asked.
    from journey.db.spark_engine import SparkEngine

    return SparkEngine.open(engine, location)


def analytics_engine() -> Any:
    """The Spark engine when $PARCOURS_ENGINE asks for one, else None (a DuckDB cursor per
    query). A Spark engine without $PARCOURS_PARQUET is a StoreError in plain words."""
    engine, location = engine_setting()
    if engine == "duckdb":
        return None
    if not location:
        raise StoreError(code="spark_no_parquet", engine=engine)
    return _spark_engine(engine, location)


@st.cache_data(show_spinner=False, max_entries=512)
def _cached_query(
    path: str,
    data_version: int,
    source: str,
    fn_key: str,
    filters_key: str,
    kwargs_key: str,
    *,
    _fn: Callable[..., Any],
    _store: Store,
    _filters: Filters,
    _kwargs: dict[str, Any],
) -> Any:
    # The underscored arguments are not hashed: the string keys above identify the call.
    spark = analytics_engine()
    if spark is not None:  # the same analytics code and SQL, run on Spark
        return _fn(spark, _filters, **_kwargs)
    cur = _store.cursor()
    try:
        return _fn(cur, _filters, **_kwargs)
    finally:
        cur.close()


def cached_query(store: Store, data_version: int, fn: Callable[..., Any], filters: Filters,
                 kwargs: dict[str, Any]) -> Any:
    """`fn(cursor, filters, **kwargs)`, cached by (fn, filters, data version, kwargs)."""
    return _cached_query(
        str(store.path), data_version, "|".join(str(v) for v in engine_setting()),
        f"{fn.__module__}.{fn.__qualname__}", repr(filters),
        repr(sorted(kwargs.items())), _fn=fn, _store=store, _filters=filters, _kwargs=kwargs,
    )


# -- the demo, loaded into an empty store ------------------------------------------------
@st.cache_resource(show_spinner=False)
def _demo_lock(path: str) -> threading.Lock:
    # Two browser tabs opening an empty store at once must not both load the demo.
    return threading.Lock()


def demo_autoload_enabled(store: Store) -> bool:
    """Off once the user removed the demo (else it would come back at once), or by
    $PARCOURS_DEMO for tests and servers that must start empty."""
    if os.environ.get("PARCOURS_DEMO", "1").lower() in ("0", "false", "no", "off"):
        return False
    return (store.get_setting("demo_autoload", "on") or "on") != "off"


def demo_customers() -> int:
    """How many customers the demo has ($PARCOURS_DEMO_CUSTOMERS, default 5,000)."""
    try:
        return max(1, int(os.environ.get("PARCOURS_DEMO_CUSTOMERS", "5000")))
    except ValueError:
        return 5000


def load_demo_if_empty(store: Store, lang: str = "en") -> bool:
    """Load the demo into an empty store (once per process), its names and comments in `lang`
    (the first visitor's language). True when it loaded now."""
    from journey.ingest import demo

    with _demo_lock(str(store.path)):
        if not store.is_empty() or demo.is_demo(store):
            return False
        try:
            demo.load_sample(store, customers=demo_customers(), lang=lang)
        except StoreError:
            return False  # another process loaded it meanwhile
        return True
