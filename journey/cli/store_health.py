"""`python -m journey check` and `python -m journey backup`: is the store sound, and a copy."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

from journey.db import health
from journey.db.store import DEFAULT_DB, Store, StoreError


def db_path(args: argparse.Namespace) -> Path:
    return Path(args.db or os.environ.get("PARCOURS_DB") or DEFAULT_DB)


def add_parsers(
    subparsers: argparse._SubParsersAction,
    add_db: Callable[[argparse.ArgumentParser], None],
) -> None:
    """Register `check` and `backup` on the main CLI (called by journey.cli)."""
    p = subparsers.add_parser(
        "check", help="check the store file: every table readable, journey tables consistent",
    )
    add_db(p)
    p.add_argument("--repair", action="store_true",
                   help="rebuild the journey tables from the imported rows")
    p.set_defaults(handler=run_check)

    p = subparsers.add_parser(
        "backup", help="copy the store into a new file (a consistent snapshot)",
    )
    add_db(p)
    p.add_argument("--out", required=True, metavar="FILE", help="the new backup file (.duckdb)")
    p.set_defaults(handler=run_backup)


def run_check(args: argparse.Namespace) -> int:
    path = db_path(args)
    if args.repair:
        # Imported rows are the truth; the journey tables are recomputed from them.
        with Store(path) as store, store.transaction(full_rebuild=True):
            pass
        print(f"Rebuilt the journey tables of {path}.")
    report = health.check(path)
    print(report.to_text(), file=sys.stdout if report.ok else sys.stderr)
    return 0 if report.ok else 1


def run_backup(args: argparse.Namespace) -> int:
    out = Path(args.out)
    if out.exists():
        raise StoreError(f"{out} already exists: pick a new file name for the backup.")
    try:
        store = Store(db_path(args))
    except StoreError as exc:
        if exc.code not in ("locked_app", "locked_cli"):
            raise
        # The app (or an import) holds the store: copy its files under the write lock
        # they take for every commit.
        health.backup_held(db_path(args), out)
    else:
        with store:
            cur = store.cursor()
            try:
                health.backup(cur, out)
            finally:
                cur.close()
    print(f"Backed up {db_path(args)} to {out} ({out.stat().st_size / 1e6:.1f} MB).")
    return 0
