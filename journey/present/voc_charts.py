"""Altair chart of the voice of the customer over time: the share of negative, neutral and
positive comments per week or month (`analytics.voc.sentiment_trend`), each bar with its n.

Pure function of a DataFrame and a language (no streamlit), like `stat_charts`; numbers
and dates are formatted by Vega with the locale `stat_charts` embeds.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from journey import i18n
from journey.analytics.voc import LABELS
from journey.present import stat_charts as sc

# Same colours as the score groups: negative is a detractor's red on every chart.
LABEL_COLORS = {"negative": sc.DETRACTOR_COLOR, "neutral": sc.PASSIVE_COLOR,
                "positive": sc.PROMOTER_COLOR}


def sentiment_over_time(df: pd.DataFrame, *, lang: str, grain: str = "month") -> alt.TopLevelMixin:
    """Stacked bars (share of each label, 0-100 %) per period, oldest left; the tooltip
    gives the period, the label, its count and share, and the period's n and mean score."""
    if df is None or df.empty:
        return sc.empty_chart(lang)
    names = {lab: i18n.t(f"voc.label.{lab}", lang) for lab in LABELS}
    rows = []
    for _, r in df.iterrows():
        for lab in LABELS:
            rows.append({"period": r["period"], "label": names[lab], "order": LABELS.index(lab),
                         "count": int(r[lab]), "share": float(r[f"{lab}_share"]),
                         "n": int(r["n"]), "mean": float(r["mean"])})
    data = pd.DataFrame(rows)
    time_unit = "yearmonth" if grain == "month" else "yearmonthdate"
    period_title = i18n.t(f"words.grain.{grain}", lang)
    chart = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X(f"{time_unit}(period):O", title=period_title),
            y=alt.Y("share:Q", stack="normalize", title=i18n.t("words.share_of_comments", lang),
                    axis=alt.Axis(format="%")),
            color=alt.Color("label:N", title=i18n.t("voc.sentiment", lang),
                            scale=alt.Scale(domain=[names[lab] for lab in LABELS],
                                            range=[LABEL_COLORS[lab] for lab in LABELS])),
            order=alt.Order("order:Q"),
            tooltip=[
                alt.Tooltip(f"{time_unit}(period):T", title=period_title),
                alt.Tooltip("label:N", title=i18n.t("voc.sentiment", lang)),
                alt.Tooltip("count:Q", title=i18n.t("words.comments", lang)),
                alt.Tooltip("share:Q", format=".0%", title=i18n.t("words.share", lang)),
                alt.Tooltip("n:Q", title=i18n.t("charts.n", lang)),
                alt.Tooltip("mean:Q", format="+.2f", title=i18n.t("words.mean_score", lang)),
            ],
        )
        .properties(width="container", height=260)
    )
    return sc.finish(chart, lang)
