"""Import one file into the store: read, sniff, map, validate, load atomically, report.

The same code path serves the CLI and the upload page. The file is streamed through
DuckDB's `read_csv` (every column VARCHAR, explicit dialect) into a temporary table of
converted values, checked there with a few aggregate queries, and only then copied into
the store, all inside one transaction: a file lands whole or not at all. Bad input never
raises: `import_file` returns a report that says what is wrong and how to fix it.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from journey.db.store import EVENT_ID_STRIDE, Store
from journey.ingest import formats, messages, readers
from journey.ingest.formats import SCORE_RANGES, TARGET_FIELDS, Layout
from journey.ingest.messages import MESSAGES, SHOW_ROWS, SHOW_VALUES  # noqa: F401

TARGETS = TARGET_FIELDS  # target fields per kind, for the upload page's mapping widgets
IGNORE = ("", "-", "ignore", "none")  # --map 'Col=ignore' drops a suggested column
SAMPLE_ROWS = 20_000  # rows used to detect decimal commas
DATE_SAMPLE = 5_000  # non-empty values used to detect a date format
MAX_STAGES = 200  # more distinct "stages" than this means the wrong column was mapped
ProgressFn = Callable[[float, str], None]

def render(code: str, lang: str = "en", **params: Any) -> str:
    """The message `code` in `lang` (English fallback), filled with `params`."""
    return messages.render(code, lang, **params)


@dataclass
class Problem:
    """One thing wrong with the file, with where (rows, 1-based data rows) and examples."""

    code: str
    message: str
    column: str | None = None
    rows: list[int] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)
    count: int = 0
    params: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def make(
        cls,
        code: str,
        column: str | None = None,
        rows: list[int] | None = None,
        examples: list[Any] | None = None,
        count: int = 0,
        **params: Any,
    ) -> Problem:
        rows = list(rows or [])[:SHOW_ROWS]
        examples = [str(e) for e in (examples or [])][:SHOW_VALUES]
        params = {"column": column, "count": count, **params}
        problem = cls(code, "", column, rows, examples, count, params)
        problem.message = problem.text("en")
        return problem

    def text(self, lang: str = "en") -> str:
        """The message in `lang`; row lists, quotes and labels are written the lang's way."""
        return render(self.code, lang, row_list=self.rows, examples=self.examples, **self.params)


@dataclass
class ImportReport:
    """What an import did, or why it did nothing. `to_dict()` is stored in imports.report."""

    ok: bool = False
    import_id: int | None = None
    file_name: str = ""
    kind: str | None = None
    layout: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    rows_imported: int = 0
    rows_skipped: int = 0
    mapping: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    unmapped_touchpoints: list[str] = field(default_factory=list)
    new_stages: list[str] = field(default_factory=list)
    duplicate_of: dict[str, Any] | None = None
    date_formats: dict[str, str] = field(default_factory=dict)
    decimal_comma: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for p in data["problems"]:
            p.pop("params", None)
        if self.duplicate_of:
            data["duplicate_of"] = {k: str(v) for k, v in self.duplicate_of.items()}
        return data

    def to_text(self, lang: str = "en") -> str:
        r = lambda code, **kw: render(code, lang, **kw)  # noqa: E731
        lines = []
        if self.ok:
            lines.append(r(
                "ok", file_name=self.file_name, import_id=self.import_id,
                rows=messages.count_text(self.rows_imported, lang)
                if lang == "fr" else f"{self.rows_imported:,}",
                kind=self.kind, layout=self.layout, encoding=self.encoding,
                delimiter=self.delimiter,
            ))
        else:
            lines.append(r("rejected", file_name=self.file_name))
        if self.mapping:
            pairs = ", ".join(
                f"{messages.quote(s, lang)} → {t}" for s, t in self.mapping.items()
            )
            lines.append(r("mapping", mapping=pairs))
        for col, fmt in self.date_formats.items():
            lines.append(r("dates", column=col, format=fmt))
        for col in self.decimal_comma:
            lines.append(r("decimal_comma", column=col))
        if self.ok and self.rows_skipped:
            lines.append(r("skipped", count=self.rows_skipped))
        lines.extend("  - " + p.text(lang) for p in self.problems)
        if any(p.rows for p in self.problems):
            lines.append(r("rows_note"))
        if self.new_stages:
            lines.append(r("new_stages", stages=", ".join(self.new_stages)))
        if self.unmapped_touchpoints:
            names = messages.quote_list(self.unmapped_touchpoints, lang, 10)
            if len(self.unmapped_touchpoints) > 10:
                names += ", …"
            lines.append(r("unmapped", count=len(self.unmapped_touchpoints), names=names))
        return "\n".join(lines)


@dataclass
class Preview:
    """What the upload page shows before importing. Problems are data, never exceptions."""

    file_name: str
    encoding: str | None = None
    delimiter: str | None = None
    layout: str | None = None
    kind: str | None = None
    header: list[str] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)
    targets: list[str] = field(default_factory=list)  # target fields for `kind`
    data: pd.DataFrame = field(default_factory=pd.DataFrame)
    problems: list[Problem] = field(default_factory=list)


class _Rejected(Exception):
    """Raised inside the transaction to roll it back once the report holds the problems."""


# ---------------------------------------------------------------------------------------
# Planning: layout, mapping, kind (pure Python over the first rows)
# ---------------------------------------------------------------------------------------
@dataclass
class _Plan:
    layout: Layout
    kind: str | None
    mapping: dict[str, str]  # source column -> target (only the ones used, once kind is known)
    sources: dict[str, list[int]] = field(default_factory=dict)  # target -> column indexes
    attributes: list[int] = field(default_factory=list)  # customers: other columns, as JSON


def _apply_user_mapping(
    layout: Layout, suggested: dict[str, str], user: dict[str, str], problems: list[Problem]
) -> dict[str, str]:
    mapping = dict(suggested)
    by_norm = {formats.norm(c): c for c in layout.columns}
    columns = ", ".join(layout.columns)
    chosen = []
    for src, target in user.items():
        col = src if src in layout.columns else by_norm.get(formats.norm(src))
        if col is None:
            problems.append(Problem.make("map_missing_column", column=src, columns=columns))
            continue
        target = target.strip()
        if target.lower() in IGNORE:
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
    return ordered


def _plan(
    prep: readers.Prepared, kind: str | None, user_mapping: dict[str, str] | None
) -> tuple[_Plan, list[Problem]]:
    problems: list[Problem] = []
    layout = formats.detect_layout(prep.head_rows, prep.delimiter)
    data_rows = prep.head_rows[1 + layout.extra_header_rows:]
    mapping = formats.suggest_mapping(layout, data_rows)
    if user_mapping:
        mapping = _apply_user_mapping(layout, mapping, user_mapping, problems)
    columns = ", ".join(layout.columns)
    targets = set(mapping.values())
    kind = kind or formats.detect_kind(targets)
    plan = _Plan(layout, kind, mapping)
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
    for req in formats.REQUIRED[kind]:
        if req not in targets:
            problems.append(Problem.make(f"no_{req}", columns=columns))
    if kind == "responses":
        if not targets & set(formats.SCORE_FIELDS):
            problems.append(Problem.make("no_score", columns=columns))
        if not targets & {"customer_id", "stage", "touchpoint"}:
            problems.append(Problem.make("no_response_key", columns=columns))
    plan.mapping = {c: t for c, t in mapping.items() if t in TARGET_FIELDS[kind]}
    index = {c: i for i, c in enumerate(layout.columns)}
    for col, target in plan.mapping.items():
        plan.sources.setdefault(target, []).append(index[col])
    if kind == "customers":
        plan.attributes = [i for i, c in enumerate(layout.columns) if c not in plan.mapping]
    return plan, problems


# ---------------------------------------------------------------------------------------
# SQL building. Only our own names (c0, c1, ...) and constants go into SQL text; file
# paths, user column names and values are bound as $parameters.
# ---------------------------------------------------------------------------------------
def _read_csv(ncols: int, *, rejects: bool) -> str:
    cols = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(ncols))
    errors = (
        "store_rejects=true, rejects_table='_pc_rejects', rejects_scan='_pc_scans'"
        if rejects else "ignore_errors=true"
    )
    return (
        "read_csv($path, delim=$delim, quote='\"', escape='\"', header=true, "
        f"auto_detect=false, columns={{{cols}}}, compression=$compression, "
        f"max_line_size=16777216, {errors})"
    )


def _trimmed(col: str) -> str:
    # read_csv already gives NULL for empty fields; trimming only the values that need it
    # halves the cost on a big file.
    return (
        f"CASE WHEN starts_with({col}, ' ') OR ends_with({col}, ' ') "
        f"THEN NULLIF(trim({col}), '') ELSE {col} END"
    )


def _raw(idx: list[int]) -> str:
    parts = [_trimmed(f"c{i}") for i in idx]
    return parts[0] if len(parts) == 1 else f"COALESCE({', '.join(parts)})"


def _date_sql(code: str, v: str) -> str:
    """SQL turning text `v` into a UTC TIMESTAMP for format family `code` (NULL if it can't)."""
    if code == "seconds":
        return f"make_timestamp(TRY_CAST({v} AS BIGINT) * 1000000)"
    if code == "millis":
        return f"epoch_ms(TRY_CAST({v} AS BIGINT))"
    if code == "micros":
        return f"make_timestamp(TRY_CAST({v} AS BIGINT))"
    if code == "iso":
        # Offsets ('Z', '+02:00') need the TIMESTAMPTZ cast (session is UTC), which is 5x
        # slower: keep it for the values long enough to carry one.
        return (
            f"CASE WHEN length({v}) <= 19 AND NOT ({v} LIKE '%Z' OR {v} LIKE '%+%') "
            f"THEN TRY_CAST({v} AS TIMESTAMP) "
            f"ELSE TRY_CAST(TRY_CAST({v} AS TIMESTAMPTZ) AS TIMESTAMP) END"
        )
    return f"try_strptime({v}, $fmt_ts)"


def _number_sql(v: str, decimal_comma: bool) -> str:
    cleaned = f"regexp_replace({v}, '[\\s€$£\u00a0\u202f]', '', 'g')"
    if decimal_comma:
        return f"TRY_CAST(replace(replace({cleaned}, '.', ''), ',', '.') AS DOUBLE)"
    return f"COALESCE(TRY_CAST({v} AS DOUBLE), TRY_CAST(replace({cleaned}, ',', '') AS DOUBLE))"


def _score_sql(v: str, low: int, high: int) -> str:
    # Whole numbers only ('9', '9.0', '10 - Extremely likely'); '7.5', '-1', 'dix' are NULL.
    n = f"TRY_CAST(regexp_extract({v}, '^([0-9]+)(?:[.,]0+)?(?:\\s*[-–:].*)?$', 1) AS INTEGER)"
    return f"CASE WHEN {n} BETWEEN {low} AND {high} THEN {n} END"


_TRUE = ("true", "yes", "y", "1", "oui", "o", "vrai", "online", "en ligne", "digital", "web")
_FALSE = ("false", "no", "n", "0", "non", "faux", "offline", "hors ligne", "physical", "physique")


def _bool_sql(v: str) -> str:
    t = ", ".join(f"'{w}'" for w in _TRUE)
    f = ", ".join(f"'{w}'" for w in _FALSE)
    return f"CASE WHEN lower({v}) IN ({t}) THEN TRUE WHEN lower({v}) IN ({f}) THEN FALSE END"


def _choose_date_format(
    cur: duckdb.DuckDBPyConnection, raw: str, french: bool
) -> tuple[str, str, int, list[str]]:
    """(family, label, sample values read, strptime formats) for one date column.

    Families are shortlisted in Python by the shape of sampled values; DuckDB then counts
    what each really parses. strptime lists are pruned to the formats the sample uses,
    because every extra format costs on every row of the full file.
    """
    cur.execute(
        f"CREATE TEMP TABLE _pc_dates AS SELECT {raw} AS v FROM _pc_sample "
        f"WHERE {raw} IS NOT NULL LIMIT {DATE_SAMPLE}"
    )
    values = [r[0] for r in cur.execute("SELECT v FROM _pc_dates").fetchall()]
    shapes = [(c, re.compile(rx)) for c, rx in formats.DATE_SHAPES]
    families = [c for c, rx in shapes if any(rx.fullmatch(v) for v in values)] or ["iso"]
    results: dict[str, tuple[int, list[str]]] = {}
    for code in families:
        fmts: list[str] = []
        if code in formats.STRPTIME:
            cands = formats.STRPTIME[code]
            params = {f"f{i}": f for i, f in enumerate(cands)}
            sql = ", ".join(f"count(try_strptime(v, $f{i}))" for i in range(len(cands)))
            counts = cur.execute(f"SELECT {sql} FROM _pc_dates", params).fetchone()
            fmts = [f for n, f in sorted(zip(counts, cands, strict=True), key=lambda x: -x[0]) if n]
            if not fmts:
                results[code] = (0, fmts)
                continue
        hits = cur.execute(
            f"SELECT count({_date_sql(code, 'v')}) FROM _pc_dates", {"fmt_ts": fmts} if fmts else {}
        ).fetchone()[0]
        results[code] = (int(hits), fmts)
    cur.execute("DROP TABLE _pc_dates")
    full = [c for c in families if results[c][0] == len(values) and values]
    if "dmy" in full and "mdy" in full:
        # 03/04/2024 is ambiguous: French files mean 3 April, US tools mean March 4.
        full.remove("mdy" if french else "dmy")
    best = full[0] if full else max(families, key=lambda c: results[c][0])
    label = dict((c, lbl) for lbl, c in formats.DATE_FORMATS)[best]
    return best, label, results[best][0], results[best][1]


def _uses_decimal_comma(cur: duckdb.DuckDBPyConnection, raw: str, french: bool) -> bool:
    commas, dots = cur.execute(
        f"SELECT count(*) FILTER (WHERE v LIKE '%,%'), count(*) FILTER (WHERE v LIKE '%.%') "
        f"FROM (SELECT {raw} AS v FROM _pc_sample)"
    ).fetchone()
    return commas > 0 and (dots == 0 or french)


# ---------------------------------------------------------------------------------------
# Loading, inside the store's transaction
# ---------------------------------------------------------------------------------------
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


class _Loader:
    """One import inside one transaction; raises _Rejected when the file must not land."""

    def __init__(self, cur, prep, plan, report, skip_bad_rows, progress):  # noqa: ANN001
        self.cur: duckdb.DuckDBPyConnection = cur
        self.prep: readers.Prepared = prep
        self.plan: _Plan = plan
        self.report: ImportReport = report
        self.skip = skip_bad_rows
        self.progress: ProgressFn = progress
        self.extra = plan.layout.extra_header_rows
        self.params: dict[str, Any] = {
            "path": prep.csv_path, "delim": prep.delimiter, "compression": prep.compression,
        }
        self.names = {
            t: " / ".join(plan.layout.columns[i] for i in idx) for t, idx in plan.sources.items()
        }
        self.checks: list[_Check] = []

    def fail(self) -> None:
        raise _Rejected()

    def run(self, store: Store) -> None:
        self.import_id = store.next_import_id(self.cur)
        self._stage_table()
        self.progress(0.2, "Reading rows")
        self._typed_table()
        self.progress(0.5, "Checking values")
        fatal = self._structure()
        good, bad_rows = self._validate()
        if fatal or (self.report.problems and not self.skip):
            self.fail()
        if good == 0:
            self.report.problems.append(Problem.make("no_good_rows"))
            self.fail()
        self.report.rows_skipped = bad_rows
        self.report.rows_imported = good
        self._map_stages()
        self.progress(0.7, "Writing to the store")
        self._insert()
        self._finish()

    # -- reading ---------------------------------------------------------------------
    def _stage_table(self) -> None:
        ncols = len(self.plan.layout.columns)
        self.cur.execute(
            f"CREATE TEMP TABLE _pc_sample AS SELECT * FROM {_read_csv(ncols, rejects=False)} "
            f"LIMIT {SAMPLE_ROWS} OFFSET {self.extra}",
            self.params,
        )

    def _typed_table(self) -> None:
        plan, french = self.plan, self.plan.layout.french
        raws = [f"{_raw(idx)} AS r_{t}" for t, idx in plan.sources.items()]
        ncols = len(plan.layout.columns)
        raws.append("(" + " AND ".join(f"c{i} IS NULL" for i in range(ncols)) + ") AS _blank")
        if plan.attributes:
            pairs = []
            for k, i in enumerate(plan.attributes):
                self.params[f"attr{k}"] = plan.layout.columns[i]
                pairs.append(f"$attr{k}, NULLIF(trim(c{i}), '')")
            raws.append(f"json_object({', '.join(pairs)}) AS attributes")
        conv = []
        for target, idx in plan.sources.items():
            r, name = f"r_{target}", self.names[target]
            if target == "ts":
                code, label, hits, fmts = _choose_date_format(self.cur, _raw(idx), french)
                if fmts:
                    self.params["fmt_ts"] = fmts
                conv.append(f"{_date_sql(code, r)} AS v_ts")
                self.report.date_formats[name] = label
                self.checks.append(_Check(
                    "bad_dates" if hits else "no_date_format", target,
                    f"{r} IS NOT NULL AND v_ts IS NULL", {"format": label},
                ))
            elif target == "revenue":
                comma = _uses_decimal_comma(self.cur, _raw(idx), french)
                if comma:
                    self.report.decimal_comma.append(name)
                conv.append(f"{_number_sql(r, comma)} AS v_revenue")
                self.checks.append(
                    _Check("bad_number", target, f"{r} IS NOT NULL AND v_revenue IS NULL")
                )
            elif target in SCORE_RANGES:
                low, high = SCORE_RANGES[target]
                conv.append(f"{_score_sql(r, low, high)} AS v_{target}")
                self.checks.append(_Check(
                    "bad_score", target, f"{r} IS NOT NULL AND v_{target} IS NULL",
                    {"low": low, "high": high, "label": target.upper()},
                ))
            elif target == "online":
                conv.append(f"{_bool_sql(r)} AS v_online")
                self.checks.append(
                    _Check("bad_bool", target, f"{r} IS NOT NULL AND v_online IS NULL")
                )
        for req in formats.REQUIRED[plan.kind or "events"]:
            self.checks.insert(0, _Check("empty_values", req, f"r_{req} IS NULL"))
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
        keep += [f"v_{t}, CASE WHEN v_{t} IS NULL THEN r_{t} END AS r_{t}" for t in converted]
        keep += ["_blank", *(["attributes"] if plan.attributes else [])]
        self.cur.execute(
            f"CREATE TEMP TABLE _pc_typed AS SELECT {', '.join(keep)}, {flags} AS _bad "
            f"FROM (SELECT *, {', '.join(conv) or 'NULL AS _none'} FROM (SELECT "
            f"{', '.join(raws)} FROM {_read_csv(ncols, rejects=True)}))",
            self.params,
        )
        # Rows of a table written in this transaction are numbered from a large base, in
        # file order (insertion order is preserved, so the first row has the lowest id):
        # rebase them to file rows.
        row0 = self.cur.execute("SELECT rowid FROM _pc_typed LIMIT 1").fetchone()
        self.off = int(row0[0] if row0 else 0) + self.extra
        self.rn = f"(t.rowid - {self.off} + 1)"  # 1-based data row, as the user counts

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
        other = [r for r in rows if r not in ragged and r not in quotes]
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

    def _validate(self) -> tuple[int, int]:
        """Count bad rows per check; describe each. Returns (good rows, skipped rows)."""
        live = f"t.rowid >= {self.off} AND NOT t._blank"
        conds = [f"(t._bad & {1 << k}) <> 0" for k in range(len(self.checks))]
        counts = ", ".join(f"count(*) FILTER (WHERE {c})" for c in [*conds, "t._bad <> 0"])
        sql = f"SELECT count(*), {counts} FROM _pc_typed t WHERE {live}"
        row = self.cur.execute(sql).fetchone()
        total, per_check, bad = row[0], row[1:-1], row[-1]
        if total == 0 and not self.report.problems:
            cols = ", ".join(self.plan.layout.columns)
            self.report.problems.append(Problem.make("header_only", columns=cols))
            self.fail()
        for check, cond, n in zip(self.checks, conds, per_check, strict=True):
            if not n:
                continue
            found = self.cur.execute(
                f"SELECT {self.rn}, r_{check.target} FROM _pc_typed t "
                f"WHERE {live} AND {cond} ORDER BY t.rowid LIMIT {SHOW_ROWS}"
            ).fetchall()
            rows = [int(r[0]) for r in found]
            examples = [r[1] for r in found if r[1] is not None]
            self.report.problems.append(Problem.make(
                check.code, column=self.names[check.target], rows=rows, examples=examples,
                count=int(n), **check.params,
            ))
        self.live = f"{live} AND t._bad = 0"
        return int(total - bad), int(bad) + self.report.rows_skipped

    # -- writing ---------------------------------------------------------------------
    def _map_stages(self) -> None:
        self.stage_join = ""
        if "stage" not in self.plan.sources:
            return
        values = [r[0] for r in self.cur.execute(
            "SELECT r_stage FROM _pc_typed t WHERE r_stage IS NOT NULL GROUP BY r_stage "
            f"ORDER BY min(t.rowid) LIMIT {MAX_STAGES + 1}"
        ).fetchall()]
        if len(values) > MAX_STAGES:
            self.report.problems.append(Problem.make(
                "too_many_stages", column=self.names["stage"], limit=MAX_STAGES
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

    def _insert(self) -> None:
        kind, c = self.plan.kind, self._col
        p = {"import_id": self.import_id, "base": self.import_id * EVENT_ID_STRIDE}
        src = f"FROM _pc_typed t {self.stage_join} WHERE {self.live}"
        if kind == "events":
            self.cur.execute(
                "INSERT INTO events (event_id, customer_id, ts, touchpoint, channel, device, "
                f"stage, revenue, import_id) SELECT $base + {self.rn}, {c('customer_id')}, "
                f"{c('ts')}, {c('touchpoint')}, {c('channel')}, {c('device')}, {c('stage')}, "
                f"{c('revenue')}, $import_id {src}", p,
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

    def _add_touchpoints(self) -> None:
        # From the typed rows just inserted, not from `events` (which grows with the store).
        c = self._col
        self.cur.execute(
            f"CREATE TEMP TABLE _pc_tp AS SELECT {c('touchpoint')} AS touchpoint, "
            f"MIN({c('stage')}) AS stage, MIN({c('channel')}) AS channel "
            f"FROM _pc_typed t {self.stage_join} WHERE {self.live} GROUP BY 1"
        )
        self.cur.execute(
            "INSERT INTO touchpoints (touchpoint, stage, channel, online, import_id) "
            "SELECT touchpoint, stage, channel, NULL, $import_id FROM _pc_tp "
            "WHERE touchpoint NOT IN (SELECT touchpoint FROM touchpoints)",
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
        for table in ("_pc_typed", "_pc_sample", "_pc_stage_map", "_pc_rej", "_pc_tp"):
            self.cur.execute(f"DROP TABLE IF EXISTS {table}")


# ---------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------
def _name_of(source: str | Path | bytes, file_name: str | None) -> str:
    if file_name:
        return file_name
    return "upload.csv" if isinstance(source, (bytes, bytearray)) else Path(source).name


def _materialize(source: str | Path | bytes, work: str, name: str) -> str:
    """A path for `source`: an upload's bytes are written once to the temporary directory."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        path = Path(work) / ("upload" + "".join(Path(name).suffixes[-2:]))
        path.write_bytes(bytes(source))
        return str(path)
    return str(source)


def _read_problem(exc: readers.ReadProblem) -> Problem:
    return Problem.make(exc.code, **exc.params)


def import_file(
    store: Store,
    source: str | Path | bytes,
    *,
    kind: str | None = None,
    mapping: dict[str, str] | None = None,
    skip_bad_rows: bool = False,
    file_name: str | None = None,
    progress: ProgressFn | None = None,
) -> ImportReport:
    """Import one file (path, or an upload's bytes with its file_name) as one transaction.

    Never raises for bad input: the report says what was wrong, and the store is unchanged.
    """
    report = ImportReport(file_name=_name_of(source, file_name))
    step: ProgressFn = progress or (lambda fraction, message: None)
    try:
        with tempfile.TemporaryDirectory(prefix="parcours-import-") as work:
            step(0.0, "Reading the file")
            path = _materialize(source, work, report.file_name)
            prep = readers.prepare(path, report.file_name, work)
            report.encoding, report.delimiter = prep.encoding, prep.delimiter
            earlier = store.find_import(prep.content_hash)
            if earlier:
                report.duplicate_of = earlier
                report.problems.append(Problem.make("duplicate", **earlier))
                return report
            plan, problems = _plan(prep, kind, mapping)
            report.layout, report.kind, report.mapping = plan.layout.name, plan.kind, plan.mapping
            if problems:
                report.problems.extend(problems)
                return report
            step(0.1, "Checking the columns")
            with store.transaction() as cur:
                _Loader(cur, prep, plan, report, skip_bad_rows, step).run(store)
            step(1.0, "Done")
    except readers.ReadProblem as exc:
        report.problems.append(_read_problem(exc))
    except _Rejected:
        pass
    except Exception as exc:  # a bug or a DuckDB surprise: still a report, never a traceback
        report.problems.append(Problem.make("internal", error=f"{type(exc).__name__}: {exc}"))
    if report.problems and not (report.ok and skip_bad_rows):
        report.ok, report.import_id, report.rows_imported = False, None, 0
    return report


def preview(
    source: str | Path | bytes,
    *,
    kind: str | None = None,
    mapping: dict[str, str] | None = None,
    file_name: str | None = None,
    rows: int = 20,
) -> Preview:
    """The file's first rows, detected layout/kind and suggested mapping; never raises."""
    result = Preview(file_name=_name_of(source, file_name))
    try:
        with tempfile.TemporaryDirectory(prefix="parcours-preview-") as work:
            path = _materialize(source, work, result.file_name)
            prep = readers.prepare(path, result.file_name, work, full=False)
        result.encoding, result.delimiter = prep.encoding, prep.delimiter
        plan, problems = _plan(prep, kind, mapping)
        layout = plan.layout
        result.layout, result.kind, result.header = layout.name, plan.kind, layout.columns
        result.mapping, result.problems = plan.mapping, problems
        result.targets = list(TARGET_FIELDS.get(plan.kind or "", []))
        width = len(layout.columns)
        body = prep.head_rows[1 + layout.extra_header_rows:][:rows]
        body = [(r + [""] * width)[:width] for r in body]
        result.data = pd.DataFrame(body, columns=layout.columns)
    except readers.ReadProblem as exc:
        result.problems.append(_read_problem(exc))
    except Exception as exc:  # noqa: BLE001 - a preview must never take the page down
        result.problems.append(Problem.make("internal", error=f"{type(exc).__name__}: {exc}"))
    return result
