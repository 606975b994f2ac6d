"""`python -m journey query KIND [filters] [options] [--json]`: the analytics from the shell.

Plain JSON on stdout with --json (NaN -> null, timestamps ISO 8601), a readable table
otherwise. Options a user can get wrong (unknown stage, bad date, steps out of range) give
one plain sentence on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import sys
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from journey.analytics import (
    attribution,
    compare,
    devices,
    drivers,
    fix_first,
    flows,
    metrics,
    reach,
    repeats,
    snapshots,
    themes,
    variants,
    voc,
    voc_journeys,
)
from journey.analytics.filters import Filters
from journey.analytics.scope import MAX_STEPS, MIN_STEPS, FlowOptions
from journey.db.engine import Engine, QueryError
from journey.db.store import Store

KINDS = (
    "sankey", "transitions", "funnel", "dropoffs", "nps", "devices",
    "csat", "ces", "paths", "overview", "attribution", "fix-first", "variants",
    "repeats", "repeaters-nps", "changes", "verbatims", "themes", "drivers", "voc-paths",
)
BY_CHOICES = ("stage", "touchpoint", "persona", "channel", "month")


class UsageError(ValueError):
    """A bad option value, worded for the user."""


def add_parser(
    subparsers: argparse._SubParsersAction,
    add_db: Callable[[argparse.ArgumentParser], None],
) -> argparse.ArgumentParser:
    """Register the `query` subcommand on the main CLI (called by journey.cli)."""
    p = subparsers.add_parser(
        "query", help="journey analytics as JSON or a table",
        description="Query the journeys: " + ", ".join(KINDS) + ".",
    )
    add_db(p)
    p.add_argument("kind", choices=KINDS, metavar="KIND", help=" | ".join(KINDS))
    Filters.add_cli_options(p)
    g = p.add_argument_group("options")
    g.add_argument(
        "--level", choices=("touchpoint", "stage", "channel"), default="touchpoint",
        help="touchpoint | stage (flows); touchpoint | channel (attribution)",
    )
    g.add_argument(
        "--steps", type=int, default=5, help=f"Sankey steps, {MIN_STEPS}-{MAX_STEPS} (default 5)"
    )
    g.add_argument("--top", type=int, default=None, help="top K nodes per step / paths")
    g.add_argument("--start-at", default=None, help="journeys from their first X")
    g.add_argument("--end-at", default=None, help="the steps leading to Y")
    g.add_argument("--keep-repeats", action="store_true", help="do not collapse repeats")
    g.add_argument(
        "--session-gap", type=float, default=None, metavar="MINUTES",
        help="split journeys after this much inactivity (default: one journey per customer)",
    )
    g.add_argument("--by", choices=BY_CHOICES, default="stage",
                   help="nps/csat/ces grouping; repeats --by persona: the repeat contacts' "
                   "share per persona; drivers: per stage or touchpoint; voc-paths --by "
                   "persona: each persona's own paths")
    g.add_argument(
        "--model", choices=attribution.MODELS, default=None,
        help="attribution model: " + " | ".join(attribution.MODELS),
    )
    g.add_argument(
        "--half-life-days", type=float, default=attribution.DEFAULT_HALF_LIFE_DAYS,
        metavar="DAYS", help="time-decay half-life (default 7)",
    )
    g.add_argument(
        "--lookback-days", type=float, default=None, metavar="DAYS",
        help="attribution: only touchpoints this many days before the conversion",
    )
    g.add_argument(
        "--window-days", type=float, default=repeats.DEFAULT_WINDOW_DAYS, metavar="D",
        help="repeats: a repeat contact follows the previous one within D days (default 7)",
    )
    g.add_argument(
        "--service", action="append", default=[], metavar="T",
        help="repeats: a service touchpoint (repeatable; default: the store setting, "
        "else names like hotline, chatbot, customer service, service client)",
    )
    g.add_argument("--snapshot", default=None, metavar="NAME",
                   help="changes: the snapshot to compare from")
    g.add_argument("--to", default=None, metavar="NAME",
                   help="changes: the snapshot to compare to (default: the map today)")
    g.add_argument("--notes", action="store_true",
                   help="changes: the notes that changed ({stage, before, after}) instead")
    g.add_argument("--sentiment", choices=voc.LABELS, default=None,
                   help="verbatims: only comments with this sentiment label")
    g.add_argument("--language", choices=voc.LANGUAGES, default=None,
                   help="verbatims: only comments detected in this language")
    g.add_argument("--search", default=None, metavar="TEXT",
                   help="verbatims: only comments containing TEXT (case-insensitive)")
    g.add_argument("--limit", type=int, default=None, metavar="N",
                   help="verbatims: at most N comments, newest first (default: all)")
    g.add_argument("--json", action="store_true", help="print plain JSON")
    e = p.add_argument_group("engine")
    e.add_argument(
        "--engine", default="duckdb", metavar="ENGINE",
        help="duckdb (default: the --db store) | spark (local mode, local[2]) | "
        "spark://HOST:PORT (a cluster); spark reads --parquet",
    )
    e.add_argument(
        "--parquet", default=None, metavar="DIR",
        help="the Parquet export Spark reads (`export-parquet --out DIR`; any path the "
        "cluster reads)",
    )
    p.set_defaults(handler=run)
    return p


# -- validation ---------------------------------------------------------------------------


def _validate(args: argparse.Namespace, engine: Engine) -> None:
    if args.kind == "attribution":
        if args.model is None:
            raise UsageError(
                "attribution needs --model: " + ", ".join(attribution.MODELS) + "."
            )
        if args.level == "stage":
            raise UsageError("--level stage: attribution is by touchpoint or by channel.")
        if not args.half_life_days > 0:
            raise UsageError(f"--half-life-days {args.half_life_days}: give days above 0.")
        if args.lookback_days is not None and not args.lookback_days > 0:
            raise UsageError(f"--lookback-days {args.lookback_days}: give days above 0.")
    elif args.level == "channel":
        raise UsageError(f"--level channel: {args.kind} is by touchpoint or by stage.")
    if not MIN_STEPS <= args.steps <= MAX_STEPS:
        raise UsageError(f"--steps {args.steps}: pick a number from {MIN_STEPS} to {MAX_STEPS}.")
    if args.top is not None and args.top < 1:
        raise UsageError(f"--top {args.top}: pick a number of 1 or more.")
    if args.session_gap is not None and not (args.session_gap > 0):
        raise UsageError(f"--session-gap {args.session_gap}: give a number of minutes above 0.")
    stages = [
        str(r[0]) for r in engine.rows(
            "SELECT stage FROM stages ORDER BY position, stage", purpose="query.stages"
        ) if r[0] is not None
    ]
    for s in args.stage:
        if s not in stages:
            raise UsageError(f"--stage {s!r} is not a stage. Stages: {', '.join(stages)}.")
    for opt, value in (("--start-at", args.start_at), ("--end-at", args.end_at)):
        if value is None:
            continue
        if args.level == "stage":
            if value not in stages:
                raise UsageError(f"{opt} {value!r} is not a stage. Stages: {', '.join(stages)}.")
        else:
            (found,) = engine.one(
                "SELECT COUNT(*) FROM (SELECT touchpoint FROM touchpoints WHERE touchpoint = $t "
                "UNION ALL SELECT touchpoint FROM events WHERE touchpoint = $t)",
                {"t": value}, purpose="query.anchor",
            )
            if not found:
                raise UsageError(
                    f"{opt} {value!r} is not a touchpoint of this store "
                    "(names are case-sensitive; use --level stage for a stage)."
                )


# -- JSON ---------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """Turn frames, numpy and pandas values into what json.dumps writes as plain JSON."""
    if isinstance(value, pd.DataFrame):
        return [_plain(r) for r in value.to_dict(orient="records")]
    if isinstance(value, pd.Series):
        return [_plain(v) for v in value.tolist()]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [_plain(v) for v in value]
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, pd.Timestamp | dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, pd.Timedelta | dt.timedelta):
        return value.total_seconds()
    if isinstance(value, bool | int | str):
        return value
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return str(value)


def _table(value: Any) -> str:
    if isinstance(value, pd.DataFrame):
        return "(no rows)" if value.empty else value.to_string(index=False)
    if isinstance(value, dict):
        parts = []
        for k, v in value.items():
            if isinstance(v, dict):  # one line: "repeaters  n=18, nps=-33.3, ..."
                parts.append(f"{k:18} " + ", ".join(f"{a}={_plain(b)}" for a, b in v.items()))
            elif isinstance(v, list) and not any(isinstance(x, dict) for x in v):
                parts.append(f"{k:18} " + ", ".join(str(_plain(x)) for x in v))
            elif isinstance(v, pd.DataFrame | list):
                frame = v if isinstance(v, pd.DataFrame) else pd.DataFrame(v)
                parts.append(f"\n{k}:\n{_table(frame)}")
            else:
                parts.append(f"{k:18} {_plain(v)}")
        return "\n".join(parts)
    return str(value)


# -- dispatch -----------------------------------------------------------------------------


def _compute(args: argparse.Namespace, engine: Engine, filters: Filters) -> Any:
    kind = args.kind
    if kind in ("nps", "csat", "ces"):
        # The page's numbers: each group with its difference from the rest and its margin.
        return compare.groups(engine, filters, metric=kind, by=args.by)
    if kind == "funnel":
        return reach.funnel(engine, filters)
    if kind == "overview":
        return metrics.overview(engine, filters)
    if kind == "devices":
        return devices.device_switching(engine, filters)
    if kind == "attribution":
        return _attribution(args, engine, filters)
    if kind == "verbatims":
        if args.limit is not None and args.limit < 0:
            raise UsageError(f"--limit {args.limit}: give 0 or more.")
        return voc.verbatims(engine, filters, label=args.sentiment, language=args.language,
                             search=args.search, limit=args.limit)[voc.CLI_COLUMNS]
    if kind == "themes":
        # What a script reads: {id, label, size, share, nps, examples}, with the n and
        # margin every NPS is shown with.
        return themes.themes(engine, filters)[
            ["id", "label", "size", "share", "nps", "nps_n", "margin", "pinned", "examples"]]
    if kind == "drivers":
        if args.by not in drivers.BY:
            raise UsageError(f"--by {args.by}: drivers are per stage or touchpoint.")
        return drivers.drivers(engine, filters, by=args.by)
    if kind == "voc-paths":
        return _voc_paths(args, engine, filters)
    if kind == "fix-first":
        return fix_first.fix_first(engine, filters, top=args.top)
    options = FlowOptions(
        level=args.level, keep_repeats=args.keep_repeats, session_gap=args.session_gap
    )
    if kind == "sankey":
        return flows.sankey(
            engine, filters, options, steps=args.steps, start_at=args.start_at,
            end_at=args.end_at, **({"top": args.top} if args.top is not None else {}),
        )
    if kind == "transitions":
        return flows.transitions(engine, filters, options)
    if kind == "dropoffs":
        return flows.dropoffs(engine, filters, options)
    if kind == "variants":
        df = variants.variants(
            engine, filters, options, **({"top": args.top} if args.top is not None else {}),
        )
        # What a script reads (`{path, customers, share, converted_share, median_minutes,
        # nps}`), with the n and margin every NPS is shown with, and the folded row's size.
        return df[["kind", "path", "variants", "customers", "share", "converted_share",
                   "median_minutes", "nps", "nps_n", "nps_margin"]]
    if kind == "repeats":
        return _repeats(args, engine, filters, options)
    if kind == "repeaters-nps":
        return _repeaters_nps(args, engine, filters)
    if kind == "paths":
        return flows.top_paths(
            engine, filters, options, steps=args.steps,
            **({"limit": args.top} if args.top is not None else {}),
        )
    raise UsageError(f"Unknown query {kind!r}.")  # argparse choices make this unreachable


def _voc_paths(args: argparse.Namespace, engine: Engine, filters: Filters) -> pd.DataFrame:
    """The most common path variants with the NPS and sentiment of their customers' answers
    (n and 95% margins); --by persona: per persona (its own most common paths)."""
    if args.by not in ("stage", "persona"):  # "stage" is --by's default: the whole scope
        raise UsageError(f"--by {args.by}: voc-paths is for the whole scope, or --by persona.")
    if args.top is not None and args.top < 1:
        raise UsageError(f"--top {args.top}: give 1 or more.")
    options = FlowOptions(level=args.level, keep_repeats=args.keep_repeats)
    top = args.top if args.top is not None else voc_journeys.DEFAULT_TOP
    df = voc_journeys.voc_paths(engine, filters, by="persona" if args.by == "persona" else None,
                                top=top, options=options)
    return df.drop(columns=["key"])


def _attribution(args: argparse.Namespace, engine: Engine, filters: Filters) -> pd.DataFrame:
    """[{touchpoint | channel, conversions, share, revenue}], by conversions: the credits sum
    to the converting journeys."""
    options = attribution.AttributionOptions(
        level=args.level, half_life_days=args.half_life_days, lookback_days=args.lookback_days
    )
    result = attribution.attribute(engine, filters, args.model, options)
    table = result.table[attribution.COLUMNS].rename(columns={"node": args.level})
    if args.top is not None:
        table = table.head(args.top)
    return table


def _repeats(
    args: argparse.Namespace, engine: Engine, filters: Filters, options: FlowOptions
) -> pd.DataFrame:
    """Loops (kind "loop") then repeat contacts of service touchpoints (kind
    "repeat_contact"; its first row, touchpoint null, counts all of them together); with
    --by persona, the repeat contacts' share per persona instead."""
    _check_window(args)
    if args.by == "persona":
        return _repeats_by_persona(args, engine, filters)
    if args.by not in ("stage", "touchpoint"):  # "stage" is --by's default: the usual rows
        raise UsageError(f"--by {args.by}: repeats is per touchpoint, or --by persona.")
    loops = repeats.loops(engine, filters, options).assign(kind="loop", scope="touchpoint")
    contacts = repeats.repeat_contacts(
        engine, filters, window_days=args.window_days, service=args.service or None,
    ).assign(kind="repeat_contact")
    columns = ["kind", "scope", "touchpoint", "customers", "customers_repeating", "share",
               "median_repeats", "repeats"]
    frames = [df[columns] for df in (loops, contacts) if not df.empty]
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)


def _check_window(args: argparse.Namespace) -> None:
    if not args.window_days > 0:
        raise UsageError(f"--window-days {args.window_days}: give a number of days above 0.")


def _repeats_by_persona(
    args: argparse.Namespace, engine: Engine, filters: Filters
) -> pd.DataFrame:
    """The Variants & loops page's per-persona table: per persona (null: customers without
    one, last) the customers who contacted a service touchpoint, those who contacted one
    again within the window, the share and its 95% margin (points). Largest share first."""
    df = repeats.repeat_by_persona(
        engine, filters, window_days=args.window_days, service=args.service or None,
    ).assign(kind="repeat_by_persona", scope="persona")
    columns = ["kind", "scope", "persona", "customers", "customers_repeating", "share",
               "margin"]
    return df[columns] if not df.empty else pd.DataFrame(columns=columns)


def _repeaters_nps(args: argparse.Namespace, engine: Engine, filters: Filters) -> dict:
    """The page's NPS of the customers who keep contacting service against the others:
    {kind, window_days, service, repeaters: {n, promoters, detractors, nps, margin,
    small_sample}, others: {...}, delta, margin, significant} (see repeats.repeater_nps)."""
    _check_window(args)
    got = repeats.repeater_nps(
        engine, filters, window_days=args.window_days, service=args.service or None,
    )
    # Which touchpoints counted as service and the window: a script reading the figure
    # must know what "repeater" meant for it.
    return {"kind": "nps_repeaters_vs_others", "window_days": args.window_days,
            "service": repeats.service_touchpoints(engine, args.service or None), **got}


def _changes(args: argparse.Namespace, store: Store, filters: Filters) -> pd.DataFrame:
    """Lane values from a snapshot to another one, or to the map today asked with the
    snapshot's own filters (so both sides answer the same question)."""
    if not args.snapshot:
        raise UsageError("changes needs --snapshot NAME (see `snapshot list`).")
    if not filters.is_empty:
        raise UsageError("changes uses the snapshot's own filters: leave the filter options out.")
    lanes, notes = snapshots.compare(store, args.snapshot, args.to)
    return notes if args.notes else lanes


def _answer(args: argparse.Namespace, engine: Engine, store: Store | None) -> Any:
    row = engine.one("SELECT value FROM meta WHERE key = $k", {"k": "setting:conversion_stage"},
                     purpose="query.settings")
    conversion_stage = (row[0] if row else None) or "purchase"
    filters = Filters.from_cli_args(args, conversion_stage=conversion_stage)
    _validate(args, engine)
    if args.kind == "changes":
        if store is None:
            raise UsageError("changes reads the snapshots saved in the DuckDB store: "
                             "run it without --engine spark.")
        return _changes(args, store, filters)
    return _compute(args, engine, filters)


def _spark_engine(args: argparse.Namespace) -> Engine:
    # Imported here: pyspark is needed only by those who ask for Spark.
    from journey.db.spark_engine import SparkEngine, SparkSetupError, master_url

    if not args.parquet:
        raise UsageError(f"--engine {args.engine} reads a Parquet export: add --parquet DIR "
                         "(made by `python -m journey export-parquet --db PATH --out DIR`).")
    try:
        master_url(args.engine)
        return SparkEngine.open(args.engine, args.parquet)
    except SparkSetupError as exc:
        raise UsageError(str(exc)) from None


def run(args: argparse.Namespace) -> int:
    """Handler of `query`: 0 on success, 2 on a bad option (message on stderr)."""
    try:
        if args.engine == "duckdb":
            if args.parquet:
                raise UsageError("--parquet is read by --engine spark; the DuckDB engine "
                                 "reads --db.")
            with Store(args.db) as store:
                result = _answer(args, Engine(store.cursor()), store)
        else:
            result = _answer(args, _spark_engine(args), None)
    except ValueError as exc:  # UsageError, bad dates, and the analytics' own ValueErrors
        print(f"Error: {exc}", file=sys.stderr)
        return 2
    except QueryError as exc:  # the store could not answer (a damaged or foreign file)
        print(f"Error: the {args.kind!r} query failed ({exc}).", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(_plain(result), ensure_ascii=False, allow_nan=False))
    else:
        print(_table(result))
    return 0
