"""Altair builder for the Attribution page: the models side by side as grouped bars.

A pure function of `analytics.attribution.compare`'s frame and a language (no streamlit), so
the PNG export and the page draw the same chart. Names are data: Vega draws them as text.
"""

from __future__ import annotations

from collections.abc import Mapping

import altair as alt
import pandas as pd

from journey import i18n

WIDTH = 560
# One colour per model, fixed so that a model keeps its colour on every slide.
MODEL_COLORS = {
    "first": "#9bb8e0", "last": "#3b6fb6", "linear": "#7f7f7f", "time_decay": "#e3a33b",
    "position": "#b46fb6", "markov": "#2e9e5b", "shapley": "#d64545",
}


def _percent_axis(lang: str) -> alt.Axis:
    # Whole percents in the language's own form: "20%" in English, "20 %" (narrow no-break
    # space) in French; the spec carries no locale, so the label is built here.
    if lang == "fr":
        return alt.Axis(labelExpr=f"format(datum.value * 100, '.0f') + '{i18n.NNBSP}%'")
    return alt.Axis(format=".0%")


def models_bars(
    df: pd.DataFrame,
    *,
    lang: str,
    model_labels: Mapping[str, str],
    node_labels: Mapping[str, str] | None = None,
    node_title: str,
    top: int = 15,
) -> alt.TopLevelMixin:
    """Share of the conversions credited to each node by each model: one group of bars per
    node (the `top` nodes by total credit, in the frame's order), one bar per model."""
    nodes = list(dict.fromkeys(df["node"]))[:top]
    data = df[df["node"].isin(nodes)].copy()
    labels = dict(node_labels or {})
    data["node_label"] = [labels.get(n, n) for n in data["node"]]
    data["model_label"] = [model_labels.get(m, m) for m in data["model"]]
    data["share_text"] = [i18n.fmt_pct(s, lang) for s in data["share"]]
    data["conv_text"] = [i18n.fmt_num(c, lang, 1) for c in data["conversions"]]
    models = list(dict.fromkeys(data["model"]))
    model_order = [model_labels.get(m, m) for m in models]
    colors = [MODEL_COLORS.get(m, "#999999") for m in models]
    order = [labels.get(n, n) for n in nodes]
    share = i18n.t("attribution.chart.share", lang)
    chart = alt.Chart(data).mark_bar().encode(
        y=alt.Y("node_label:N", sort=order, title=node_title, axis=alt.Axis(labelLimit=220)),
        yOffset=alt.YOffset("model_label:N", sort=model_order),
        x=alt.X("share:Q", title=share, axis=_percent_axis(lang)),
        color=alt.Color("model_label:N", sort=model_order, title=None,
                        scale=alt.Scale(domain=model_order, range=colors),
                        legend=alt.Legend(orient="top")),
        tooltip=[
            alt.Tooltip("node_label:N", title=node_title),
            alt.Tooltip("model_label:N", title=i18n.t("attribution.col.model", lang)),
            alt.Tooltip("share_text:N", title=share),
            alt.Tooltip("conv_text:N", title=i18n.t("attribution.col.conversions", lang)),
        ],
    ).properties(width=WIDTH, height=alt.Step(7))
    return chart.configure_view(stroke=None)
