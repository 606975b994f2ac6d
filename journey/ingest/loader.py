"""Loading one planned file inside the store's transaction: read, convert, check, write.

The file is streamed through DuckDB's `read_csv` into a temporary table of converted values
(typed first where the sample allows it, the columns that fail read again as text:
`Loader._typed_table`), checked there with a few aggregate queries, and only then copied
into the store. Rows already in the store (an overlapping re-export) are left out and
counted. Raises `Rejected` when the file must not land; the transaction then rolls back.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import duckdb

from journey.db import placement
from journey.db.store import EVENT_ID_STRIDE, Store
from journey.ingest import convert_sql as sql
from journey.ingest import formats, known_events, readers
from journey.ingest.formats import SCORE_RANGES
from journey.ingest.limits import Checkpoint, Limits
from journey.ingest.messages import SHOW_ROWS
from journey.ingest.plan import Plan
from journey.ingest.report import Fix, ImportReport, Problem, map_fix

SAMPLE_ROWS = 20_000  # rows used to detect decimal commas and date formats
MAX_STAGES = 200  # more distinct "stages" than this means the wrong column was mapped
# Read typed first (`Loader._typed_table`); off, every file takes the text path at once (the
# tests compare the two paths on the same files).
TYPED_FIRST = True
MOST = 0.5  # a check failing on this share of rows means the column is the wrong one
ProgressFn = Callable[[float, str], None]
# Fields a wrong column can simply be left out of (the file still says something).
OPTIONAL = ("channel", "device", "stage", "revenue", "price", "nps", "csat", "ces", "comment",
            "persona", "online")
# What makes two rows the same answer or event, per table (duplicates across imports).
ROW_KEYS = {
    "events": ("customer_id", "ts", "touchpoint"),
    "responses": ("customer_id", "ts", "stage", "touchpoint", "nps", "csat", "ces", "comment"),
    "customers": ("customer_id", "persona"),
}


class Rejected(Exception):
    """Raised inside the transaction to roll it back once the report holds the problems."""


class DryRun(Exception):
    """Raised at the end of a dry run: everything was checked, nothing may be kept."""


@dataclass
class _Check:
    code: str
    target: str
    cond: str  # SQL over the typed row: TRUE when the row is bad for this reason
    params: dict[str, Any] = field(default_factory=dict)


def _stage_keys(cur: duckdb.DuckDBPyConnection) -> tuple[dict[str, str], int]:
    lookup: dict[str, str] = {}
    last = 0
    for key, en, fr, pos in cur.execute(
        "SELECT stage, label_en, label_fr, position FROM stages ORDER BY position"
    ).fetchall():
        for name in (key, en, fr):
            if name:
                lookup.setdefault(formats.norm(name), key)
        last = max(last, pos or 0)
    return lookup, last


def _conversion_stage(cur: duckdb.DuckDBPyConnection) -> str:
    row = cur.execute(
        "SELECT value FROM meta WHERE key = 'setting:conversion_stage'"
    ).fetchone()
    return row[0] if row and row[0] else "purchase"


class Loader:
    """One import inside one transaction; raises Rejected when the file must not land."""

    def __init__(
        self, cur: duckdb.DuckDBPyConnection, prep: readers.Prepared, plan: Plan,
        report: ImportReport, skip_bad_rows: bool, progress: ProgressFn | Checkpoint,
        limits: Limits | None = None,
    ) -> None:
        self.cur = cur
        self.prep = prep
        self.plan = plan
        self.report = report
        self.skip = skip_bad_rows
        # A Checkpoint also asks the user's cancel at each step; a plain callback only reports.
        self.progress = progress.step if isinstance(progress, Checkpoint) else progress
        self.limits = limits or Limits()
        self.extra = plan.layout.extra_header_rows
        self.params: dict[str, Any] = {
            "path": prep.csv_path, "delim": prep.delimiter, "compression": prep.compression,
        }
        cols = plan.layout.columns
        self.names = {t: " / ".join(cols[i] for i in idx) for t, idx in plan.sources.items()}
        if plan.quantity is not None:
            self.names["qty"] = cols[plan.quantity]
        self.checks: list[_Check] = []
        self.stage_join = ""
        self.priced = plan.revenue_rule == "purchases"

    def fail(self) -> None:
        raise Rejected()

    def run(self, store: Store, dry_run: bool = False) -> None:
        self.import_id = store.next_import_id(self.cur)
        self._stage_table()
        self.progress(0.2, "reading_rows")
        self._typed_table()
        self.progress(0.5, "checking_values")
        fatal = self._structure() or self._cell_lengths()
        total, good, bad_rows = self._validate()
        if fatal or (self.report.problems and not self.skip):
            self._advise(total, bad_rows, fatal)
            self.fail()
        if good == 0:
            self.report.problems.append(Problem.make("no_good_rows"))
            self.fail()
        self.report.rows_skipped = bad_rows
        self._revenue_note()
        self._map_stages()
        present = self._already_present()
        if present >= good:
            self.report.problems.append(Problem.make(
                "all_rows_present", count=good,
                imports=", ".join(str(i) for i in self.report.present_in),
            ))
            self.fail()
        self.report.rows_imported = good - present
        self.progress(0.7, "writing")
        self._insert()
        if self.plan.kind == "responses":
            # Inside the transaction, so a dry run says it too: a responses file changes no
            # event, so the journeys its answers are placed on are already up to date.
            r = self.report
            r.placement = placement.placement_setting(self.cur)
            r.answers_without_place, r.answers_placed = placement.answers_of_import(
                self.cur, self.import_id)
        if dry_run:
            raise DryRun()
        self._finish()

    # -- reading ---------------------------------------------------------------------
    def _stage_table(self) -> None:
        ncols = len(self.plan.layout.columns)
        self.cur.execute(
            f"CREATE TEMP TABLE _pc_sample AS SELECT * FROM "
            f"{sql.read_csv(ncols, rejects=False, max_line=self.limits.max_line)} "
            f"LIMIT {SAMPLE_ROWS} OFFSET {self.extra}",
            self.params,
        )

    def _purchase_sql(self) -> str:
        """TRUE on rows that are purchases: a purchase event name, or the conversion stage."""
        conds = []
        if "touchpoint" in self.plan.sources:
            conds.append(sql.in_list(sql.norm_sql("r_touchpoint"), known_events.PURCHASES))
        if "stage" in self.plan.sources:
            stage = _conversion_stage(self.cur)
            names = {formats.norm(n) for row in self.cur.execute(
                "SELECT stage, label_en, label_fr FROM stages WHERE stage = ?", [stage]
            ).fetchall() for n in row if n}
            names.add(formats.norm(stage))
            conds.append(sql.in_list(sql.norm_sql("r_stage"), sorted(n for n in names if n)))
        return f"COALESCE({' OR '.join(conds) or 'FALSE'}, FALSE)"

    def _typed_table(self) -> None:
        """The file read, converted and flagged into `_pc_typed` (one statement).

        Typed first: the date and revenue columns whose sample allows it are converted by
        DuckDB's reader itself (`sql.read_csv(types=...)`: one strict date format, the
        file's decimal separator) and the text columns are taken as read, untrimmed. Both
        give exactly the values of the text read + SQL conversion when every value converts
        and no text value starts or ends with a space; the same statement flags that
        (`_ws`) and the reader records each value that did not convert (a CAST reject).
        Otherwise the file is read again, the failing columns as text and every text value
        trimmed: the text path, so the report (rows, columns, examples) and the values
        are those it always gave."""
        self._conversions()
        # The extra header rows of a survey export (labels under the header) are rows of
        # this read: never typed, so the file is read as text at once.
        typed = {} if self.extra else dict(self.typable)
        trim = not TYPED_FIRST
        if trim:
            typed = {}
        while True:
            self._create_typed(typed, trim)
            failed = self._typed_failures(typed, trim)
            if failed is None:
                break
            self.typed_fallback.append(sorted(failed))
            for t in failed:
                typed.pop(t)
            trim = True
            for table in ("_pc_typed", "_pc_rejects", "_pc_scans"):
                self.cur.execute(f"DROP TABLE IF EXISTS {table}")
        self.typed = typed

        cap = self.cap
        rows = self.cur.execute("SELECT count(*) FROM _pc_typed").fetchone()[0]
        if rows >= cap:
            self.report.problems.append(Problem.make(
                "too_many_rows", limit=self.limits.max_rows,
                fixes=[readers.limit_fix("max_rows", self.limits)],
            ))
            self.fail()
        # Rows of a table written in this transaction are numbered from a large base, in
        # file order (insertion order is preserved, so the first row has the lowest id):
        # rebase them to file rows.
        row0 = self.cur.execute("SELECT rowid FROM _pc_typed LIMIT 1").fetchone()
        self.off = int(row0[0] if row0 else 0) + self.extra
        self.rn = f"(t.rowid - {self.off} + 1)"  # 1-based data row, as the user counts

    def _conversions(self) -> None:
        """The checks and the text conversions of each target (once), and which targets
        may be read typed (`self.typable`: target -> (column, DuckDB type, format))."""
        plan, french = self.plan, self.plan.layout.french
        self.typable: dict[str, tuple[int, str, str | None]] = {}
        self.typed_fallback: list[list[str]] = []  # per re-read: the targets read as text again
        self.conv_text: dict[str, str] = {}  # target -> its conversion from text, SQL
        self.decimal_comma = False
        for target, idx in plan.sources.items():
            r, name = f"r_{target}", self.names[target]
            if target == "ts":
                self.conv_text[target] = self._dates(idx, name)
                if self.ts_format and len(idx) == 1:
                    self.typable[target] = (idx[0], "TIMESTAMP", self.ts_format)
            elif target == "revenue":
                comma = sql.uses_decimal_comma(self.cur, sql.raw(idx), french)
                if comma:
                    self.report.decimal_comma.append(name)
                self.decimal_comma = comma
                self.conv_text[target] = sql.number_sql(r, comma)
                if len(idx) == 1:
                    self.typable[target] = (idx[0], "DOUBLE", None)
                if self.priced:
                    self.checks.append(_Check(
                        "bad_number", target, f"{r} IS NOT NULL AND v_price IS NULL AND _purchase"
                    ))
                    if plan.quantity is not None:
                        self.checks.append(_Check(
                            "bad_number", "qty", "r_qty IS NOT NULL AND v_qty IS NULL AND _purchase"
                        ))
                else:
                    self.checks.append(
                        _Check("bad_number", target, f"{r} IS NOT NULL AND v_revenue IS NULL")
                    )
            elif target in SCORE_RANGES:
                low, high = SCORE_RANGES[target]
                self.conv_text[target] = sql.score_sql(r, low, high)
                self.checks.append(_Check(
                    "bad_score", target, f"{r} IS NOT NULL AND v_{target} IS NULL",
                    {"low": low, "high": high, "label": target.upper()},
                ))
            elif target == "online":
                self.conv_text[target] = sql.bool_sql(r)
                self.checks.append(
                    _Check("bad_bool", target, f"{r} IS NOT NULL AND v_online IS NULL")
                )
        for req in formats.REQUIRED[plan.kind or "events"]:
            self.checks.insert(0, _Check("empty_values", req, f"r_{req} IS NULL"))

    def _create_typed(self, typed: dict[str, tuple[int, str, str | None]], trim: bool) -> None:
        """`_pc_typed` from one read: `typed` targets converted by the reader, the others
        from text; text values trimmed with `trim`, else flagged when trimming would change
        them (`_ws`)."""
        plan = self.plan
        params = dict(self.params)
        raws, edged = [], []
        for t, idx in plan.sources.items():
            if t in typed:
                # Typed: the value itself, and as "raw text" only whether there was one
                # (the empty-value check); a typed value never fails its conversion.
                col = f"c{typed[t][0]}"
                raws.append(f"CASE WHEN {col} IS NOT NULL THEN '' END AS r_{t}, {col} AS _t_{t}")
            else:
                raws.append(f"{sql.raw(idx, t, trim=trim)} AS r_{t}")
                edged += [f"c{i}" for i in idx]
        ncols = len(plan.layout.columns)
        raws.append("(" + " AND ".join(f"c{i} IS NULL" for i in range(ncols)) + ") AS _blank")
        text = sql.trimmed if trim else (lambda col: col)
        if plan.quantity is not None:
            raws.append(f"{text(f'c{plan.quantity}')} AS r_qty")
            edged.append(f"c{plan.quantity}")
        if plan.attributes:
            pairs = []
            for k, i in enumerate(plan.attributes):
                params[f"attr{k}"] = plan.layout.columns[i]
                pairs.append(f"$attr{k}, {text(f'c{i}')}")
                edged.append(f"c{i}")
            raws.append(f"json_object({', '.join(pairs)}) AS attributes")
        if not trim:
            raws.append("(" + (" OR ".join(sql.blank_edged(c) for c in dict.fromkeys(edged))
                               or "FALSE") + ") AS _ws")
        conv = []
        for target in plan.sources:
            if target not in self.conv_text:
                continue
            value = f"_t_{target}" if target in typed else self.conv_text[target]
            if target == "revenue" and self.priced:
                conv.append(f"{value} AS v_price, {self._purchase_sql()} AS _purchase")
                if plan.quantity is not None:
                    conv.append(f"{sql.number_sql('r_qty', self.decimal_comma)} AS v_qty")
            else:
                conv.append(f"{value} AS v_{target}")
        if "ts" in typed:
            params.pop("fmt_ts", None)
            params["ts_format"] = typed["ts"][2]
        # One pass over the file: read (inner), convert (middle), flag (outer). `_bad` holds
        # one bit per failed check, so validation is one aggregate over this table. A
        # converted column keeps its raw text only where conversion failed (the examples
        # the report quotes): good rows carry no second copy of their dates and numbers.
        flags = " + ".join(
            f"CASE WHEN {c.cond} THEN {1 << k} ELSE 0 END" for k, c in enumerate(self.checks)
        ) or "0"
        converted = [t for t in plan.sources if t in ("ts", "revenue", "online")
                     or t in SCORE_RANGES]
        keep = [f"r_{t}" for t in plan.sources if t not in converted]
        for t in converted:
            if t == "revenue" and self.priced:
                qty = "COALESCE(v_qty, 1)" if plan.quantity is not None else "1"
                keep.append(
                    f"CASE WHEN _purchase THEN v_price * {qty} END AS v_revenue, "
                    "CASE WHEN v_price IS NULL THEN r_revenue END AS r_revenue, _purchase"
                )
                if plan.quantity is not None:
                    keep.append("CASE WHEN v_qty IS NULL THEN r_qty END AS r_qty")
            else:
                keep.append(f"v_{t}, CASE WHEN v_{t} IS NULL THEN r_{t} END AS r_{t}")
        keep += ["_blank", *(["attributes"] if plan.attributes else [])]
        if not trim:
            keep.append("_ws")
        # The row limit is a LIMIT on the read itself: DuckDB stops reading the file there.
        self.cap = self.limits.max_rows + self.extra + 1
        reader = sql.read_csv(
            ncols, rejects=True, max_line=self.limits.max_line,
            types={col: kind for col, kind, _fmt in typed.values()},
            decimal_comma=self.decimal_comma,
        )
        source = f"(SELECT * FROM {reader} LIMIT {self.cap})"
        self.cur.execute(
            f"CREATE TEMP TABLE _pc_typed AS SELECT {', '.join(keep)}, {flags} AS _bad "
            f"FROM (SELECT *, {', '.join(conv) or 'NULL AS _none'} FROM (SELECT "
            f"{', '.join(raws)} FROM {source}))",
            params,
        )

    def _typed_failures(self, typed: dict[str, tuple[int, str, str | None]],
                        trim: bool) -> set[str] | None:
        """None when this read gave the text path's values; else the typed targets to read
        as text again (maybe none: a text value had spaces around it, so read again with
        every text value trimmed)."""
        edged = False
        if not trim:
            edged = bool(self.cur.execute(
                "SELECT count(*) FROM _pc_typed WHERE _ws").fetchone()[0])
        failed: set[str] = set()
        if typed:
            by_col = {f"c{col}": t for t, (col, _kind, _fmt) in typed.items()}
            for (name,) in self.cur.execute(
                "SELECT DISTINCT column_name FROM _pc_rejects WHERE error_type = 'CAST'"
            ).fetchall():
                # A column we did not type (never expected): all of them as text.
                failed |= {by_col[name]} if name in by_col else set(typed)
        if not failed and not edged:
            return None
        return failed

    def _dates(self, idx: list[int], name: str) -> str:
        """The conversion of the date column, its check, and what the report says of it."""
        layout = self.plan.layout
        code, label, hits, fmts, offset = sql.choose_date_format(
            self.cur, sql.raw(idx), layout.french
        )
        if fmts:
            self.params["fmt_ts"] = fmts
        zone = bool(layout.timezone) and code not in ("seconds", "millis", "micros")
        if zone:
            self.params["tz"] = layout.timezone
            self.report.notes.append(
                Problem.make("note_timezone", column=name, timezone=layout.timezone)
            )
        elif offset:
            self.report.notes.append(Problem.make("note_utc", column=name, example=offset))
        self.report.date_formats[name] = label
        self.checks.append(_Check(
            "bad_dates" if hits else "no_date_format", "ts",
            "r_ts IS NOT NULL AND v_ts IS NULL", {"format": label},
        ))
        # The one strict format the reader may convert this column with (typed first):
        # a single strptime format, or ISO dates whose sample all has one plain shape.
        self.ts_format = None
        if not zone and hits and code in formats.STRPTIME and len(fmts) == 1:
            self.ts_format = fmts[0]
        elif not zone and hits and code == "iso":
            values = [r[0] for r in self.cur.execute(
                f"SELECT v FROM (SELECT {sql.raw(idx)} AS v FROM _pc_sample) "
                f"WHERE v IS NOT NULL LIMIT {sql.DATE_SAMPLE}").fetchall()]
            self.ts_format = sql.strict_iso_format(values)
        return sql.date_sql(code, "r_ts", zone)

    def _structure(self) -> bool:
        """Rows DuckDB could not split (ragged, unclosed quote). True if the file can't land."""
        try:
            rejects = self.cur.execute(
                "SELECT line, error_type, error_message FROM _pc_rejects ORDER BY line"
            ).fetchall()
        except duckdb.CatalogException:
            return False
        first: dict[int, tuple[str, str]] = {}
        for line, etype, msg in rejects:
            first.setdefault(int(line) - 1 - self.extra, (etype, msg))
        if not first:
            return False
        rows = sorted(first)
        # Rows after a rejected one shift up in the typed table; put their numbers back.
        self.cur.execute("CREATE TEMP TABLE _pc_rej (before_kept BIGINT)")
        self.cur.executemany(
            "INSERT INTO _pc_rej VALUES (?)", [[r - i] for i, r in enumerate(rows, start=1)]
        )
        base = f"(t.rowid - {self.off} + 1)"
        self.rn = f"({base} + (SELECT count(*) FROM _pc_rej j WHERE j.before_kept < {base}))"
        self.report.rows_skipped = len(rows)
        ragged = [r for r in rows if first[r][0] in ("MISSING COLUMNS", "TOO MANY COLUMNS")]
        quotes = [r for r in rows if first[r][0] == "UNQUOTED VALUE"]
        long = [r for r in rows if first[r][0] == "LINE SIZE OVER MAXIMUM"]
        other = [r for r in rows if r not in ragged and r not in quotes and r not in long]
        if long:
            # A record that long is no row of an export: the wrong file, or the wrong
            # separator (nothing splits it). Never skipped as a bad row.
            self.report.problems.insert(0, Problem.make(
                "line_too_long", line=str(long[0] + 1 + self.extra),
                limit=self.limits.max_line_mb,
                fixes=[readers.limit_fix("max_line_mb", self.limits)],
            ))
            return True
        if ragged:
            self.report.problems.append(Problem.make(
                "ragged", rows=ragged, count=len(ragged), delimiter=self.prep.delimiter,
            ))
        if other:
            self.report.problems.append(Problem.make(
                "bad_line", rows=other, count=len(other), error=first[other[0]][1],
            ))
        if quotes:
            self.report.problems.insert(0, Problem.make("unclosed_quote", row=quotes[0]))
            return True  # everything after the quote is lost: never import part of it
        return False

    def _cell_lengths(self) -> bool:
        """A value longer than the cell limit (readers checked the head; this is the rest of
        the file). True if the file can't land: such a value is the wrong file or a wrong
        separator far more often than a real answer, and is never cut or skipped silently."""
        limit = self.limits.max_cell
        targets = list(self.plan.sources)
        if not targets:
            return False
        which = " ".join(f"WHEN length(r_{t}) > {limit} THEN {k}" for k, t in enumerate(targets))
        any_long = " OR ".join(f"length(r_{t}) > {limit}" for t in targets)
        found = self.cur.execute(
            f"SELECT {self.rn}, CASE {which} END FROM _pc_typed t WHERE {any_long} "
            "ORDER BY t.rowid LIMIT 1"
        ).fetchone()
        if found is None:
            return False
        target = targets[int(found[1])]
        self.report.problems.insert(0, Problem.make(
            "cell_too_large_csv", column=self.names[target], row=int(found[0]), limit=limit,
            fixes=[readers.limit_fix("max_cell", self.limits)],
        ))
        return True

    def _validate(self) -> tuple[int, int, int]:
        """Count bad rows per check; describe each. Returns (rows, good rows, skipped rows)."""
        live = f"t.rowid >= {self.off} AND NOT t._blank"
        conds = [f"(t._bad & {1 << k}) <> 0" for k in range(len(self.checks))]
        counts = ", ".join(f"count(*) FILTER (WHERE {c})" for c in [*conds, "t._bad <> 0"])
        row = self.cur.execute(
            f"SELECT count(*), {counts} FROM _pc_typed t WHERE {live}"
        ).fetchone()
        total, per_check, bad = row[0], row[1:-1], row[-1]
        if total == 0 and not self.report.problems:
            cols = ", ".join(self.plan.layout.columns)
            self.report.problems.append(Problem.make("header_only", columns=cols))
            self.fail()
        rejected = self.report.rows_skipped
        self.failing: list[tuple[_Check, int]] = []
        for check, cond, n in zip(self.checks, conds, per_check, strict=True):
            if not n:
                continue
            column = f"r_{check.target}"
            found = self.cur.execute(
                f"SELECT {self.rn}, {column} FROM _pc_typed t "
                f"WHERE {live} AND {cond} ORDER BY t.rowid LIMIT {SHOW_ROWS}"
            ).fetchall()
            rows = [int(r[0]) for r in found]
            examples = [r[1] for r in found if r[1] is not None]
            problem = Problem.make(
                check.code, column=self.names[check.target], rows=rows, examples=examples,
                count=int(n), **check.params,
            )
            self.report.problems.append(problem)
            self.failing.append((check, int(n)))
        self.live = f"{live} AND t._bad = 0"
        return int(total) + rejected, int(total - bad), int(bad) + rejected

    def _advise(self, total: int, bad: int, fatal: bool) -> None:
        """Fixes that never lead to a wrong number: when most rows fail on a column, the
        column is the wrong one (leave it out, or take the right one); leaving bad rows out
        is offered only when they are few, always with how many it drops."""
        by_column = {p.column: p for p in self.report.problems if p.column}
        most_fail = False
        for check, n in self.failing:
            if n <= MOST * total:
                continue
            most_fail = True
            problem = by_column.get(self.names.get(check.target))
            if problem is None:
                continue
            problem.fixes.extend(self._column_fixes(check.target))
        if fatal or most_fail or not bad or bad > MOST * total:
            return
        self.report.fixes.append(Fix("skip_bad_rows", {"drop": bad, "total": total}))

    def _column_fixes(self, target: str) -> list[Fix]:
        plan = self.plan
        if target == "qty":
            return [map_fix(self.names["qty"], "ignore")]
        if target in OPTIONAL:
            return [map_fix(plan.layout.columns[i], "ignore") for i in plan.sources[target]]
        # A required field: another column of the file that holds what it should.
        from journey.ingest import columns as content

        others = []
        for col, vals in plan.head.items():
            if col in plan.mapping or not content.present(vals):
                continue
            if target == "ts" and content.dates_share(vals) >= 0.9:
                others.append(col)
            elif target == "customer_id" and content.fill_rate(vals) == 1.0 and (
                "id" in col.lower() or formats.known_name(col)
            ):
                others.append(col)
        return [map_fix(c, target) for c in others[:2]]

    def _revenue_note(self) -> None:
        plan, name = self.plan, self.names.get("revenue")
        if name is None:
            return
        if not self.priced:
            self.report.notes.append(Problem.make("note_revenue_as_is", column=name))
            return
        n = self.cur.execute(
            f"SELECT count(*) FROM _pc_typed t WHERE {self.live} AND t._purchase"
        ).fetchone()[0]
        if not n:
            self.report.notes.append(Problem.make(
                "note_revenue_no_purchases", column=name, fixes=[map_fix(name, "revenue")]
            ))
        elif plan.quantity is not None:
            self.report.notes.append(Problem.make(
                "note_revenue_price_qty", column=name, quantity=self.names["qty"], count=int(n)
            ))
        else:
            self.report.notes.append(
                Problem.make("note_revenue_purchases", column=name, count=int(n))
            )

    # -- writing ---------------------------------------------------------------------
    def _map_stages(self) -> None:
        if "stage" not in self.plan.sources:
            return
        values = [r[0] for r in self.cur.execute(
            "SELECT r_stage FROM _pc_typed t WHERE r_stage IS NOT NULL GROUP BY r_stage "
            f"ORDER BY min(t.rowid) LIMIT {MAX_STAGES + 1}"
        ).fetchall()]
        if len(values) > MAX_STAGES:
            name = self.names["stage"]
            self.report.problems.append(Problem.make(
                "too_many_stages", column=name, limit=MAX_STAGES,
                fixes=[map_fix(name, "ignore")],
            ))
            self.fail()
        lookup, last = _stage_keys(self.cur)
        pairs = []
        for value in values:
            key = lookup.get(formats.norm(value))
            if key is None:  # a stage we do not know yet goes after the last one
                last += 1
                key = value
                lookup[formats.norm(value)] = key
                self.cur.execute(
                    "INSERT INTO stages (stage, position, label_en, label_fr, import_id) "
                    "VALUES (?, ?, ?, ?, ?)", [key, last, value, value, self.import_id]
                )
                self.report.new_stages.append(key)
            pairs.append([value, key])
        self.cur.execute("CREATE TEMP TABLE _pc_stage_map (raw VARCHAR, stage VARCHAR)")
        if pairs:
            self.cur.executemany("INSERT INTO _pc_stage_map VALUES (?, ?)", pairs)
        self.stage_join = "LEFT JOIN _pc_stage_map sm ON sm.raw = t.r_stage"

    def _col(self, target: str) -> str:
        if target not in self.plan.sources:
            return "NULL"
        if target == "stage":
            return "sm.stage"
        if target in ("ts", "revenue", "online") or target in SCORE_RANGES:
            return f"t.v_{target}"
        return f"t.r_{target}"

    def _already_present(self) -> int:
        """Rows of this file already in the store from earlier imports (a re-export that
        overlaps): counted per identical row, so a row the file holds twice and the store
        once lands once. They are left out of `self.live`."""
        table = self.plan.kind
        keys = [k for k in ROW_KEYS.get(table or "", ()) if k in self.plan.sources]
        if not keys or not self.cur.execute(f"SELECT count(*) > 0 FROM {table}").fetchone()[0]:
            return 0
        c = self._col
        new_cols = ", ".join(f"{c(k)} AS k_{k}" for k in keys)
        part = ", ".join(f"k_{k}" for k in keys)
        narrow = ""
        if "customer_id" in keys:
            narrow = "WHERE o.customer_id IN (SELECT k_customer_id FROM new)"
        on = " AND ".join(f"new.k_{k} IS NOT DISTINCT FROM old.{k}" for k in keys)
        self.cur.execute(
            f"CREATE TEMP TABLE _pc_present AS WITH new AS (SELECT t.rowid AS rid, {new_cols}, "
            f"ROW_NUMBER() OVER (PARTITION BY {part} ORDER BY t.rowid) AS occ "
            f"FROM _pc_typed t {self.stage_join} WHERE {self.live}), "
            f"old AS (SELECT {', '.join(keys)}, count(*) AS n, min(import_id) AS imp "
            f"FROM {table} o {narrow} GROUP BY {', '.join(keys)}) "
            f"SELECT new.rid, old.imp FROM new JOIN old ON {on} WHERE new.occ <= old.n"
        )
        n, imports = self.cur.execute(
            "SELECT count(*), list(DISTINCT imp ORDER BY imp) FROM _pc_present"
        ).fetchone()
        if n:
            self.live += " AND t.rowid NOT IN (SELECT rid FROM _pc_present)"
            self.report.rows_present = int(n)
            self.report.present_in = [int(i) for i in imports or []]
        return int(n)

    def _insert(self) -> None:
        kind, c = self.plan.kind, self._col
        p = {"import_id": self.import_id, "base": self.import_id * EVENT_ID_STRIDE}
        src = f"FROM _pc_typed t {self.stage_join} WHERE {self.live}"
        if kind == "events":
            # The unmapped columns, without their empty values (most are empty on most rows).
            attrs = "NULL"
            if self.plan.attributes:
                attrs = "NULLIF(CAST(json_merge_patch('{}', t.attributes) AS VARCHAR), '{}')"
            self.cur.execute(
                "INSERT INTO events (event_id, customer_id, ts, touchpoint, channel, device, "
                f"stage, revenue, import_id, attributes) SELECT $base + {self.rn}, "
                f"{c('customer_id')}, {c('ts')}, {c('touchpoint')}, {c('channel')}, "
                f"{c('device')}, {c('stage')}, {c('revenue')}, $import_id, {attrs} {src}", p,
            )
            self._add_touchpoints()
        elif kind == "responses":
            self.cur.execute(
                "INSERT INTO responses (response_id, customer_id, ts, stage, touchpoint, nps, "
                f"csat, ces, comment, import_id) SELECT $base + {self.rn}, {c('customer_id')}, "
                f"{c('ts')}, {c('stage')}, {c('touchpoint')}, {c('nps')}, {c('csat')}, "
                f"{c('ces')}, {c('comment')}, $import_id {src}", p,
            )
        elif kind == "customers":
            p = {"import_id": self.import_id}
            attrs = "t.attributes" if self.plan.attributes else "NULL"
            self.cur.execute(
                "INSERT INTO customers (customer_id, persona, attributes, import_id) "
                f"SELECT {c('customer_id')}, {c('persona')}, {attrs}, $import_id {src}", p,
            )
            self.cur.execute(
                "INSERT INTO personas (persona, import_id) "
                "SELECT DISTINCT persona, $import_id FROM customers "
                "WHERE import_id = $import_id AND persona IS NOT NULL "
                "AND persona NOT IN (SELECT persona FROM personas)", {"import_id": self.import_id},
            )
        else:
            p = {"import_id": self.import_id}
            # The last row for a touchpoint wins; existing rows keep their import_id so that
            # removing this import leaves the map of earlier imports in place.
            self.cur.execute(
                "INSERT INTO touchpoints (touchpoint, stage, channel, online, import_id) "
                "SELECT touchpoint, stage, channel, online, $import_id FROM ("
                f"SELECT {c('touchpoint')} AS touchpoint, {c('stage')} AS stage, "
                f"{c('channel')} AS channel, {c('online')} AS online, ROW_NUMBER() OVER "
                f"(PARTITION BY {c('touchpoint')} ORDER BY t.rowid DESC) AS k {src}) WHERE k = 1 "
                "ON CONFLICT (touchpoint) DO UPDATE SET "
                "stage = COALESCE(excluded.stage, touchpoints.stage), "
                "channel = COALESCE(excluded.channel, touchpoints.channel), "
                "online = COALESCE(excluded.online, touchpoints.online)", p,
            )

    def _suggestions(self, names: list[str]) -> dict[str, str]:
        """Stages for well-known event names, among the stages the store has (purchases go
        to the conversion stage, whatever the model calls it)."""
        stages = {r[0] for r in self.cur.execute("SELECT stage FROM stages").fetchall()}
        conversion = _conversion_stage(self.cur)
        out = {}
        for name in names:
            stage = known_events.suggested_stage(name)
            if stage == "purchase":
                stage = conversion
            if stage in stages:
                out[name] = stage
        return out

    def _add_touchpoints(self) -> None:
        # From the typed rows just inserted, not from `events` (which grows with the store).
        c = self._col
        self.cur.execute(
            f"CREATE TEMP TABLE _pc_tp AS SELECT {c('touchpoint')} AS touchpoint, "
            f"MIN({c('stage')}) AS stage, MIN({c('channel')}) AS channel "
            f"FROM _pc_typed t {self.stage_join} WHERE {self.live} GROUP BY 1"
        )
        # A touchpoint new to the map, without a stage in the file, takes the stage its
        # well-known name suggests; a stage the user set (map or file) is never replaced.
        fresh = [r[0] for r in self.cur.execute(
            "SELECT touchpoint FROM _pc_tp WHERE stage IS NULL AND touchpoint NOT IN "
            "(SELECT touchpoint FROM touchpoints) ORDER BY touchpoint"
        ).fetchall()]
        suggested = self._suggestions(fresh)
        self.cur.execute("CREATE TEMP TABLE _pc_suggest (touchpoint VARCHAR, stage VARCHAR)")
        if suggested:
            self.cur.executemany("INSERT INTO _pc_suggest VALUES (?, ?)",
                                 [[k, v] for k, v in suggested.items()])
        self.report.stages_suggested = suggested
        self.cur.execute(
            "INSERT INTO touchpoints (touchpoint, stage, channel, online, import_id) "
            "SELECT p.touchpoint, COALESCE(p.stage, s.stage), p.channel, NULL, $import_id "
            "FROM _pc_tp p LEFT JOIN _pc_suggest s ON s.touchpoint = p.touchpoint "
            "WHERE p.touchpoint NOT IN (SELECT touchpoint FROM touchpoints)",
            {"import_id": self.import_id},
        )
        self.report.unmapped_touchpoints = [r[0] for r in self.cur.execute(
            "SELECT t.touchpoint FROM touchpoints t WHERE t.stage IS NULL AND t.touchpoint IN "
            "(SELECT touchpoint FROM _pc_tp) ORDER BY t.touchpoint"
        ).fetchall()]

    def _finish(self) -> None:
        r = self.report
        r.ok, r.import_id = True, self.import_id
        self.cur.execute(
            "INSERT INTO imports (import_id, file_name, content_hash, kind, layout, rows, "
            "skipped, imported_at, report) VALUES (?, ?, ?, ?, ?, ?, ?, now()::TIMESTAMP, ?)",
            [self.import_id, r.file_name, self.prep.content_hash, r.kind, r.layout,
             r.rows_imported, r.rows_skipped, json.dumps(r.to_dict(), default=str)],
        )
        for table in ("_pc_typed", "_pc_sample", "_pc_stage_map", "_pc_rej", "_pc_tp",
                      "_pc_present", "_pc_suggest"):
            self.cur.execute(f"DROP TABLE IF EXISTS {table}")
