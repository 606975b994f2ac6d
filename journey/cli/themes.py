"""`python -m journey themes rename|merge|pin|unpin`: the users' edits of the verbatims' themes.

    python -m journey query themes --json          # ids, labels, sizes, NPS
    python -m journey themes rename 3 "Attente en caisse"
    python -m journey themes merge 3 7             # 7's comments join 3, now and later
    python -m journey themes pin 3                 # keep 3 and its label across recomputes

Every edit is kept in the store and survives the recompute that follows each import.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from journey.db.store import Store
from journey.voc import themes


def add_parser(
    subparsers: argparse._SubParsersAction,
    add_db: Callable[[argparse.ArgumentParser], None],
) -> None:
    """Register `themes` and its commands on the main CLI (called by journey.cli)."""
    p = subparsers.add_parser("themes", help="rename, merge or pin the verbatims' themes")
    sub = p.add_subparsers(dest="themes_command", required=True)
    s = sub.add_parser("rename", help="give a theme your label (\"\": back to the automatic one)")
    add_db(s)
    s.add_argument("id", type=int)
    s.add_argument("label")
    s.set_defaults(handler=run)
    s = sub.add_parser("merge", help="merge the second theme into the first")
    add_db(s)
    s.add_argument("id", type=int, help="the theme that stays")
    s.add_argument("other", type=int, help="the theme merged into it")
    s.set_defaults(handler=run)
    for name, text in (("pin", "keep a theme and its label across recomputes"),
                       ("unpin", "let the recompute update or drop a pinned theme")):
        s = sub.add_parser(name, help=text)
        add_db(s)
        s.add_argument("id", type=int)
        s.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Handler of `themes ...`: 0 on success, 2 with one plain sentence on a bad id."""
    command = args.themes_command
    with Store(args.db) as store:
        try:
            if command == "rename":
                themes.rename(store, args.id, args.label)
                print(f"Theme {args.id} renamed.")
            elif command == "merge":
                themes.merge(store, args.id, args.other)
                print(f"Theme {args.other} merged into theme {args.id}.")
            else:
                themes.pin(store, args.id, command == "pin")
                print(f"Theme {args.id} {'pinned' if command == 'pin' else 'unpinned'}.")
        except themes.ThemeError as exc:
            print(f"Error: {exc}", file=sys.stderr)
            return 2
    return 0
