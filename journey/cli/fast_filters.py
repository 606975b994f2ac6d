"""`python -m journey fast-filters on|off|status`: the store's fast-filters setting."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from journey.cli.store_health import db_path
from journey.db import fast_filters
from journey.db.store import Store

# What the setting trades, said once for `on` and `status`.
TRADE_OFF = (
    "One device or one channel, and the 30-min / 1-day session gaps on the Flows page, "
    "answer several times faster; every import and rule change takes about three times as "
    "long. Worth it from about a million events."
)


def add_parser(
    subparsers: argparse._SubParsersAction,
    add_db: Callable[[argparse.ArgumentParser], None],
) -> None:
    """Register `fast-filters` on the main CLI (called by journey.cli)."""
    p = subparsers.add_parser(
        "fast-filters",
        help="precompute journeys for one device / one channel and the 30-min and 1-day "
        "session gaps (faster filters, slower imports): on, off, or status",
    )
    add_db(p)
    p.add_argument("action", choices=("on", "off", "status"))
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    path = db_path(args)
    with Store(path) as store:
        if args.action == "status":
            now = fast_filters.current(store)
        else:
            start = time.perf_counter()
            now = fast_filters.switch(store, args.action == "on")
            took = time.perf_counter() - start
            done = "built their tables" if now.on else "dropped their tables"
            print(f"Fast filters are now {args.action} for {path}: {done} ({took:.1f} s).")
    if now.on and now.built:
        print(f"Fast filters: on, tables built. {TRADE_OFF}")
    elif now.on:
        print("Fast filters: on, tables not built yet (the next import or edit builds them; "
              "until then questions are computed as with the setting off).")
    else:
        print(f"Fast filters: off. {TRADE_OFF}")
    return 0
