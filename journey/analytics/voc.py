"""Voice of the customer figures: the verbatims with their language and sentiment.

The scores themselves are computed by `journey.voc.sentiment` when answers are imported and
stored on each answer; here they are only read, under the same filters as every figure
(`scope.responses_sql`), so a verbatim's stage and touchpoint are the NPS page's.
"""

from __future__ import annotations

import pandas as pd

from journey.analytics import scope
from journey.analytics.filters import Filters
from journey.db.engine import Engine, EngineLike
from journey.voc.sentiment import LABELS, LANGUAGES

__all__ = ["LABELS", "LANGUAGES", "VERBATIM_COLUMNS", "verbatims"]

VERBATIM_COLUMNS = [
    "id", "customer", "stage", "touchpoint", "nps", "comment", "language", "sentiment",
    "label", "theme",
]


def verbatims(
    source: EngineLike,
    filters: Filters,
    *,
    label: str | None = None,
    language: str | None = None,
    search: str | None = None,
    limit: int | None = 200,
) -> pd.DataFrame:
    """Comments in scope with their sentiment: [id, customer, stage, touchpoint, nps, comment,
    language, sentiment, label, theme], newest first (then by id).

    label: negative | neutral | positive; language: fr | en; search: a case-insensitive
    substring (bound as a parameter, matched with strpos: `%` and quotes are plain text).
    theme is the comment's primary theme (its label; null: none). sentiment is in [-1, 1],
    null for an answer imported before sentiment was scored (re-import or `python -m
    journey rescore`).
    """
    if label is not None and label not in LABELS:
        raise ValueError(f"Unknown sentiment label {label!r}: pick {', '.join(LABELS)}.")
    if language is not None and language not in LANGUAGES:
        raise ValueError(f"Unknown language {language!r}: pick {', '.join(LANGUAGES)}.")
    sql, params = scope.responses_sql(filters)
    conds = ["fr.comment IS NOT NULL", "trim(fr.comment) <> ''"]
    if label:
        params["v_label"] = label
        conds.append("r.sentiment_label = $v_label")
    if language:
        params["v_language"] = language
        conds.append("r.language = $v_language")
    if search:
        params["v_search"] = search
        conds.append("strpos(lower(fr.comment), lower($v_search)) > 0")
    tail = ""
    if limit is not None:
        params["v_limit"] = max(int(limit), 0)
        tail = " LIMIT $v_limit"
    q = (
        f"WITH fr AS ({sql}) "
        "SELECT fr.response_id AS id, fr.customer_id AS customer, fr.stage, fr.touchpoint, "
        "fr.nps, fr.comment, r.language, r.sentiment, r.sentiment_label AS label, "
        "COALESCE(t.user_label, t.label) AS theme "
        "FROM fr JOIN responses r ON r.response_id = fr.response_id "
        "LEFT JOIN themes t ON t.theme_id = r.theme_id "
        f"WHERE {' AND '.join(conds)} "
        "ORDER BY CASE WHEN fr.ts IS NULL THEN 1 ELSE 0 END, fr.ts DESC, fr.response_id"
        f"{tail}"
    )
    df = Engine.of(source).df(q, params, purpose="voc.verbatims")
    if df.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in VERBATIM_COLUMNS})
    return df[VERBATIM_COLUMNS]

