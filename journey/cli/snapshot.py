"""`python -m journey snapshot save|list|remove`: dated, named snapshots of the journey map.

    python -m journey snapshot save --name "Before checkout redesign" --persona "Busy parent"
    python -m journey snapshot list --json
    python -m journey query changes --snapshot "Before checkout redesign" --json
    python -m journey snapshot remove "Before checkout redesign"

A snapshot keeps the map's figures, the filters that made it and the team's notes; `query
changes` compares it with today's map (asked with the same filters) or with another snapshot.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable

from journey.analytics import snapshots
from journey.analytics.filters import Filters
from journey.db.store import Store


def add_parser(
    subparsers: argparse._SubParsersAction,
    add_db: Callable[[argparse.ArgumentParser], None],
) -> None:
    p = subparsers.add_parser("snapshot", help="save, list or remove journey-map snapshots")
    sub = p.add_subparsers(dest="snapshot_command", required=True)

    s = sub.add_parser(
        "save", help="save the journey map as it is now, under a name",
        description="Save the journey map of the filters (all customers, or --persona P) with "
        "its figures, filters and notes, dated now.",
    )
    add_db(s)
    s.add_argument("--name", required=True, help="the snapshot's name (unique)")
    Filters.add_cli_options(s)
    s.add_argument("--lang", choices=["en", "fr"], default="en",
                   help="language of the map's labels (default en)")
    s.add_argument("--json", action="store_true")
    s.set_defaults(handler=run)

    s = sub.add_parser("list", help="the saved snapshots, newest first")
    add_db(s)
    s.add_argument("--json", action="store_true")
    s.set_defaults(handler=run)

    s = sub.add_parser("remove", help="remove one snapshot (and nothing else)")
    add_db(s)
    s.add_argument("name")
    s.set_defaults(handler=run)


def _listing(store: Store) -> list[dict]:
    df = snapshots.listing(store)
    return [
        {"name": r["name"], "saved_at": r["saved_at"].isoformat(), "persona": r["persona"],
         "lang": r["lang"], "filters": json.loads(snapshots.filters_to_json(r["filters"]))}
        for r in df.to_dict(orient="records")
    ]


def run(args: argparse.Namespace) -> int:
    """Handler of `snapshot ...`: 0 on success; StoreError (a name taken or missing) is
    printed by the main CLI with exit code 2."""
    with Store(args.db) as store:
        if args.snapshot_command == "save":
            conversion_stage = store.get_setting("conversion_stage", "purchase") or "purchase"
            try:
                filters = Filters.from_cli_args(args, conversion_stage=conversion_stage)
            except ValueError as exc:
                print(f"Error: {exc}", file=sys.stderr)
                return 2
            snap = snapshots.save(store, args.name, filters, lang=args.lang)
            if args.json:
                print(json.dumps({"name": snap.name, "saved_at": snap.saved_at.isoformat(),
                                  "customers": snap.map.n}, ensure_ascii=False))
            else:
                print(f"Saved snapshot {snap.name!r} ({snap.map.n} customers, "
                      f"{len(snap.map.stages)} stages).")
            return 0
        if args.snapshot_command == "list":
            rows = _listing(store)
            if args.json:
                print(json.dumps(rows, ensure_ascii=False))
            elif not rows:
                print("No snapshots yet.")
            else:
                for r in rows:
                    print(f"{r['saved_at']}  {r['name']}")
            return 0
        if not store.remove_snapshot(args.name):
            print(f"Error: there is no snapshot named {args.name!r}. See `snapshot list`.",
                  file=sys.stderr)
            return 1
        print(f"Removed snapshot {args.name!r}.")
        return 0
