"""Touchpoint rules: the ordered list that turns raw events into journey events.

A rule is a condition on one field of an event (the touchpoint, i.e. the event name, its
channel, device or stage, or an attribute kept at import such as `page_location`) and an
action: set the touchpoint, the stage, the channel, online/offline, or hide the event.
For each target the first matching rule (lowest position) wins; an event no rule touches keeps
its imported values. Rules that set the touchpoint see the imported values; every other rule
sees the touchpoint as renamed (so "Product page -> consideration" works after
"view -> Product page"). A rule may be restricted to some event names (`only_for`).

Rules are data: each is compiled here, in Python, into a regular expression and a rewrite
string stored beside it in the `rules` table, and the derived SQL reads them from there (never
formatted into SQL). Matching runs on the distinct values of each field, not on every event,
so a rule costs one regex per distinct value (see `rule_ctes`).
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from typing import Any

import duckdb

BASE_FIELDS = ("touchpoint", "channel", "device", "stage")
# Other names people use for the event-name column.
FIELD_ALIASES = {"event": "touchpoint", "event_name": "touchpoint", "name": "touchpoint"}
KINDS = ("equals", "one_of", "wildcard", "regex", "url_path")
ACTIONS = ("touchpoint", "stage", "channel", "online", "hide")
# Targets whose new value may use capture groups (`\1`).
TEXT_ACTIONS = ("touchpoint", "stage", "channel")
MAX_PATTERN = 500  # characters; longer patterns are refused
MAX_VALUE = 200
MAX_RULES = 500
MAX_VERSIONS = 50  # earlier rule sets kept for Undo
ONE_OF_SEP = "|"  # one_of patterns list their values separated by "|"

# A quantified group that itself contains a quantifier: (a+)+, (a*)*, (\w+\s?)*, (a|aa){2,}.
# RE2 (DuckDB) runs in linear time anyway; refusing them keeps rules portable to engines that
# backtrack (Spark's Java regex) and keeps the Python-side preview safe.
_NESTED = re.compile(
    r"\((?:[^()\\]|\\.)*(?:[+*]|\{\d+,?\d*\})(?:[^()\\]|\\.)*\)[)\s]*(?:[+*]|\{\d+,)"
)
_REWRITE_REF = re.compile(r"\\(\d)")


class RuleError(Exception):
    """A rule that cannot be stored, with a message key of rules.json and its params."""

    def __init__(self, code: str, **params: Any) -> None:
        self.code, self.params = code, params
        super().__init__(self.text("en"))

    def text(self, lang: str = "en") -> str:
        from journey import i18n

        # A wrapped error (which rule was wrong) is said in the same language.
        params = {k: v.text(lang) if isinstance(v, RuleError) else v
                  for k, v in self.params.items()}
        return i18n.t(self.code, lang, **params)


@dataclass(frozen=True)
class Rule:
    """One rule as people write it (the compiled form lives in the `rules` table)."""

    field: str
    kind: str
    pattern: str
    action: str
    value: str | None = None
    only_for: str | None = None  # event names, "|"-separated; None = every event
    rule_set: str | None = None  # the ready-made set it came from, if any

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Compiled:
    regex: str  # matches the whole value; its groups are the pattern's groups
    rewrite: str | None  # RE2 rewrite for the new value (\1 = first group)
    path: str | None  # JSON path of an attribute field, None for a base field
    only_regex: str | None


def normalise_field(field: str) -> str:
    f = (field or "").strip()
    low = f.lower()
    if low in BASE_FIELDS:
        return low
    return FIELD_ALIASES.get(low, f)


def _check_regex(pattern: str) -> None:
    if len(pattern) > MAX_PATTERN:
        raise RuleError("rules.err.too_long", limit=MAX_PATTERN)
    if _NESTED.search(pattern):
        raise RuleError("rules.err.nested", pattern=pattern)
    try:
        re.compile(pattern)
    except re.error as exc:
        raise RuleError("rules.err.bad_regex", pattern=pattern, error=str(exc)) from exc


def _wild(text: str, star: str) -> str:
    return "".join(star if ch == "*" else re.escape(ch) for ch in text)


def _groups(kind: str, pattern: str) -> int:
    if kind in ("wildcard", "url_path"):
        return pattern.count("*")
    if kind == "regex":
        return re.compile(pattern).groups
    return 0


def compile_rule(rule: Rule) -> Compiled:
    """Check one rule and compile it; raises RuleError with what to fix."""
    if rule.kind not in KINDS:
        raise RuleError("rules.err.kind", kind=rule.kind, kinds=", ".join(KINDS))
    if rule.action not in ACTIONS:
        raise RuleError("rules.err.action", action=rule.action, actions=", ".join(ACTIONS))
    if not normalise_field(rule.field):
        raise RuleError("rules.err.no_field")
    if not rule.pattern or len(rule.pattern) > MAX_PATTERN:
        raise RuleError("rules.err.too_long", limit=MAX_PATTERN)
    p = rule.pattern
    if rule.kind == "equals":
        body = re.escape(p)
    elif rule.kind == "one_of":
        values = [v.strip() for v in p.split(ONE_OF_SEP) if v.strip()]
        if not values:
            raise RuleError("rules.err.too_long", limit=MAX_PATTERN)
        body = "(?:" + "|".join(re.escape(v) for v in values) + ")"
    elif rule.kind == "wildcard":
        body = _wild(p, "(.*)")
    elif rule.kind == "url_path":
        if not p.startswith("/"):
            raise RuleError("rules.err.url_path", pattern=p)
        # The path of a full URL or of a bare path; `*` is one path segment; a trailing
        # slash, the query and the fragment are ignored.
        body = (r"(?:[a-zA-Z][a-zA-Z0-9+.\-]*://[^/?#]*)?" + _wild(p.rstrip("/") or "/",
                r"([^/?#]*)") + r"/?(?:[?#].*)?")
    else:
        _check_regex(p)
        # Unanchored like every regex tool: the rule matches when the pattern occurs anywhere;
        # wrapping it makes the rewrite replace the whole value, not only the matched part.
        body = ".*?(?:" + p + ").*"
    # Only a regex is case-sensitive (people write "Product page" and "product page" alike;
    # a regex says what it means, `(?i:...)` included).
    regex = ("(?s)^" if rule.kind == "regex" else "(?si)^") + body + "$"
    _check_regex(regex)
    rewrite = None
    if rule.action in TEXT_ACTIONS:
        value = (rule.value or "").strip()
        if not value:
            raise RuleError("rules.err.no_value", action=rule.action)
        if len(value) > MAX_VALUE:
            raise RuleError("rules.err.too_long", limit=MAX_VALUE)
        groups = _groups(rule.kind, p)
        for ref in _REWRITE_REF.findall(value):
            if int(ref) == 0 or int(ref) > groups:
                raise RuleError("rules.err.group", ref=ref, groups=groups)
        # A backslash that is not a group reference is a literal backslash for RE2.
        rewrite = re.sub(r"\\(?!\d)", r"\\\\", value)
    elif rule.action == "online":
        if (rule.value or "").strip().lower() not in ("online", "offline"):
            raise RuleError("rules.err.online", value=rule.value or "")
    field = normalise_field(rule.field)
    path = None
    if field not in BASE_FIELDS:
        path = '$."' + field.replace("\\", "\\\\").replace('"', '\\"') + '"'
    only = None
    if rule.only_for:
        names = [v.strip() for v in rule.only_for.split(ONE_OF_SEP) if v.strip()]
        if names:
            only = "(?s)^(?:" + "|".join(re.escape(v) for v in names) + ")$"
            _check_regex(only)
    return Compiled(regex, rewrite, path, only)


def new_value(rule: Rule, value: str) -> str | None:
    """What `rule` turns `value` into (None when it does not match): the Python twin of the
    SQL, for previews and tests on a handful of values."""
    c = compile_rule(rule)
    m = re.match(c.regex, value)
    if m is None:
        return None
    if c.rewrite is None:
        return rule.value
    return _REWRITE_REF.sub(lambda g: m.group(int(g.group(1))) or "", rule.value or "").strip()



def spark_rewrite(rewrite: str) -> str:
    """A stored RE2 rewrite (`\\1` = first group, `\\\\` = a backslash) in the syntax of
    Spark's `regexp_replace` (Java: `$1` = first group, `\\$` = a dollar sign, `\\\\` = a
    backslash). People write `\\1` in rules and the store keeps it: SQL sent to Spark must
    pass every rewrite parameter through this."""
    out = []
    i = 0
    while i < len(rewrite):
        ch = rewrite[i]
        nxt = rewrite[i + 1] if i + 1 < len(rewrite) else ""
        if ch == "\\" and nxt.isdigit():
            out.append("$" + nxt)
            i += 2
        elif ch == "\\" and nxt == "\\":
            out.append("\\\\")
            i += 2
        elif ch == "$":
            out.append("\\$")
            i += 1
        else:
            out.append(ch)
            i += 1
    return "".join(out)

# -- storage -----------------------------------------------------------------------------
COLUMNS = ("position", "field", "kind", "pattern", "action", "value", "only_for", "rule_set",
           "regex", "rewrite", "path", "only_regex")

MIGRATION = """
CREATE TABLE rules (
    position INTEGER PRIMARY KEY,
    field VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    pattern VARCHAR NOT NULL,
    action VARCHAR NOT NULL,
    value VARCHAR,
    only_for VARCHAR,
    rule_set VARCHAR,
    regex VARCHAR NOT NULL,
    rewrite VARCHAR,
    path VARCHAR,
    only_regex VARCHAR
);
ALTER TABLE events ADD COLUMN attributes VARCHAR;
"""

# Migration 5: the rule sets replaced by each change, newest last, so Undo can put one back
# (a JSON list of the rules as people write them; the compiled form is recomputed).
VERSIONS_MIGRATION = """
CREATE TABLE rule_versions (
    version INTEGER PRIMARY KEY,
    saved_at TIMESTAMP NOT NULL,
    rules VARCHAR NOT NULL
);
"""


def _check_re2(cur: duckdb.DuckDBPyConnection, compiled: Compiled, rule: Rule) -> None:
    # DuckDB's RE2 refuses some Python syntax (look-arounds, back-references): ask it.
    for rx in (compiled.regex, compiled.only_regex):
        if rx is None:
            continue
        try:
            cur.execute("SELECT regexp_matches('', ?)", [rx]).fetchall()
        except duckdb.Error as exc:
            raise RuleError("rules.err.bad_regex", pattern=rule.pattern,
                            error=str(exc).split(":", 1)[-1].strip()) from exc


def read_rules(cur: duckdb.DuckDBPyConnection) -> list[Rule]:
    """The stored rules in order."""
    rows = cur.execute(
        "SELECT field, kind, pattern, action, value, only_for, rule_set FROM rules "
        "ORDER BY position"
    ).fetchall()
    return [Rule(*r) for r in rows]


def journey_event_count(cur: duckdb.DuckDBPyConnection) -> int:
    """Events left in journeys once the rules have hidden theirs."""
    return int(cur.execute("SELECT count(*) FROM journey_events").fetchone()[0])


def compiled_rows(cur: duckdb.DuckDBPyConnection, rules: list[Rule]) -> list[list[Any]]:
    """The `rules` table's rows for `rules` (position from 1), every rule checked first: a
    bad one raises RuleError naming it ("Rule 3: ..."), and nothing is written anywhere."""
    if len(rules) > MAX_RULES:
        raise RuleError("rules.err.too_many", limit=MAX_RULES)
    rows = []
    model = {r[0] for r in cur.execute("SELECT stage FROM stages").fetchall()}
    for i, rule in enumerate(rules):
        rule = Rule(normalise_field(rule.field), *list(rule.to_dict().values())[1:])
        try:
            c = compile_rule(rule)
            _check_re2(cur, c, rule)
            stage = (rule.value or "").strip()
            if rule.action == "stage" and stage not in model and not _REWRITE_REF.search(stage):
                raise RuleError("rules.err.stage", stage=stage, stages=", ".join(sorted(model)))
        except RuleError as exc:
            raise RuleError("rules.err.in_rule", n=i + 1, error=exc) from exc
        rows.append([i + 1, rule.field, rule.kind, rule.pattern, rule.action,
                     (rule.value or "").strip() or None, rule.only_for or None, rule.rule_set,
                     c.regex, c.rewrite, c.path, c.only_regex])
    return rows


def write_rules(cur: duckdb.DuckDBPyConnection, rules: list[Rule], *,
                keep_version: bool = True) -> None:
    """Replace the stored rules with `rules`, inside the caller's transaction. Every rule is
    checked before anything is written, so a bad one changes nothing. With `keep_version`
    the rule set being replaced is kept in `rule_versions` first (what Undo goes back to);
    writing the same rules again keeps no version (nothing to undo)."""
    rows = compiled_rows(cur, rules)
    current = read_rules(cur)
    if keep_version and current != [Rule(*r[1:8]) for r in rows]:
        cur.execute(
            "INSERT INTO rule_versions (version, saved_at, rules) SELECT "
            "COALESCE(MAX(version), 0) + 1, now()::TIMESTAMP, ? FROM rule_versions",
            [json.dumps([r.to_dict() for r in current], ensure_ascii=False)],
        )
        # The oldest versions go beyond MAX_VERSIONS: undo is for the last changes.
        cur.execute(
            "DELETE FROM rule_versions WHERE version <= "
            "(SELECT MAX(version) FROM rule_versions) - ?", [MAX_VERSIONS]
        )
    cur.execute("DELETE FROM rules")
    if rows:
        cur.executemany(
            f"INSERT INTO rules ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})",
            rows,
        )


def versions(cur: duckdb.DuckDBPyConnection) -> int:
    """How many earlier rule sets Undo can go back to."""
    return int(cur.execute("SELECT count(*) FROM rule_versions").fetchone()[0])


def previous_rules(cur: duckdb.DuckDBPyConnection) -> list[Rule] | None:
    """The rule set in place before the last change (None when there is none kept)."""
    row = cur.execute(
        "SELECT rules FROM rule_versions ORDER BY version DESC LIMIT 1"
    ).fetchone()
    if row is None:
        return None
    return [Rule(**d) for d in json.loads(row[0])]


def undo(cur: duckdb.DuckDBPyConnection) -> list[Rule] | None:
    """Put back the previous rule set, inside the caller's transaction, and forget that
    version (Undo again goes one further back). None when there is nothing to undo."""
    previous = previous_rules(cur)
    if previous is None:
        return None
    write_rules(cur, previous, keep_version=False)
    cur.execute("DELETE FROM rule_versions WHERE version = (SELECT MAX(version) "
                "FROM rule_versions)")
    return previous


def matching_names(names: list[str], kind: str, pattern: str) -> list[str]:
    """The names among `names` that `pattern` matches the way a rule's condition would
    (equals / one_of / wildcard / regex / url_path): for bulk edits of touchpoint names.
    Raises RuleError for a bad pattern."""
    c = compile_rule(Rule("touchpoint", kind, pattern, "hide"))
    rx = re.compile(c.regex)
    # Names are short and refused patterns never get here (nested repeats are refused).
    return [n for n in names if isinstance(n, str) and rx.match(n)]


# -- the SQL applying them (read by db/derived.py) ----------------------------------------
def stored_rows(cur: duckdb.DuckDBPyConnection) -> list[list[Any]]:
    """The `rules` table's rows (compiled form included) in order, for `rule_ctes`."""
    return [list(r) for r in cur.execute(
        f"SELECT {', '.join(COLUMNS)} FROM rules ORDER BY position").fetchall()]


def unchecked_rows(rules: list[Rule]) -> list[list[Any]]:
    """Rows like `compiled_rows` without the store's checks (SQL shape tests, no cursor)."""
    out = []
    for i, rule in enumerate(rules):
        c = compile_rule(rule)
        out.append([i + 1, normalise_field(rule.field), rule.kind, rule.pattern, rule.action,
                    rule.value, rule.only_for, rule.rule_set, c.regex, c.rewrite, c.path,
                    c.only_regex])
    return out


def hits_ctes(p: str, source: str, actions: tuple[str, ...], rows: list[list[Any]],
               params: dict[str, Any], *, carry: bool = False,
               attr_cols: dict[str, str] | None = None) -> str:
    """CTEs ending in `{p}_pick` and `{p}_h`: per event of `source` (event_id, touchpoint,
    channel, device, stage, attributes) the first matching rule's result for each action of
    `actions` (`{p}_pick`: event_id, touchpoint, stage, channel, online, hidden; only events
    some rule decides), and every matching rule (`{p}_h`: event_id, position, action, out,
    k = 1 for the first match per action), among the rules `rows` (`compiled_rows` /
    `stored_rows`).

    Every rule's text reaches the SQL as a bound parameter (`$rN_regex`...), never as SQL
    text, and sits directly in its regexp call: DuckDB compiles a constant pattern once,
    whereas a pattern read from a column is compiled again for every row (~60 µs each,
    which made a rule set cost seconds on 50,000 events).

    A rule's result depends only on the event's touchpoint and the values of the fields the
    rules read, so everything is decided once per distinct tuple of those values (`{p}_t`:
    a few thousand tuples for a million events), and each event then finds its tuple's
    picks by one equality join (NULL-safe: a missing attribute is a value like any other):
    no per-event regex, no per-event ranking or grouping.

    `carry`: `{p}_ev` keeps every column of `source` besides the tuple, so a caller can join
    it to `{p}_tp` by the tuple (`tuple_join`) instead of joining `{p}_pick` by event id.
    `attr_cols` maps an attribute's JSON path to a column of `source` already holding its
    value (extracted once for all rules: a JSON parse per event is the costliest step)."""
    mine = [r for r in rows if r[4] in actions]
    if not mine:
        # No rule for these actions: empty results, without reading the events.
        none = "CAST(NULL AS VARCHAR)"
        return (f"{p}_pick AS (SELECT CAST(NULL AS BIGINT) AS event_id, {none} AS touchpoint, "
                f"{none} AS stage, {none} AS channel, CAST(NULL AS INTEGER) AS online, "
                f"CAST(NULL AS INTEGER) AS hidden FROM {source} WHERE 1 = 0),\n"
                f"{p}_h AS (SELECT CAST(NULL AS BIGINT) AS event_id, 0 AS position, "
                f"{none} AS action, {none} AS out, CAST(0 AS BIGINT) AS k "
                f"FROM {source} WHERE 1 = 0)")
    fields: dict[str, str | None] = {}
    for r in mine:
        fields.setdefault(r[1], r[10])
    cols, keys = [], ["tp"]
    for k, (field, path) in enumerate(fields.items()):
        if path is not None and attr_cols and path in attr_cols:
            val = f"e.{attr_cols[path]}"  # a column name made by rule_ctes, not user text
        elif path is not None:
            params[f"{p}_p{k}"] = path
            val = f"json_extract_string(e.attributes, CAST(${p}_p{k} AS VARCHAR))"
        elif field in BASE_FIELDS:
            val = f"e.{field}"  # a column name of the code's own list, not user text
        else:
            raise ValueError(f"A rule on {field!r} has no JSON path.")
        cols.append(f"CAST({val} AS VARCHAR) AS f{k}")
        keys.append(f"f{k}")
    col_of = {field: f"f{k}" for k, field in enumerate(fields)}
    ev = (f"SELECT {'e.*' if carry else 'e.event_id'}, e.touchpoint AS tp"
          f"{''.join(', ' + c for c in cols)} FROM {source} e")
    tuple_cols = ", ".join(keys)
    # One pass over the distinct tuples, crossed with the rule numbers: each rule's
    # condition sits in its own CASE branch with its own constant pattern.
    conds, outs, ids = [], [], []
    for r in mine:
        q = f"${p}_r{r[0]}_"
        key = f"{p}_r{r[0]}_"
        params[key + "rx"] = r[8]
        v = f"t.{col_of[r[1]]}"
        cond = f"regexp_matches({v}, {q}rx)"
        if r[11] is not None:
            params[key + "only"] = r[11]
            cond += f" AND regexp_matches(t.tp, {q}only)"
        if r[9] is None:
            params[key + "value"] = r[5]
            out = f"CAST({q}value AS VARCHAR)"
        else:
            params[key + "rw"] = r[9]
            out = f"TRIM(regexp_replace({v}, {q}rx, {q}rw))"
        pos = int(r[0])
        ids.append(f"SELECT {pos} AS position, '{r[4]}' AS action")
        conds.append(f"WHEN {pos} THEN {cond}")
        outs.append(f"WHEN {pos} THEN {out}")
    t_cols = ", ".join(f"t.{c}" for c in keys)
    if mine:
        m = (f"SELECT {t_cols}, r.position, r.action, "
             f"CASE r.position {' '.join(outs)} END AS out "
             f"FROM {p}_t t CROSS JOIN ({' UNION ALL '.join(ids)}) r "
             f"WHERE CASE r.position {' '.join(conds)} ELSE FALSE END")
    else:
        m = (f"SELECT {t_cols}, 0 AS position, CAST(NULL AS VARCHAR) AS action, "
             f"CAST(NULL AS VARCHAR) AS out FROM {p}_t t WHERE 1 = 0")
    same = " AND ".join(
        "ev.tp = x.tp" if c == "tp" else f"ev.{c} IS NOT DISTINCT FROM x.{c}" for c in keys)
    x_cols = ", ".join(f"x.{c}" for c in keys)
    return f"""{p}_ev AS ({ev}),
{p}_t AS (SELECT DISTINCT {tuple_cols} FROM {p}_ev),
{p}_m AS (SELECT {tuple_cols}, position, action, out FROM ({m}) mm
    WHERE out IS NULL OR out <> ''),
{p}_mk AS (SELECT {tuple_cols}, position, action, out, ROW_NUMBER() OVER (
        PARTITION BY {tuple_cols}, action ORDER BY position) AS k FROM {p}_m),
{p}_tp AS (SELECT {x_cols},
        MAX(CASE WHEN x.action = 'touchpoint' THEN x.out END) AS touchpoint,
        MAX(CASE WHEN x.action = 'stage' THEN x.out END) AS stage,
        MAX(CASE WHEN x.action = 'channel' THEN x.out END) AS channel,
        MAX(CASE WHEN x.action = 'online' THEN
            CASE WHEN LOWER(x.out) = 'online' THEN 1 ELSE 0 END END) AS online,
        MAX(CASE WHEN x.action = 'hide' THEN 1 END) AS hidden
    FROM {p}_mk x WHERE x.k = 1 GROUP BY {x_cols}),
{p}_pick AS (SELECT ev.event_id, x.touchpoint, x.stage, x.channel, x.online, x.hidden
    FROM {p}_ev ev JOIN {p}_tp x ON {same}),
{p}_h AS (SELECT ev.event_id, x.position, x.action, x.out, x.k
    FROM {p}_ev ev JOIN {p}_mk x ON {same})"""


def tuple_join(rows: list[list[Any]], actions: tuple[str, ...], ev: str, x: str) -> str:
    """The ON condition joining `hits_ctes(..., carry=True)`'s `{p}_ev` (alias `ev`) to its
    `{p}_tp` (alias `x`): same touchpoint and same value of every field the rules read
    (NULL-safe). '1 = 0' when no rule has one of `actions`."""
    fields: dict[str, None] = {}
    for r in rows:
        if r[4] in actions:
            fields.setdefault(r[1], None)
    if not fields:
        return "1 = 0"
    return " AND ".join([f"{ev}.tp = {x}.tp"] + [
        f"{ev}.f{k} IS NOT DISTINCT FROM {x}.f{k}" for k in range(len(fields))])


def rule_ctes(events: str, rows: list[list[Any]], params: dict[str, Any]) -> str:
    """CTE definitions (without WITH) ending in `ru_ev`: the events of `events` (a relation
    with the events table's columns) that no rule hides, with touchpoint, stage, channel and
    online after the rules and the touchpoint map. `rows` are the rules (`stored_rows` for
    the applied ones, `compiled_rows` for a preview); their text goes into `params`.
    `ru1_h` / `ru2_h` list every rule's hits (hits_ctes), for the preview.

    Precedence per field: a rule, then (stage, channel, online) the touchpoint map's row of
    the renamed touchpoint; the stage then falls back to the file's stage, the channel is the
    event's own before the map's (as without rules).

    Each attribute a rule reads is extracted from the JSON once per event (`ru_aN`), and the
    events meet their decided tuple (`ru1_tp`, a few hundred rows) by one join on the tuple's
    values, not by event id: no hash table over every event id (measured at 1M events: the
    two event-id joins and the repeated JSON parsing cost more than the rules themselves)."""
    paths: list[str] = []
    for r in rows:
        if r[10] is not None and r[10] not in paths:
            paths.append(r[10])
    attr = {path: f"ru_a{i}" for i, path in enumerate(paths)}
    extracted = "".join(
        f", CAST(json_extract_string(e.attributes, CAST($ru_p{i} AS VARCHAR)) AS VARCHAR) "
        f"AS ru_a{i}" for i in range(len(paths)))
    for i, path in enumerate(paths):
        params[f"ru_p{i}"] = path
    carried = "".join(f", e.ru_a{i}" for i in range(len(paths)))
    tp_on = tuple_join(rows, ("touchpoint",), "e", "p")
    other_on = tuple_join(rows, PHASE2_ACTIONS, "e", "p")
    # Without a rule for a phase its pick columns are plain NULLs: no join at all.
    e1_from = ("ru1_ev e LEFT JOIN ru1_tp p ON " + tp_on) if tp_on != "1 = 0" else (
        "ru_e0 e LEFT JOIN (SELECT CAST(NULL AS VARCHAR) AS touchpoint) p ON 1 = 0")
    ev_from = ("ru2_ev e LEFT JOIN ru2_tp p ON " + other_on) if other_on != "1 = 0" else (
        "ru_e1 e LEFT JOIN (SELECT CAST(NULL AS VARCHAR) AS stage, "
        "CAST(NULL AS VARCHAR) AS channel, CAST(NULL AS INTEGER) AS online, "
        "CAST(NULL AS INTEGER) AS hidden) p ON 1 = 0")
    return f"""ru_e0 AS (SELECT e.*{extracted} FROM {events} e),
{hits_ctes("ru1", "ru_e0", ("touchpoint",), rows, params, carry=True, attr_cols=attr)},
ru_e1 AS (SELECT e.event_id, e.customer_id, e.ts, COALESCE(p.touchpoint, e.touchpoint)
        AS touchpoint, COALESCE(t.stage, e.stage) AS stage, COALESCE(e.channel, t.channel)
        AS channel, t.online, e.device, e.revenue, e.import_id, e.attributes{carried}
    FROM {e1_from}
    LEFT JOIN touchpoints t ON t.touchpoint = COALESCE(p.touchpoint, e.touchpoint)),
{hits_ctes("ru2", "ru_e1", PHASE2_ACTIONS, rows, params, carry=True, attr_cols=attr)},
ru_ev AS (SELECT e.event_id, e.customer_id, e.ts, e.touchpoint,
        COALESCE(p.stage, e.stage) AS stage, COALESCE(p.channel, e.channel) AS channel,
        CASE WHEN p.online IS NULL THEN e.online ELSE p.online = 1 END AS online,
        e.device, e.revenue, e.import_id
    FROM {ev_from}
    WHERE p.hidden IS NULL)"""


# -- which events a rule change can affect (read by db/derived.py) -------------------------
# What makes two rules the same for the events: field, condition, action and new value
# (columns of `stored_rows`: field, action, value, regex, rewrite, path, only_regex). The
# pattern as written and the ready-made set's name change no event.
def _rule_key(row: list[Any]) -> tuple[Any, ...]:
    return (row[1], row[4], row[5], row[8], row[9], row[10], row[11])


def _unmatched(a: list[tuple[Any, ...]], b: list[tuple[Any, ...]]) -> tuple[set[int], set[int]]:
    """Indexes of `a` and of `b` outside one longest common subsequence of the two."""
    n, m = len(a), len(b)
    best = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            best[i][j] = (best[i + 1][j + 1] + 1 if a[i] == b[j]
                          else max(best[i + 1][j], best[i][j + 1]))
    kept_a, kept_b, i, j = set(), set(), 0, 0
    while i < n and j < m:
        if a[i] == b[j]:
            kept_a.add(i)
            kept_b.add(j)
            i, j = i + 1, j + 1
        elif best[i + 1][j] >= best[i][j + 1]:
            i += 1
        else:
            j += 1
    return set(range(n)) - kept_a, set(range(m)) - kept_b


def changed_tails(old: list[list[Any]], new: list[list[Any]],
                  actions: tuple[str, ...]) -> list[list[Any]]:
    """The rules (old and new) whose condition decides which events a change from `old` to
    `new` can affect, for the targets `actions`.

    Per target the first matching rule wins. Take, per target, a longest common subsequence
    of the two lists (the rules kept, in the same order); the others are the rules added,
    removed, edited or moved. An event that none of those matches is matched, in both
    lists, by the same kept rules in the same order, so its first match (and its result
    for that target, given the same input values) is the same: only events some changed
    rule matches, under either list, can change. (Moving a rule makes it a changed one;
    the rules it jumped over stay kept.) Positions are renumbered (unique) so that the
    rows can be bound together."""
    out: list[list[Any]] = []
    for action in actions:
        a = [r for r in old if r[4] == action]
        b = [r for r in new if r[4] == action]
        gone, added = _unmatched([_rule_key(r) for r in a], [_rule_key(r) for r in b])
        out += [a[i] for i in sorted(gone)] + [b[j] for j in sorted(added)]
    return [[k + 1, *r[1:]] for k, r in enumerate(out)]


PHASE2_ACTIONS = ("stage", "channel", "online", "hide")


def changed_events_ctes(events: str, old: list[list[Any]], new: list[list[Any]],
                        params: dict[str, Any]) -> str | None:
    """CTE definitions (without WITH) ending in `rc_ev(event_id)`: the events of `events`
    whose journey values may differ between the rule lists `old` and `new` (a superset:
    events some changed rule matches under either list). None when no event can change.

    Touchpoint rules see the imported values, so the changed touchpoint rules are matched
    on those. The other rules see the touchpoint as renamed and the map's row of it: an
    event whose renaming does not change has the same inputs under both lists, so their
    changed rules are matched on the inputs the new list gives (`rc_e1`, as `ru_e1`); an
    event whose renaming changes is already in."""
    tp = changed_tails(old, new, ("touchpoint",))
    other = changed_tails(old, new, PHASE2_ACTIONS)
    if not tp and not other:
        return None
    ctes = [f"rc_e0 AS (SELECT * FROM {events})"]
    picks = []
    if tp:
        ctes.append(hits_ctes("rc1", "rc_e0", ("touchpoint",), tp, params))
        picks.append("SELECT event_id FROM rc1_h")
    if other:
        new_tp = [r for r in new if r[4] == "touchpoint"]
        ctes.append(hits_ctes("rcn", "rc_e0", ("touchpoint",), new_tp, params))
        ctes.append(
            "rc_e1 AS (SELECT e.event_id, COALESCE(p.touchpoint, e.touchpoint) AS touchpoint, "
            "COALESCE(t.stage, e.stage) AS stage, COALESCE(e.channel, t.channel) AS channel, "
            "e.device, e.attributes FROM rc_e0 e LEFT JOIN rcn_pick p ON p.event_id = "
            "e.event_id LEFT JOIN touchpoints t ON t.touchpoint = "
            "COALESCE(p.touchpoint, e.touchpoint))"
        )
        ctes.append(hits_ctes("rc2", "rc_e1", PHASE2_ACTIONS, other, params))
        picks.append("SELECT event_id FROM rc2_h")
    ctes.append(f"rc_ev AS ({' UNION '.join(picks)})")
    return ",\n".join(ctes)
