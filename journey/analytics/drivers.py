"""Drivers: how much NPS each theme costs (or earns), overall and per stage or touchpoint.

For a theme and a group of answers (all answers in scope, or one stage, or one touchpoint):
the NPS of the answers whose comment has that theme against the NPS of the group's other
answers (with or without a comment), the difference (theme − others) with its 95% margin
from `stats.nps_difference`, and its **impact** = share × difference, in NPS points: what the
group's NPS would gain if those answers scored like the others. A difference whose interval
crosses 0 is flagged as noise. Rows are ranked by impact, the costliest first.
"""

from __future__ import annotations

import pandas as pd

from journey.analytics import scope
from journey.analytics.filters import Filters
from journey.analytics.stats import is_small, nps_difference
from journey.db.engine import Engine, EngineLike

BY = ("stage", "touchpoint")
COLUMNS = ["scope", "group", "id", "label", "n", "group_n", "share", "nps", "nps_others",
           "gap", "centre", "margin", "noise", "small_sample", "impact"]

_COUNTS = (
    "COUNT(*) AS n, SUM(CASE WHEN fr.nps >= 9 THEN 1 ELSE 0 END) AS p, "
    "SUM(CASE WHEN fr.nps <= 6 THEN 1 ELSE 0 END) AS d"
)


def drivers(source: EngineLike, filters: Filters, *, by: str = "stage",
            min_n: int = 1) -> pd.DataFrame:
    """Theme drivers: [scope ("all" or `by`), group (the stage or touchpoint; None for "all"
    and for answers without one), id, label, n (the theme's answers with an NPS), group_n,
    share (n / group_n, 0-1), nps, nps_others, gap (nps − nps_others), centre and margin (the
    adjusted difference and its 95% margin), noise (the interval holds 0), small_sample,
    impact (share × gap, points)], the "all" rows first, each scope by impact, costliest
    first. Themes with fewer than `min_n` answers in a group are left out of it."""
    if by not in BY:
        raise ValueError(f"Drivers are per {' or '.join(BY)}, not {by!r}.")
    sql, params = scope.responses_sql(filters)
    eng = Engine.of(source)
    # One pass: counts per (group, theme) with the theme's listed id (merges followed at
    # write time) and per group; "all" is the sum over groups.
    df = eng.df(
        f"WITH fr AS ({sql}) SELECT fr.{by} AS grp, t.theme_id AS id, "
        f"COALESCE(t.user_label, t.label) AS label, {_COUNTS} "
        "FROM fr JOIN responses r ON r.response_id = fr.response_id "
        "LEFT JOIN themes t ON t.theme_id = r.theme_id AND t.merged_into IS NULL "
        "WHERE fr.nps BETWEEN 0 AND 10 "
        "GROUP BY fr." + by + ", t.theme_id, t.user_label, t.label",
        params, purpose="drivers.counts")
    if df.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in COLUMNS})
    for col in ("n", "p", "d"):
        df[col] = df[col].astype("int64")
    rows: list[dict] = []
    everything = df.groupby("id", dropna=False)[["n", "p", "d"]].sum().reset_index()
    everything = everything.merge(df[["id", "label"]].drop_duplicates("id"), on="id")
    everything["grp"] = None
    rows += _rows(everything, "all", min_n)
    rows += _rows(df, by, min_n)
    out = pd.DataFrame(rows, columns=COLUMNS)
    if out.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in COLUMNS})
    out["_all"] = (out["scope"] != "all").astype(int)
    out["_grp"] = out["group"].fillna("\uffff")
    out = out.sort_values(["_all", "_grp", "impact", "id"], kind="stable")
    return out[COLUMNS].reset_index(drop=True)


def _rows(df: pd.DataFrame, scope_name: str, min_n: int) -> list[dict]:
    out: list[dict] = []
    groups = df["grp"].astype(object).where(df["grp"].notna(), None)
    for grp in dict.fromkeys(groups.tolist()):
        part = df[groups.map(lambda g, grp=grp: g == grp)]
        total = (int(part["n"].sum()), int(part["p"].sum()), int(part["d"].sum()))
        for r in part[part["id"].notna()].itertuples(index=False):
            theme = (int(r.n), int(r.p), int(r.d))
            others = tuple(a - b for a, b in zip(total, theme, strict=True))
            if theme[0] < max(min_n, 1) or others[0] <= 0:
                continue
            diff = nps_difference(others, theme)
            share = theme[0] / total[0]
            nps = (theme[1] - theme[2]) / theme[0] * 100.0
            nps_others = (others[1] - others[2]) / others[0] * 100.0
            out.append({
                "scope": scope_name, "group": grp, "id": int(r.id), "label": r.label,
                "n": theme[0], "group_n": total[0], "share": share, "nps": nps,
                "nps_others": nps_others, "gap": diff.delta, "centre": diff.centre,
                "margin": diff.margin, "noise": not diff.significant,
                "small_sample": is_small(theme[0]), "impact": share * diff.delta,
            })
    return out
