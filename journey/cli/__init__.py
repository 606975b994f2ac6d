"""`python -m journey ...`: the store from the command line.

Every subcommand takes --db PATH, before or after the subcommand's name. Errors a user can fix
are printed in plain words on stderr with a non-zero exit, never as a traceback; a closed pipe
(`| head`) ends quietly.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence

import duckdb

from journey import i18n
from journey.cli import (
    export_map,
    export_parquet,
    fast_filters,
    query,
    rules,
    snapshot,
    store_health,
    themes,
)
from journey.db import health
from journey.db.store import Store, StoreError
from journey.ingest import tempfiles
from journey.ingest.limits import ENV, FLAGS, LimitError, Limits, parse_value

DB_HELP = "DuckDB file (default: $PARCOURS_DB or data/parcours.duckdb)"


def _add_db(p: argparse.ArgumentParser) -> None:
    # SUPPRESS: a subcommand's own --db only overrides the global one when it is given, so
    # `--db X query ...` and `query ... --db X` both work.
    p.add_argument("--db", default=argparse.SUPPRESS, help=DB_HELP)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m journey", description="Parcours store")
    parser.add_argument("--db", default=None, help=DB_HELP)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("sample", help="load the built-in demo data")
    _add_db(p)
    p.add_argument("--customers", type=int, default=5000)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--lang", choices=("en", "fr"), default="en",
                   help="names and comments of the demo in this language")

    p = sub.add_parser("import", help="import CSV/XLSX exports")
    _add_db(p)
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--kind", choices=["events", "responses", "customers", "touchpoints"])
    p.add_argument(
        "--map", action="append", default=[], metavar="SRC=DST",
        help="map a source column to a target field, e.g. --map 'Identifiant=customer_id'; "
        "the target 'ignore' leaves a column out, e.g. --map 'satisfaction=ignore'. Targets: "
        "customer_id, ts, touchpoint, channel, device, stage, revenue, nps, csat, ces, "
        "comment, persona, online, ignore",
    )
    p.add_argument(
        "--skip-bad-rows", action="store_true",
        help="import the good rows and list the bad ones (the report says how many first)",
    )
    p.add_argument(
        "--dry-run", action="store_true",
        help="read and check everything, say what would be imported (kind, layout, "
        "mapping, rows, rows skipped and why, stages suggested), write nothing",
    )
    _add_limits(p)

    p = sub.add_parser("imports", help="list imports")
    _add_db(p)
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("remove", help="remove one import and everything it brought")
    _add_db(p)
    p.add_argument("import_id", type=int)

    p = sub.add_parser(
        "rescore", help="score every comment's language and sentiment, and find its themes, "
        "again (voice of the customer; an import scores its own new comments by itself)")
    _add_db(p)

    p = sub.add_parser("info", help="what the store holds")
    _add_db(p)
    p.add_argument("--json", action="store_true")

    query.add_parser(sub, _add_db)
    export_map.add_parser(sub, _add_db)
    export_parquet.add_parser(sub, _add_db)
    store_health.add_parsers(sub, _add_db)
    fast_filters.add_parser(sub, _add_db)
    rules.add_parser(sub, _add_db)
    snapshot.add_parser(sub, _add_db)
    themes.add_parser(sub, _add_db)
    return parser


# What each limit bounds, for --help (defaults: journey/ingest/limits.py, README).
_LIMIT_HELP = {
    "max_mb": "a file's size once decompressed, in MB",
    "max_excel_mb": "the sheet data an Excel workbook expands to, in MB",
    "max_rows": "rows in one file",
    "max_columns": "columns in one file",
    "max_cell": "characters in one cell",
    "max_line_mb": "one line (record) of a CSV, in MB",
}


def _add_limits(p: argparse.ArgumentParser) -> None:
    defaults = Limits()
    for name, flag in FLAGS.items():
        p.add_argument(
            flag, dest=name, default=None, metavar="N",
            help=f"limit on {_LIMIT_HELP[name]} (default {getattr(defaults, name):,}, "
            f"or ${ENV[name]})",
        )


def _limits(args: argparse.Namespace) -> Limits:
    """The environment's limits, overridden by the flags given; StoreError on a bad one."""
    try:
        given = {n: parse_value(getattr(args, n), f)
                 for n, f in FLAGS.items() if getattr(args, n, None) is not None}
        return Limits.from_env().replace(**given)
    except LimitError as exc:
        raise StoreError(str(exc)) from None


def _parse_map(items: list[str]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for item in items:
        if "=" not in item:
            raise StoreError(f"--map {item!r}: write it as 'Source column=target'.")
        src, dst = item.rsplit("=", 1)
        mapping[src.strip()] = dst.strip()
    return mapping


def run(args: argparse.Namespace) -> int:
    if args.command == "info":
        from journey.ingest import demo

        with Store(args.db) as store:
            info = store.info()
            share = demo.demo_share(store)
        if args.json:
            print(json.dumps({**info, "demo": share} if share else info))
        else:
            for k, v in info.items():
                print(f"{k:15} {v}")
            if share:
                # Demo and real data do not mix silently: say how much of each is there.
                for side in ("demo", "yours"):
                    c = share[side]
                    print(f"{'of which ' + side:15} {c['events']} events, {c['responses']} "
                          f"responses, {c['customers']} customers")
                print(f"{'':15} remove the demo: python -m journey remove {share['import_id']}")
        return 0
    if args.command == "imports":
        with Store(args.db) as store:
            df = store.imports()
        if args.json:
            print(df.to_json(orient="records", date_format="iso"))
        elif df.empty:
            print("No imports yet.")
        else:
            print(df.drop(columns=["content_hash"]).to_string(index=False))
        return 0
    if args.command == "remove":
        with Store(args.db) as store:
            from journey.ingest import importer

            # Through the importer: the themes of the answers left are found again.
            if not importer.remove_import(store, args.import_id):
                print(f"There is no import {args.import_id}. See `imports`.", file=sys.stderr)
                return 1
        print(f"Removed import {args.import_id}.")
        return 0
    if args.command == "rescore":
        from journey.voc import sentiment, themes

        with Store(args.db) as store:
            scored = sentiment.rescore(store)
            themes.recompute(store)
        print(i18n.t("voc.rescored", "en", n=scored))
        return 0
    if args.command == "sample":
        from journey.ingest import demo

        with Store(args.db) as store:
            summary = demo.load_sample(store, customers=args.customers, seed=args.seed,
                                       lang=args.lang)
        print(json.dumps(summary))
        return 0
    if args.command == "import":
        tempfiles.sweep_stale()
        from journey.ingest import importer

        mapping = _parse_map(args.map)
        limits = _limits(args)
        failed = 0
        with Store(args.db) as store:
            for path in args.files:
                report = importer.import_file(
                    store, path, kind=args.kind, mapping=mapping or None,
                    skip_bad_rows=args.skip_bad_rows, dry_run=args.dry_run,
                    limits=limits,
                )
                stream = sys.stdout if report.ok else sys.stderr
                print(report.to_text(), file=stream)
                failed += not report.ok
        return 1 if failed else 0
    return args.handler(args)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return run(args)
    except BrokenPipeError:
        # The reader went away (`... | head`): stop quietly, as Unix tools do. Point stdout at
        # devnull so the interpreter's final flush does not raise again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except StoreError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 2
    except duckdb.Error as exc:
        # A damaged block found mid-query: say so plainly, never a traceback.
        error = StoreError(**health.classify(store_health.db_path(args), exc))
        print(f"Error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
