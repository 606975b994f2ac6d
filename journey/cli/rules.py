"""`python -m journey rules ...`: the touchpoint rules (journey/db/rules.py) from the command
line. Every change is applied at once (the journeys are re-derived in the same transaction).

The rules file is CSV (field, kind, pattern, action, value, only_for, rule_set): readable in
a spreadsheet, no new dependency. Cells that a spreadsheet would run as a formula are written
with a leading `'`, which reading the file takes off again, so a file round-trips.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from collections.abc import Callable
from pathlib import Path

from journey.db.rules import KINDS, Rule, RuleError, journey_event_count
from journey.db.store import Store, StoreError
from journey.ingest import rule_sets
from journey.present.exports import BOM, FORMULA_STARTS, neutralise

FILE_COLUMNS = ("field", "kind", "pattern", "action", "value", "only_for", "rule_set")


def add_parser(
    subparsers: argparse._SubParsersAction,
    add_db: Callable[[argparse.ArgumentParser], None],
) -> None:
    """Register `rules` and its subcommands on the main CLI (called by journey.cli)."""
    p = subparsers.add_parser("rules", help="touchpoint rules: rename, group, hide, stage")
    add_db(p)
    sub = p.add_subparsers(dest="rules_command", required=True)

    q = sub.add_parser("list", help="the rules in order (the first matching rule wins)")
    add_db(q)
    q.add_argument("--json", action="store_true")

    q = sub.add_parser("use", help="switch on a ready-made set (after the rules already there)")
    add_db(q)
    q.add_argument("name", choices=sorted(rule_sets.SETS))

    q = sub.add_parser("add", help="add one rule (at the end, or at --position)")
    add_db(q)
    q.add_argument("--where", required=True, metavar="COLUMN",
                   help="touchpoint (or event_name), channel, device, stage, or a kept column "
                   "such as page_location or utm_source")
    match = q.add_mutually_exclusive_group(required=True)
    for kind in KINDS:
        match.add_argument(f"--{kind.replace('_', '-')}", dest=kind, metavar="PATTERN")
    act = q.add_mutually_exclusive_group(required=True)
    act.add_argument("--set-touchpoint", metavar="NAME", help=r"\1 reuses the first * or group")
    act.add_argument("--set-stage", metavar="STAGE")
    act.add_argument("--set-channel", metavar="CHANNEL")
    act.add_argument("--set-online", choices=["online", "offline"])
    act.add_argument("--hide", action="store_true")
    q.add_argument("--only-for", metavar="NAMES", help="only events named so ('a|b')")
    q.add_argument("--position", type=int, metavar="N", help="insert as rule N")

    q = sub.add_parser("remove", help="remove rule N (see `rules list`)")
    add_db(q)
    q.add_argument("n", type=int)

    q = sub.add_parser("undo", help="back to the rules before the last change")
    add_db(q)

    q = sub.add_parser("export", help="write the rules to a CSV file")
    add_db(q)
    q.add_argument("file")

    q = sub.add_parser("import", help="replace the rules with those of a CSV file")
    add_db(q)
    q.add_argument("file")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    try:
        return _run(args)
    except RuleError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace) -> int:
    cmd = args.rules_command
    with Store(args.db) as store:
        rules = store.rules()
        if cmd == "list":
            _print(rules, args.json)
            return 0
        if cmd == "export":
            Path(args.file).write_bytes(to_csv(rules))
            print(f"Wrote {len(rules)} rules to {args.file}.")
            return 0
        if cmd == "undo":
            back = store.undo_rules()
            if back is None:
                print("Nothing to undo: no earlier rule set is kept.", file=sys.stderr)
                return 1
            n = journey_event_count(store.cursor())
            print(f"Back to the previous rules: {len(back)} rules; {n} events in journeys.")
            return 0
        if cmd == "use":
            model = set(store.stages()["stage"])
            conversion = store.get_setting("conversion_stage") or "purchase"
            added = rule_sets.rule_set(args.name, model, conversion)
            rules = [r for r in rules if r.rule_set != args.name] + added
        elif cmd == "add":
            rule = _rule_from_args(args)
            at = len(rules) if args.position is None else args.position - 1
            if not 0 <= at <= len(rules):
                raise StoreError(f"--position must be between 1 and {len(rules) + 1}.")
            rules = rules[:at] + [rule] + rules[at:]
        elif cmd == "remove":
            if not 1 <= args.n <= len(rules):
                raise StoreError(f"There is no rule {args.n}; there are {len(rules)}. "
                                 "See `rules list`.")
            rules = rules[:args.n - 1] + rules[args.n:]
        elif cmd == "import":
            rules = from_csv(Path(args.file).read_bytes())
        store.set_rules(rules)
        n = journey_event_count(store.cursor())
    print(f"{len(rules)} rules; {n} events in journeys.")
    return 0


def _rule_from_args(args: argparse.Namespace) -> Rule:
    kind = next(k for k in KINDS if getattr(args, k) is not None)
    action, value = "hide", None
    for name in ("touchpoint", "stage", "channel", "online"):
        given = getattr(args, f"set_{name}")
        if given is not None:
            action, value = name, given
    return Rule(args.where, kind, getattr(args, kind), action, value, args.only_for)


def _print(rules: list[Rule], as_json: bool) -> None:
    if as_json:
        print(json.dumps([{"n": i + 1, **r.to_dict()} for i, r in enumerate(rules)]))
        return
    if not rules:
        print("No rules: events keep their imported names. Try `rules use ga4`.")
        return
    for i, r in enumerate(rules, 1):
        then = "hide" if r.action == "hide" else f"set {r.action} to {r.value!r}"
        only = f" (only {r.only_for})" if r.only_for else ""
        origin = f"  [{r.rule_set}]" if r.rule_set else ""
        print(f"{i:3}. {r.field} {r.kind} {r.pattern!r}{only} -> {then}{origin}")


def to_csv(rules: list[Rule]) -> bytes:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(FILE_COLUMNS)
    for r in rules:
        d = r.to_dict()
        w.writerow([neutralise(d[c] or "") for c in FILE_COLUMNS])
    return (BOM + out.getvalue()).encode("utf-8")


def _cell(value: str | None) -> str | None:
    value = (value or "").strip()
    if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        value = value[1:]
    return value or None


def from_csv(data: bytes) -> list[Rule]:
    """Rules from a file written by `to_csv` (or by hand with the same header)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise StoreError(code="rules_file_encoding") from exc
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [c for c in FILE_COLUMNS[:4] if c not in (reader.fieldnames or [])]
    if missing:
        # A code, not a sentence: the Data page says it in the reader's language.
        raise StoreError(code="rules_file_columns", missing=", ".join(missing),
                         header=",".join(FILE_COLUMNS))
    rules = []
    for row in reader:
        cells = {c: _cell(row.get(c)) for c in FILE_COLUMNS}
        if not any(cells.values()):
            continue
        rules.append(Rule(cells["field"] or "", cells["kind"] or "", cells["pattern"] or "",
                          cells["action"] or "", cells["value"], cells["only_for"],
                          cells["rule_set"]))
    return rules
