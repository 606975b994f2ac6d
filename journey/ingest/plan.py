"""Planning an import from the file's first rows: layout, mapping, kind, and what is wrong.

Pure Python: nothing here reads the whole file or touches the store. The plan says which
columns feed which field (several customer columns are tried in order on each row, several
comment columns are joined), how revenue is counted, and which columns stay unused (kept
apart so that a later step can store them as attributes).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from journey.ingest import columns as content
from journey.ingest import formats, readers
from journey.ingest.formats import TARGET_FIELDS, Layout
from journey.ingest.report import Fix, Problem, map_fix

IGNORE = ("", "-", "ignore", "none")  # --map 'Col=ignore' leaves a column out
SHOW_UNUSED = 12  # unused column names listed in the report


@dataclass
class Plan:
    layout: Layout
    kind: str | None
    mapping: dict[str, str]  # source column -> target (only the ones used, once kind is known)
    sources: dict[str, list[int]] = field(default_factory=dict)  # target -> column indexes
    attributes: list[int] = field(default_factory=list)  # customers, events: other columns, JSON
    unused: list[int] = field(default_factory=list)  # columns no field takes
    revenue_rule: str | None = None  # "as_is" | "purchases" (a price counted on purchases)
    quantity: int | None = None  # column index multiplying a price
    notes: list[Problem] = field(default_factory=list)
    head: dict[str, list[str]] = field(default_factory=dict)  # column -> sampled values


def _apply_user_mapping(
    layout: Layout, suggestion: formats.Suggestion, user: dict[str, str],
    problems: list[Problem],
) -> dict[str, str]:
    mapping = dict(suggestion.mapping)
    by_norm = {formats.norm(c): c for c in layout.columns}
    columns = ", ".join(layout.columns)
    chosen: list[str] = []
    changed: set[str] = set()
    for src, target in user.items():
        col = src if src in layout.columns else by_norm.get(formats.norm(src))
        if col is None:
            problems.append(Problem.make("map_missing_column", column=src, columns=columns))
            continue
        target = target.strip()
        ignore = target.lower() in IGNORE
        if col not in chosen and (suggestion.mapping.get(col) == target
                                  or (ignore and col not in suggestion.mapping)):
            # What the suggestion already says (the app sends the whole mapping back): not a
            # choice that should reorder customer columns or silence a note.
            continue
        changed.add(col)
        if ignore:
            mapping.pop(col, None)
            continue
        if target not in formats.ALL_TARGETS:
            problems.append(Problem.make(
                "map_bad_target", column=src, target=target, kind="all kinds",
                targets=", ".join(formats.ALL_TARGETS),
            ))
            continue
        # The user's choice replaces whatever was suggested for this target and column.
        mapping = {c: t for c, t in mapping.items() if c != col and (t != target or c in chosen)}
        mapping[col] = target
        chosen.append(col)
    # User-mapped columns first: they win when several columns feed one target.
    ordered = {c: mapping[c] for c in chosen if c in mapping}
    ordered.update({c: t for c, t in mapping.items() if c not in ordered})
    # Notes about columns the user has now decided on no longer apply.
    suggestion.notes = [
        n for n in suggestion.notes if n.get("column") is None or n["column"] not in changed
    ]
    return ordered


def _date_columns(plan: Plan) -> list[str]:
    return [c for c, vals in plan.head.items() if c not in plan.mapping
            and content.present(vals) and content.dates_share(vals) >= 0.9]


def _missing_field_problems(plan: Plan, targets: set[str], columns: str) -> list[Problem]:
    problems = []
    for req in formats.REQUIRED[plan.kind or ""]:
        if req in targets:
            continue
        fixes: list[Fix] = []
        if req == "touchpoint" and plan.layout.name == "ga4" and "item_name" in plan.head:
            problems.append(Problem.make(
                "no_touchpoint_items", columns=columns, fixes=[map_fix("item_name", req)]
            ))
            continue
        if req == "ts":
            fixes = [map_fix(c, "ts") for c in _date_columns(plan)[:2]]
        problems.append(Problem.make(
            f"no_{req}", columns=columns, fixes=fixes or [map_fix(None, req)]
        ))
    return problems


def make_plan(
    prep: readers.Prepared, kind: str | None, user_mapping: dict[str, str] | None
) -> tuple[Plan, list[Problem]]:
    problems: list[Problem] = []
    layout = formats.detect_layout(prep.head_rows, prep.delimiter)
    data_rows = prep.head_rows[1 + layout.extra_header_rows:]
    suggestion = formats.suggest(layout, data_rows)
    mapping = suggestion.mapping
    if user_mapping:
        mapping = _apply_user_mapping(layout, suggestion, user_mapping, problems)
    columns = ", ".join(layout.columns)
    targets = set(mapping.values())
    kind = kind or formats.detect_kind(targets, layout)
    plan = Plan(layout, kind, mapping)
    plan.head = {
        c: [r[i] if i < len(r) else "" for r in data_rows] for i, c in enumerate(layout.columns)
    }
    if prep.head_complete and not data_rows:
        problems.append(Problem.make("header_only", columns=columns))
        return plan, problems
    if kind is None:
        problems.append(Problem.make("unknown_kind", columns=columns))
        return plan, problems
    if kind not in TARGET_FIELDS:
        problems.append(Problem.make(
            "map_bad_target", column="--kind", target=kind, kind="--kind",
            targets=", ".join(TARGET_FIELDS),
        ))
        return plan, problems
    problems.extend(_missing_field_problems(plan, targets, columns))
    if kind == "responses":
        if not targets & set(formats.SCORE_FIELDS):
            problems.append(Problem.make(
                "no_score", columns=columns, fixes=[map_fix(None, "nps")]
            ))
        if not targets & {"customer_id", "stage", "touchpoint"}:
            problems.append(Problem.make(
                "no_response_key", columns=columns, fixes=[map_fix(None, "customer_id")]
            ))
    plan.mapping = {c: t for c, t in mapping.items() if t in TARGET_FIELDS[kind]}
    index = {c: i for i, c in enumerate(layout.columns)}
    for col, target in plan.mapping.items():
        plan.sources.setdefault(target, []).append(index[col])
    plan.unused = [i for i, c in enumerate(layout.columns) if c not in plan.mapping]
    if kind == "customers":
        plan.attributes = list(plan.unused)
    price = plan.sources.pop("price", None)
    if "revenue" in plan.sources:
        plan.revenue_rule = "as_is"  # money received wins over a price
        if price:
            plan.mapping = {c: t for c, t in plan.mapping.items() if t != "price"}
            plan.unused = sorted({*plan.unused, *price})
    elif price:
        # The loader counts a price as revenue, on purchase events only.
        plan.sources["revenue"], plan.revenue_rule = price, "purchases"
        if suggestion.quantity in index and suggestion.quantity not in plan.mapping:
            plan.quantity = index[suggestion.quantity]
            plan.unused = [i for i in plan.unused if i != plan.quantity]
    if kind == "events":
        # Kept per event so that touchpoint rules can match them (page_location, utm_*...);
        # a column the user told us to ignore stays out.
        ignored = {formats.norm(s) for s, t in (user_mapping or {}).items()
                   if t.strip().lower() in IGNORE}
        plan.attributes = [i for i in plan.unused
                           if formats.norm(layout.columns[i]) not in ignored]
    used_notes = [
        n for n in suggestion.notes
        if n["code"] != "note_id_per_row" or "customer_id" in plan.sources
    ]
    for note in used_notes:
        params = {k: v for k, v in note.items() if k not in ("code", "column")}
        plan.notes.append(Problem.make(note["code"], column=note.get("column"), **params))
    return plan, problems


def unused_note(plan: Plan) -> Problem | None:
    """The columns nothing takes, named so the user sees what was left out."""
    names = [plan.layout.columns[i] for i in plan.unused
             if i not in plan.attributes and content.present(plan.head.get(
                 plan.layout.columns[i], []))]
    if not names:
        return None
    shown = ", ".join(f"'{n}'" for n in names[:SHOW_UNUSED])
    if len(names) > SHOW_UNUSED:
        shown += f", … (+{len(names) - SHOW_UNUSED})"
    return Problem.make("note_unused", columns=shown)
