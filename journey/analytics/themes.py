"""Themes of the verbatims in scope: size, share, NPS with its margin, examples; and per stage.

The themes themselves are found by `journey.voc.themes` at import and stored with each
answer; here they are read under the same filters as every figure (`scope.responses_sql`),
so a theme's stage is its answer's stage on the NPS page.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from journey.analytics import scope
from journey.analytics.filters import Filters
from journey.analytics.stats import is_small, nps_margin
from journey.db.engine import Engine, EngineLike

THEME_COLUMNS = ["id", "label", "auto_label", "pinned", "size", "share", "nps", "nps_n",
                 "margin", "small_sample", "examples"]
STAGE_COLUMNS = ["id", "label", "stage", "comments", "size", "share", "nps", "nps_n", "margin"]
# The themes a user can still see and edit: not merged away, found by the last recompute or
# pinned.
_LISTED = "t.merged_into IS NULL AND (t.active OR t.pinned)"


def _comments_sql(filters: Filters) -> tuple[str, dict]:
    """`WITH c AS (...)`: commented answers in scope with stage, nps, theme and its weight."""
    sql, params = scope.responses_sql(filters)
    return (
        f"WITH fr AS ({sql}), c AS (SELECT fr.response_id, fr.stage, fr.nps, fr.comment, "
        "r.theme_id, r.theme_weight FROM fr JOIN responses r ON r.response_id = fr.response_id "
        "WHERE fr.comment IS NOT NULL AND trim(fr.comment) <> '') ",
        params,
    )


_COUNTS = (
    "COUNT(c.response_id) AS size, "
    "SUM(CASE WHEN c.nps BETWEEN 0 AND 10 THEN 1 ELSE 0 END) AS nps_n, "
    "SUM(CASE WHEN c.nps BETWEEN 9 AND 10 THEN 1 ELSE 0 END) AS promoters, "
    "SUM(CASE WHEN c.nps BETWEEN 0 AND 6 THEN 1 ELSE 0 END) AS detractors"
)


def _nps(df: pd.DataFrame) -> None:
    """nps and margin (points) from nps_n, promoters, detractors; NaN without answers."""
    n = df["nps_n"].astype("int64")
    df["nps"] = ((df["promoters"] - df["detractors"]) / n.where(n > 0) * 100.0).astype(float)
    df["margin"] = [nps_margin(int(k), int(p), int(d)) if k else float("nan")
                    for k, p, d in zip(n, df["promoters"], df["detractors"], strict=True)]


def themes(source: EngineLike, filters: Filters, *, examples: int = 3) -> pd.DataFrame:
    """Every listed theme, biggest first: [id, label (the user's, else the automatic one),
    auto_label, pinned, size (comments in scope), share (of the comments in scope, 0-1), nps,
    nps_n, margin (points), small_sample, examples (the `examples` comments that belong
    most to it)]. Pinned themes without comments in scope are listed with size 0."""
    eng = Engine.of(source)
    head, params = _comments_sql(filters)
    df = eng.df(
        head + "SELECT t.theme_id AS id, COALESCE(t.user_label, t.label) AS label, "
        f"t.label AS auto_label, t.pinned, {_COUNTS}, "
        "(SELECT COUNT(*) FROM c) AS comments "
        f"FROM themes t LEFT JOIN c ON c.theme_id = t.theme_id WHERE {_LISTED} "
        "GROUP BY t.theme_id, t.user_label, t.label, t.pinned "
        "HAVING COUNT(c.response_id) > 0 OR t.pinned "
        "ORDER BY size DESC, t.theme_id", params, purpose="themes.list")
    if df.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in THEME_COLUMNS})
    params["ex_limit"] = max(int(examples), 0)
    if params["ex_limit"] == 0:
        # No examples asked for (the NPS page's pickers and empty check): no second pass
        # ranking every comment of every theme.
        return _listing(df, {})
    ex = eng.df(
        head + "SELECT theme_id, comment FROM (SELECT c.theme_id, c.comment, ROW_NUMBER() "
        "OVER (PARTITION BY c.theme_id ORDER BY c.theme_weight DESC, c.response_id) AS k "
        "FROM c WHERE c.theme_id IS NOT NULL) x WHERE k <= $ex_limit ORDER BY theme_id, k",
        params, purpose="themes.examples")
    by_theme = ex.groupby("theme_id")["comment"].apply(list).to_dict() if not ex.empty else {}
    return _listing(df, by_theme)


def _listing(df: pd.DataFrame, by_theme: dict[Any, list[str]]) -> pd.DataFrame:
    """`themes`' frame from its counts and each theme's examples."""
    comments = df["comments"].astype("int64")
    df["share"] = (df["size"] / comments.where(comments > 0)).fillna(0.0).astype(float)
    _nps(df)
    df["small_sample"] = [is_small(int(n)) for n in df["nps_n"]]
    df["examples"] = [by_theme.get(i, []) for i in df["id"]]
    df["size"] = df["size"].astype("int64")
    df["nps_n"] = df["nps_n"].astype("int64")
    return df[THEME_COLUMNS]


def by_stage(source: EngineLike, filters: Filters) -> pd.DataFrame:
    """Each listed theme × each stage with comments in scope: [id, label, stage (None: no
    stage), comments (commented answers at that stage), size, share (size / comments, 0-1),
    nps, nps_n, margin]. The heatmap of themes by stage."""
    head, params = _comments_sql(filters)
    df = Engine.of(source).df(
        head + ", s AS (SELECT stage, COUNT(*) AS comments FROM c GROUP BY stage) "
        "SELECT t.theme_id AS id, COALESCE(t.user_label, t.label) AS label, c.stage, "
        f"MIN(s.comments) AS comments, {_COUNTS} "
        "FROM c JOIN themes t ON t.theme_id = c.theme_id "
        "JOIN s ON (s.stage = c.stage OR (s.stage IS NULL AND c.stage IS NULL)) "
        f"WHERE {_LISTED} GROUP BY t.theme_id, t.user_label, t.label, c.stage "
        "ORDER BY t.theme_id, CASE WHEN c.stage IS NULL THEN 1 ELSE 0 END, c.stage",
        params, purpose="themes.by_stage")
    if df.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in STAGE_COLUMNS})
    df["share"] = (df["size"] / df["comments"]).astype(float)
    _nps(df)
    for col in ("comments", "size", "nps_n"):
        df[col] = df[col].astype("int64")
    return df[STAGE_COLUMNS]
