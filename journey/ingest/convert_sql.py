"""SQL that reads a file and turns its text into typed values, for the loader.

Only our own names (c0, c1, ...) and constants go into SQL text; file paths, user column
names and values are bound as $parameters. A value is read as text (VARCHAR) and converted
here, so a bad value is a NULL we can count and show, never a crash; or, in the loader's
typed-first read, converted by the reader in one strict format, where a bad value is a
CAST reject that sends its column back to the text read.
"""

from __future__ import annotations

import re

import duckdb

from journey.ingest import columns as content
from journey.ingest import formats

DATE_SAMPLE = 5_000  # non-empty values used to detect a date format
_MISSING_SQL = ", ".join("'" + v.replace("'", "''") + "'" for v in content.MISSING_VALUES)


def read_csv(ncols: int, *, rejects: bool, max_line: int = 16 * 1024 * 1024,
             types: dict[int, str] | None = None, decimal_comma: bool = False) -> str:
    """`read_csv(...)` over the prepared file: every column VARCHAR, explicit dialect, and
    the usual spellings of "no value" (NA, N/A, null, NaN, -) read as NULL. A record longer
    than `max_line` bytes (the line limit) is a reject, never read into memory whole.

    `types` (the typed-first read, loader.Loader): columns DuckDB converts itself as it reads,
    TIMESTAMP (in the one strict format bound as `$ts_format`) or DOUBLE (with a decimal
    comma when `decimal_comma`); a value that does not convert is a CAST reject, and the
    loader then reads that column as text again."""
    types = types or {}
    cols = ", ".join(f"'c{i}': '{types.get(i, 'VARCHAR')}'" for i in range(ncols))
    errors = (
        "store_rejects=true, rejects_table='_pc_rejects', rejects_scan='_pc_scans'"
        if rejects else "ignore_errors=true"
    )
    typed = ""
    if "TIMESTAMP" in types.values():
        typed += ", timestampformat=$ts_format"
    if decimal_comma and "DOUBLE" in types.values():
        typed += ", decimal_separator=','"
    return (
        "read_csv($path, delim=$delim, quote='\"', escape='\"', header=true, "
        f"auto_detect=false, columns={{{cols}}}, compression=$compression, "
        f"nullstr=[{_MISSING_SQL}], max_line_size={int(max_line)}, {errors}{typed})"
    )


# The one strict strptime format of an ISO date column whose sampled values all have this
# shape: what DuckDB's TRY_CAST(v AS TIMESTAMP) reads them as (no offset, no fraction), so
# the typed read gives the values the text conversion (`date_sql("iso")`) gives.
ISO_STRICT = [
    (re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}"), "%Y-%m-%d %H:%M:%S"),
    (re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}"), "%Y-%m-%dT%H:%M:%S"),
]


def strict_iso_format(values: list[str]) -> str | None:
    """The strict format all of `values` (sampled, non-empty) have, or None."""
    for rx, fmt in ISO_STRICT:
        if values and all(rx.fullmatch(v) for v in values):
            return fmt
    return None


def blank_edged(col: str) -> str:
    """TRUE when a text value starts or ends with a space (`trimmed` would change it)."""
    return f"(starts_with({col}, ' ') OR ends_with({col}, ' '))"


def trimmed(col: str) -> str:
    # read_csv already gives NULL for empty and NA-like fields; trimming only the values
    # that need it halves the cost on a big file.
    return (
        f"CASE WHEN starts_with({col}, ' ') OR ends_with({col}, ' ') THEN "
        f"CASE WHEN trim({col}) IN ({_MISSING_SQL}) THEN NULL ELSE trim({col}) END "
        f"ELSE {col} END"
    )


def raw(idx: list[int], target: str = "", *, trim: bool = True) -> str:
    """The text of a field: one column; several customer columns tried in order on each
    row; several comment columns joined (each answer kept, in column order). Without
    `trim` the values are taken as read: the same text when none starts or ends with a
    space (what the loader's first read checks, `blank_edged`)."""
    parts = [trimmed(f"c{i}") if trim else f"c{i}" for i in idx]
    if len(parts) == 1:
        return parts[0]
    if target == "comment":
        return f"NULLIF(concat_ws(chr(10) || chr(10), {', '.join(parts)}), '')"
    return f"COALESCE({', '.join(parts)})"


def date_sql(code: str, v: str, zone: bool = False) -> str:
    """SQL turning text `v` into a UTC TIMESTAMP for format family `code` (NULL if it can't).
    With `zone`, times without an offset are local times of the `$tz` time zone."""
    if code == "seconds":
        return f"make_timestamp(TRY_CAST({v} AS BIGINT) * 1000000)"
    if code == "millis":
        return f"epoch_ms(TRY_CAST({v} AS BIGINT))"
    if code == "micros":
        return f"make_timestamp(TRY_CAST({v} AS BIGINT))"
    if code == "iso":
        # Offsets ('Z', '+02:00', ' UTC') need the TIMESTAMPTZ cast (session is UTC), which
        # is 5x slower: keep it for the values long enough to carry one.
        naive = f"TRY_CAST({v} AS TIMESTAMP)"
        if zone:
            naive = f"CAST(timezone($tz, {naive}) AS TIMESTAMP)"
        return (
            f"CASE WHEN length({v}) <= 19 AND NOT ({v} LIKE '%Z' OR {v} LIKE '%+%') "
            f"THEN {naive} ELSE TRY_CAST(TRY_CAST({v} AS TIMESTAMPTZ) AS TIMESTAMP) END"
        )
    parsed = f"try_strptime({v}, $fmt_ts)"
    return f"CAST(timezone($tz, {parsed}) AS TIMESTAMP)" if zone else parsed


def number_sql(v: str, decimal_comma: bool) -> str:
    cleaned = f"regexp_replace({v}, '[\\s€$£\u00a0\u202f]', '', 'g')"
    if decimal_comma:
        return f"TRY_CAST(replace(replace({cleaned}, '.', ''), ',', '.') AS DOUBLE)"
    return f"COALESCE(TRY_CAST({v} AS DOUBLE), TRY_CAST(replace({cleaned}, ',', '') AS DOUBLE))"


def score_sql(v: str, low: int, high: int) -> str:
    # Whole numbers only ('9', '9.0', '10 - Extremely likely'); '7.5', '-1', 'dix' are NULL.
    n = f"TRY_CAST(regexp_extract({v}, '^([0-9]+)(?:[.,]0+)?(?:\\s*[-–:].*)?$', 1) AS INTEGER)"
    return f"CASE WHEN {n} BETWEEN {low} AND {high} THEN {n} END"


def norm_sql(v: str) -> str:
    """`formats.norm` in SQL: lower case, no accents, letters and digits only."""
    return f"regexp_replace(strip_accents(lower({v})), '[^0-9a-z]', '', 'g')"


def in_list(expr: str, values: list[str] | tuple[str, ...]) -> str:
    """`expr IN (...)` over our own constants (normalised names, never user text)."""
    if not values:
        return "FALSE"
    for v in values:
        if not re.fullmatch(r"[0-9a-z]+", v):
            raise ValueError(f"not a normalised name: {v!r}")
    return f"{expr} IN ({', '.join(repr(v) for v in values)})"


_TRUE = ("true", "yes", "y", "1", "oui", "o", "vrai", "online", "en ligne", "digital", "web")
_FALSE = ("false", "no", "n", "0", "non", "faux", "offline", "hors ligne", "physical", "physique")


def bool_sql(v: str) -> str:
    t = ", ".join(f"'{w}'" for w in _TRUE)
    f = ", ".join(f"'{w}'" for w in _FALSE)
    return f"CASE WHEN lower({v}) IN ({t}) THEN TRUE WHEN lower({v}) IN ({f}) THEN FALSE END"


def choose_date_format(
    cur: duckdb.DuckDBPyConnection, raw_sql: str, french: bool
) -> tuple[str, str, int, list[str], str | None]:
    """(family, label, sample values read, strptime formats, a value with a UTC offset)
    for one date column.

    Families are shortlisted in Python by the shape of sampled values; DuckDB then counts
    what each really parses. strptime lists are pruned to the formats the sample uses,
    because every extra format costs on every row of the full file.
    """
    cur.execute(
        f"CREATE TEMP TABLE _pc_dates AS SELECT {raw_sql} AS v FROM _pc_sample "
        f"WHERE {raw_sql} IS NOT NULL LIMIT {DATE_SAMPLE}"
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
            f"SELECT count({date_sql(code, 'v')}) FROM _pc_dates", {"fmt_ts": fmts} if fmts else {}
        ).fetchone()[0]
        results[code] = (int(hits), fmts)
    cur.execute("DROP TABLE _pc_dates")
    full = [c for c in families if results[c][0] == len(values) and values]
    if "dmy" in full and "mdy" in full:
        # 03/04/2024 is ambiguous: French files mean 3 April, US tools mean March 4.
        full.remove("mdy" if french else "dmy")
    best = full[0] if full else max(families, key=lambda c: results[c][0])
    label = dict((c, lbl) for lbl, c in formats.DATE_FORMATS)[best]
    offset = content.offset_example(values) if best == "iso" else None
    return best, label, results[best][0], results[best][1], offset


def uses_decimal_comma(cur: duckdb.DuckDBPyConnection, raw_sql: str, french: bool) -> bool:
    commas, dots = cur.execute(
        f"SELECT count(*) FILTER (WHERE v LIKE '%,%'), count(*) FILTER (WHERE v LIKE '%.%') "
        f"FROM (SELECT {raw_sql} AS v FROM _pc_sample)"
    ).fetchone()
    return commas > 0 and (dots == 0 or french)
