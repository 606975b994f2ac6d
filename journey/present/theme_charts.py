"""Altair charts of the verbatims' themes: themes × stages heatmap and the drivers' bars.

Pure functions of the frames `analytics.themes.by_stage` and `analytics.drivers.drivers`
return; theme labels are user text (renamable) and are drawn by Vega as text, never HTML.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import altair as alt
import pandas as pd

from journey.analytics.stats import SMALL_SAMPLE
from journey.present import stat_charts as sc

NOISE_COLOR = "#b4b4b4"
VALUES = ("share", "nps")


def heatmap(df: pd.DataFrame, *, lang: str, value: str = "share",
            stage_labels: Mapping[Any, str] | None = None,
            width: int = sc.DEFAULT_WIDTH) -> alt.TopLevelMixin:
    """Theme (rows, biggest first) × stage (columns, in stage order): each cell the theme's
    share of the stage's comments (blues) or its NPS (red to green, centred on 0), the
    value written in the cell, n in the tooltip; cells under SMALL_SAMPLE answers faded."""
    if df is None or df.empty:
        return sc.empty_chart(lang, width)
    data = df.copy()
    data["row"] = data["label"].astype(str)
    data["col"] = sc.display_values(data["stage"], stage_labels)
    if value == "share":
        data["value"] = data["share"].astype(float) * 100.0
        data["n"] = data["size"].astype(int)
        data["text"] = [sc.fmt_num(v, lang, 0) + " %" for v in data["value"]]
        scale = alt.Scale(scheme="blues", domain=[0, max(float(data["value"].max()), 1.0)])
        title = sc.tr("themes.value.share", lang)
    else:
        data = data[data["nps_n"] > 0].copy()
        if data.empty:
            return sc.empty_chart(lang, width)
        data["value"] = data["nps"].astype(float)
        data["n"] = data["nps_n"].astype(int)
        data["text"] = [sc.fmt_signed(v, lang) for v in data["value"]]
        scale = alt.Scale(scheme="redyellowgreen", domain=[-100, 100], domainMid=0)
        title = "NPS"
    data["small"] = data["n"] < SMALL_SAMPLE
    data["text"] = [t + (f" {sc.WARN}" if s else "")
                    for t, s in zip(data["text"], data["small"], strict=True)]
    rows = list(dict.fromkeys(data.sort_values("size", ascending=False, kind="stable")["row"]))
    cols = sc.label_order(data["col"], data["stage"], stage_labels)
    tooltip = [
        alt.Tooltip("row:N", title=sc.tr("themes.theme", lang)),
        alt.Tooltip("col:N", title=sc.tr("charts.by.stage", lang)),
        alt.Tooltip("value:Q", title=title, format=".1f"),
        alt.Tooltip("n:Q", title=sc.tr("charts.n", lang), format=",d"),
    ]
    x = alt.X("col:N", sort=cols, title=sc.tr("charts.by.stage", lang),
              axis=alt.Axis(orient="top", labelAngle=0, labelLimit=140))
    y = alt.Y("row:N", sort=rows, title=sc.tr("themes.theme", lang),
              axis=alt.Axis(labelLimit=220))
    base = alt.Chart(data[["row", "col", "value", "n", "small", "text"]])
    cells = base.mark_rect(stroke="white", strokeWidth=2).encode(
        x=x, y=y, color=alt.Color("value:Q", scale=scale, legend=alt.Legend(title=title)),
        opacity=alt.condition("datum.small", alt.value(0.45), alt.value(1.0)),
        tooltip=tooltip)
    text = base.mark_text(fontSize=12, color="#111").encode(
        x=x, y=y, text="text:N", tooltip=tooltip)
    chart = alt.layer(cells, text).properties(width=width, height=alt.Step(34))
    return sc.finish(chart, lang)


def drivers(df: pd.DataFrame, *, lang: str, width: int = sc.DEFAULT_WIDTH
            ) -> alt.TopLevelMixin:
    """One group's drivers (rows of `analytics.drivers.drivers` for one scope and group), in
    their order (costliest first): a bar per theme for its NPS gap against the other
    answers, the 95% interval as a rule, the impact written beside; a gap whose interval
    holds 0 is drawn grey (could be noise)."""
    if df is None or df.empty:
        return sc.empty_chart(lang, width)
    data = df.copy()
    data["theme"] = data["label"].astype(str)
    data["lo"] = data["centre"].astype(float) - data["margin"].astype(float)
    data["hi"] = data["centre"].astype(float) + data["margin"].astype(float)
    data["noise"] = data["noise"].astype(bool)
    data["verdict"] = [sc.tr("map.could_be_noise" if n else "map.beyond_noise", lang)
                       for n in data["noise"]]
    data["impact_text"] = [
        sc.tr("themes.impact_mark", lang, impact=sc.fmt_signed(i, lang, 1),
              n=sc.fmt_int(n, lang)) for i, n in zip(data["impact"], data["n"], strict=True)]
    # Right of the interval, and never inside a bar that points left.
    data["text_x"] = data["hi"].clip(lower=0.0)
    order = data["theme"].tolist()
    tooltip = [
        alt.Tooltip("theme:N", title=sc.tr("themes.theme", lang)),
        alt.Tooltip("n:Q", title=sc.tr("charts.n", lang), format=",d"),
        alt.Tooltip("nps:Q", title="NPS", format="+.1f"),
        alt.Tooltip("nps_others:Q", title=sc.tr("themes.col.nps_others", lang), format="+.1f"),
        alt.Tooltip("gap:Q", title=sc.tr("themes.col.gap", lang), format="+.1f"),
        alt.Tooltip("margin:Q", title=sc.tr("charts.col_diff_margin", lang), format=".1f"),
        alt.Tooltip("impact:Q", title=sc.tr("themes.col.impact", lang), format="+.1f"),
        alt.Tooltip("verdict:N", title=sc.tr("map.col_verdict", lang)),
    ]
    y = alt.Y("theme:N", sort=order, title=None, axis=alt.Axis(labelLimit=220))
    base = alt.Chart(data[["theme", "gap", "lo", "hi", "text_x", "noise", "impact", "impact_text",
                           "n", "nps", "nps_others", "margin", "verdict"]])
    color = alt.condition("datum.noise", alt.value(NOISE_COLOR), alt.value(sc.BAR_COLOR))
    bars = base.mark_bar().encode(
        y=y, x=alt.X("gap:Q", title=sc.tr("themes.col.gap", lang), axis=sc.nps_axis()),
        color=color, tooltip=tooltip)
    rules = base.mark_rule(color="#333").encode(y=y, x="lo:Q", x2="hi:Q", tooltip=tooltip)
    text = base.mark_text(align="left", dx=6, fontSize=11, color="#333").encode(
        y=y, x=alt.X("text_x:Q"), text="impact_text:N")
    chart = alt.layer(bars, rules, text).properties(width=width, height=alt.Step(30))
    return sc.finish(chart, lang)
