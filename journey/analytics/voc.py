"""Voice of the customer figures: the verbatims with their language and sentiment.

The scores themselves are computed by `journey.voc.sentiment` when answers are imported and
stored on each answer; here they are only read, under the same filters as every figure
(`scope.responses_sql`), so a verbatim's stage and touchpoint are the NPS page's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from journey.analytics import scope, voc_journeys
from journey.analytics.filters import Filters
from journey.analytics.scope import DEFAULT_FLOW, FlowOptions
from journey.db.engine import Engine, EngineLike
from journey.voc.sentiment import LABELS, LANGUAGES

__all__ = ["GROUPS", "LABELS", "LANGUAGES", "VERBATIM_COLUMNS", "has_themes", "themes_available",
           "verbatims"]

VERBATIM_COLUMNS = [
    "id", "customer", "ts", "persona", "stage", "touchpoint", "nps", "group", "comment",
    "language", "sentiment", "label", "theme",
]
# What `query verbatims --json` prints (the list).
CLI_COLUMNS = [
    "id", "customer", "stage", "touchpoint", "nps", "comment", "language", "sentiment",
    "label", "theme",
]
# A comment's primary theme, by the name users see (their rename first).
THEME_LABEL = "COALESCE(t.user_label, t.label)"
THEME_JOIN = "LEFT JOIN themes t ON t.theme_id = r.theme_id"
# Score groups of an answer's NPS.
GROUPS: dict[str, str] = {
    "promoter": "fr.nps BETWEEN 9 AND 10",
    "passive": "fr.nps BETWEEN 7 AND 8",
    "detractor": "fr.nps BETWEEN 0 AND 6",
}


def has_themes(source: EngineLike) -> bool:
    """Whether the store has found themes in its verbatims (`journey.voc.themes`): until it
    has, every theme is null and no theme filter is offered."""
    row = Engine.of(source).one("SELECT COUNT(*) FROM themes", purpose="voc.has_themes")
    return bool(row and row[0])


def themes_available(source: EngineLike, filters: Filters) -> bool:
    """`has_themes`, in the (source, filters) shape the pages' cached queries take."""
    return has_themes(source)


def _matching(
    engine: Engine, filters: Filters, *, search: str | None, group: str | None,
    label: str | None, language: str | None, theme: str | None,
    path: Sequence[str] | None, options: FlowOptions,
) -> tuple[str, dict[str, Any], list[str]]:
    """The answers in scope (`fr`: scope.responses_sql), the params and the conditions that
    pick the verbatims `verbatims` lists (joined with responses `r` and THEME_JOIN)."""
    if group is not None and group not in GROUPS:
        raise ValueError(f"Unknown group {group!r}: pick {', '.join(GROUPS)}.")
    if label is not None and label not in LABELS:
        raise ValueError(f"Unknown sentiment label {label!r}: pick {', '.join(LABELS)}.")
    if language is not None and language not in LANGUAGES:
        raise ValueError(f"Unknown language {language!r}: pick {', '.join(LANGUAGES)}.")
    themes = has_themes(engine)
    if theme is not None and not themes:
        raise ValueError("This store has no themes yet: no theme filter.")
    sql, params = scope.responses_sql(filters)
    conds = ["fr.comment IS NOT NULL", "trim(fr.comment) <> ''"]
    if group:
        conds.append(GROUPS[group])
    if label:
        params["v_label"] = label
        conds.append("r.sentiment_label = $v_label")
    if language:
        params["v_language"] = language
        conds.append("r.language = $v_language")
    if search:
        params["v_search"] = search
        conds.append("strpos(lower(fr.comment), lower($v_search)) > 0")
    if theme is not None:
        params["v_theme"] = theme
        conds.append(f"{THEME_LABEL} = $v_theme")
    if path is not None:
        members = voc_journeys.variant_members_sql(filters, list(path), params, options)
        conds.append(f"fr.customer_id IN ({members})")
    return sql, params, conds


def verbatims(
    source: EngineLike,
    filters: Filters,
    *,
    search: str | None = None,
    group: str | None = None,
    label: str | None = None,
    language: str | None = None,
    theme: str | None = None,
    path: Sequence[str] | None = None,
    options: FlowOptions = DEFAULT_FLOW,
    limit: int | None = 200,
    offset: int = 0,
    count_only: bool = False,
) -> Any:
    """The one list of verbatims (the NPS page, its explorer, the CLI, the drill-downs):
    comments in scope with their sentiment, newest first (then by id): `VERBATIM_COLUMNS`.

    group: promoter | passive | detractor (the NPS score group; `group` column, None without
    an NPS); label: negative | neutral | positive; language: fr | en; search: a
    case-insensitive substring (bound, matched with strpos: `%` and quotes are plain text);
    theme: only when `has_themes`; path: only the customers whose journey is this variant
    (`voc_journeys`). sentiment is in [-1, 1], null for an answer imported before sentiment
    was scored (`python -m journey rescore`). limit/offset page through the list;
    count_only: how many there are (an int), for the pages.
    """
    engine = Engine.of(source)
    sql, params, conds = _matching(engine, filters, search=search, group=group, label=label,
                                   language=language, theme=theme, path=path, options=options)
    if count_only:
        q = (f"WITH fr AS ({sql}) SELECT COUNT(*) FROM fr JOIN responses r "
             f"ON r.response_id = fr.response_id {THEME_JOIN} WHERE {' AND '.join(conds)}")
        row = engine.one(q, params, purpose="voc.count_verbatims")
        return int(row[0]) if row else 0
    tail = ""
    if limit is not None:
        params["v_limit"] = max(int(limit), 0)
        params["v_offset"] = max(int(offset), 0)
        tail = " LIMIT $v_limit OFFSET $v_offset"
    groups = " ".join(f"WHEN {cond} THEN '{name}'" for name, cond in GROUPS.items())
    q = (
        f"WITH fr AS ({sql}) "
        "SELECT fr.response_id AS id, fr.customer_id AS customer, fr.ts, fr.persona, "
        f"fr.stage, fr.touchpoint, fr.nps, CASE {groups} END AS nps_group, fr.comment, "
        "r.language, r.sentiment, r.sentiment_label AS label, "
        f"{THEME_LABEL} AS theme "
        "FROM fr JOIN responses r ON r.response_id = fr.response_id "
        f"{THEME_JOIN} "
        f"WHERE {' AND '.join(conds)} "
        "ORDER BY CASE WHEN fr.ts IS NULL THEN 1 ELSE 0 END, fr.ts DESC, fr.response_id"
        f"{tail}"
    )
    df = engine.df(q, params, purpose="voc.verbatims").rename(columns={"nps_group": "group"})
    if df.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in VERBATIM_COLUMNS})
    return df[VERBATIM_COLUMNS].reset_index(drop=True)


def count_verbatims(source: EngineLike, filters: Filters, **kw: Any) -> int:
    """How many verbatims `verbatims` would list without a limit (the explorer's pages)."""
    kw.pop("limit", None)
    kw.pop("offset", None)
    return int(verbatims(source, filters, count_only=True, **kw))


GRAINS = ("week", "month")
TREND_COLUMNS = ["period", "n", "negative", "neutral", "positive", "negative_share",
                 "neutral_share", "positive_share", "mean", "margin"]


def sentiment_trend(source: EngineLike, filters: Filters, grain: str = "month") -> pd.DataFrame:
    """Sentiment of the scored comments in scope per week (Monday) or month, oldest first:
    [period (a timestamp: the period's first day), n, negative, neutral, positive, their
    shares of n, mean (score in [-1, 1]), margin (1.96 standard errors of the mean; None
    under 2 comments)]. Answers without a date are left out (they have no period)."""
    if grain not in GRAINS:
        raise ValueError(f"Unknown period {grain!r}: pick {', '.join(GRAINS)}.")
    sql, params = scope.responses_sql(filters)
    counts = ", ".join(
        f"SUM(CASE WHEN r.sentiment_label = '{lab}' THEN 1 ELSE 0 END) AS {lab}"
        for lab in LABELS)
    # `grain` is one of ours (checked above), never user text.
    q = (
        f"WITH fr AS ({sql}) SELECT * FROM (SELECT DATE_TRUNC('{grain}', fr.ts) AS period, "
        f"COUNT(*) AS n, {counts}, AVG(r.sentiment) AS mean, STDDEV_SAMP(r.sentiment) AS sd "
        "FROM fr JOIN responses r ON r.response_id = fr.response_id "
        "WHERE r.sentiment IS NOT NULL AND fr.ts IS NOT NULL "
        f"GROUP BY DATE_TRUNC('{grain}', fr.ts)) t ORDER BY period"
    )
    df = Engine.of(source).df(q, params, purpose="voc.sentiment_trend")
    if df.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in TREND_COLUMNS})
    n = df["n"].astype("int64")
    df["n"] = n
    for lab in LABELS:
        df[lab] = df[lab].astype("int64")
        df[f"{lab}_share"] = df[lab] / n
    df["margin"] = [1.96 * float(sd) / float(k) ** 0.5 if k >= 2 and pd.notna(sd) else None
                    for sd, k in zip(df["sd"], n, strict=True)]
    return df[TREND_COLUMNS].reset_index(drop=True)


WRITERS_COLUMNS = ["rank", "path", "key", "customers", "share"]


def writers_journeys(
    source: EngineLike, filters: Filters, *, top: int = 10,
    options: FlowOptions = DEFAULT_FLOW, **kw: Any,
) -> pd.DataFrame:
    """Which journeys the customers behind some verbatims took: the `top` path variants
    (the key of `variants.variants`) of the customers who wrote the verbatims `verbatims`
    would list with the same filters (`kw`: search, group, label, language, theme, path),
    most customers first (then key): `WRITERS_COLUMNS`; share = of those customers with a
    journey in scope. With theme=T and group="detractor": the journeys of T's detractors."""
    top = int(top)
    if top < 1:
        raise ValueError(f"top must be at least 1 (got {top}).")
    engine = Engine.of(source)
    sql, params, conds = _matching(
        engine, filters, options=options, **{k: kw.get(k) for k in (
            "search", "group", "label", "language", "theme", "path")})
    with_sql, jparams = voc_journeys.journeys_cte(filters, options)
    params.update(jparams)
    params["v_top"] = top
    q = (
        f"{with_sql},\n"
        f"fr AS ({sql}),\n"
        "w AS (SELECT DISTINCT fr.customer_id FROM fr JOIN responses r "
        f"ON r.response_id = fr.response_id {THEME_JOIN} WHERE {' AND '.join(conds)}),\n"
        "wj AS (SELECT vj.vkey, COUNT(*) AS customers FROM vj "
        "JOIN w ON w.customer_id = vj.customer_id GROUP BY vj.vkey),\n"
        "wr AS (SELECT vkey, customers, SUM(customers) OVER () AS total, "
        "ROW_NUMBER() OVER (ORDER BY customers DESC, vkey) AS rk FROM wj)\n"
        "SELECT rk, vkey, customers, total FROM wr WHERE rk <= $v_top ORDER BY rk"
    )
    df = engine.df(q, params, purpose="voc.writers_journeys")
    rows = [{"rank": int(r["rk"]), "path": voc_journeys.decode_key(str(r["vkey"])),
             "key": str(r["vkey"]), "customers": int(r["customers"]),
             "share": int(r["customers"]) / int(r["total"])} for r in df.to_dict("records")]
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in WRITERS_COLUMNS})
    return pd.DataFrame(rows, columns=WRITERS_COLUMNS)
