"""`python -m journey export-parquet --db PATH --out DIR`: the store as Parquet for Spark.

One folder per table and a manifest (journey/db/parquet_export.py); `query ... --engine spark
--parquet DIR` and the app with PARCOURS_ENGINE / PARCOURS_PARQUET then read it.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable

from journey.db.parquet_export import ExportError, export_parquet
from journey.db.store import Store


def add_parser(
    subparsers: argparse._SubParsersAction,
    add_db: Callable[[argparse.ArgumentParser], None],
) -> argparse.ArgumentParser:
    """Register the `export-parquet` subcommand on the main CLI (called by journey.cli)."""
    p = subparsers.add_parser(
        "export-parquet", help="write the store's tables as Parquet (for the Spark engine)",
        description="Write every table of the store as Parquet, one folder per table, with "
        "a manifest.json (data version, schema version, rows per table).",
    )
    add_db(p)
    p.add_argument("--out", required=True, metavar="DIR",
                   help="a new or empty folder (an earlier export there is replaced)")
    p.add_argument("--json", action="store_true", help="print the manifest as JSON")
    p.set_defaults(handler=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Handler of `export-parquet`: 0 when written, 2 when the folder cannot be used."""
    with Store(args.db) as store:
        try:
            manifest = export_parquet(store.cursor(), args.out)
        except ExportError as exc:
            print(f"Error: {exc}", file=sys.stderr)
            return 2
    if args.json:
        print(json.dumps(manifest, ensure_ascii=False))
    else:
        tables = manifest["tables"]
        events = tables.get("events", {}).get("rows", 0)
        print(f"Wrote {len(tables)} tables ({events:,} events, data version "
              f"{manifest['data_version']}) to {args.out}")
    return 0
