"""A store as Parquet: one folder per table and a small manifest, for the Spark engine.

Every base table of the store is written (events, the derived journey tables, responses,
customers, touchpoints, stages, meta, ...): the analytics SQL reads many of them, and a table
written needlessly costs little next to a query failing on a cluster for a missing one. Each
table is read in Arrow batches and streamed to `<out>/<table>/part-0.parquet`, so a 10M-event
store never sits in memory whole. `manifest.json` says which data version and schema version
the files hold, and each table's row count.

Timestamps stay without a time zone (Parquet `isAdjustedToUTC=false`): Spark reads them as
TIMESTAMP_NTZ, the same wall-clock values DuckDB compares.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

MANIFEST = "manifest.json"
FORMAT = "parcours-parquet/1"
PART = "part-0.parquet"
_BATCH_ROWS = 256_000


class ExportError(ValueError):
    """The output folder cannot be used (worded for the user)."""


def _tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = 'main' AND table_type = 'BASE TABLE' ORDER BY table_name"
    ).fetchall()
    return [str(r[0]) for r in rows]


def _meta(con: duckdb.DuckDBPyConnection, key: str) -> int | None:
    row = con.execute("SELECT value FROM meta WHERE key = $k", {"k": key}).fetchone()
    return int(row[0]) if row and row[0] is not None else None


def _arrow_friendly(schema: pa.Schema) -> pa.Schema:
    # Spark reads no unsigned or 128-bit integers and no extension types: widen/plain them.
    fields = []
    for f in schema:
        t = f.type
        if isinstance(t, pa.ExtensionType):
            t = t.storage_type
        if pa.types.is_unsigned_integer(t):
            t = pa.int64()
        fields.append(pa.field(f.name, t, nullable=f.nullable))
    return pa.schema(fields)


def _check_out(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise ExportError(f"{out} is a file: give a folder to write the Parquet tables into.")
    if out.is_dir() and any(out.iterdir()) and not (out / MANIFEST).exists():
        # Never delete what is not ours: only an earlier export (it has a manifest) is replaced.
        raise ExportError(
            f"{out} is not empty and holds no Parcours export: give a new or empty folder."
        )


def export_parquet(con: duckdb.DuckDBPyConnection, out: str | Path) -> dict[str, Any]:
    """Write every table of the store behind `con` under `out` and return the manifest."""
    out = Path(out)
    _check_out(out)
    out.mkdir(parents=True, exist_ok=True)
    old = out / MANIFEST
    if old.exists():
        old.unlink()  # a half-replaced export must not look complete
    tables: dict[str, dict[str, Any]] = {}
    for table in _tables(con):
        folder = out / table
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir()
        # The name comes from the catalogue, not from a user; quoted all the same.
        quoted = '"' + table.replace('"', '""') + '"'
        reader = con.sql(f"SELECT * FROM {quoted}").to_arrow_reader(_BATCH_ROWS)
        schema = _arrow_friendly(reader.schema)
        rows = 0
        with pq.ParquetWriter(folder / PART, schema) as writer:
            for batch in reader:
                writer.write_table(pa.Table.from_batches([batch]).cast(schema))
                rows += batch.num_rows
        tables[table] = {"rows": rows, "path": table}
    manifest = {
        "format": FORMAT,
        "data_version": _meta(con, "data_version"),
        "schema_version": _meta(con, "schema_version"),
        "exported_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "tables": tables,
    }
    # Written last: its presence says the export is whole.
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest
