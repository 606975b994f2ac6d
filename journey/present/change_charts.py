""""What changed" between two journey maps, as one chart a team can paste into a slide.

One horizontal bar per lane value (stage · lane): the delta in points with its 95% margin as
a whisker; moves beyond the noise in colour, the others grey and labelled so. Built from
`analytics.snapshots.changes` (or `journey_map.compare_maps` renamed the same way); exported
offline with `stat_charts.to_png` / `to_svg`. No streamlit here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import altair as alt
import pandas as pd

from journey import i18n
from journey.present.stat_charts import BAR_COLOR, PASSIVE_COLOR, with_title

MAX_BARS = 20  # a slide stays readable; the CSV holds every row


def lane_label(lane: str, lang: str) -> str:
    """A map lane's name in `lang` (as the journey map page says it)."""
    if lane.startswith("channel:"):
        return i18n.t("map.lane.channel", lang, name=lane.split(":", 1)[1])
    if lane.startswith("device:"):
        return i18n.t("map.lane.device", lang, name=lane.split(":", 1)[1])
    return i18n.t(f"map.lane.{lane}", lang)


def changes_chart(
    df: pd.DataFrame,
    *,
    lang: str,
    labels: Mapping[str, str] | None = None,
    title: str = "",
    caption: str | None = None,
) -> alt.TopLevelMixin:
    """Bars of `delta` ± `margin` for the first MAX_BARS rows of `df` (columns stage, lane,
    delta, margin, significant: what moved beyond the noise comes first already). `labels`:
    stage key -> label."""
    rows = df.head(MAX_BARS)
    beyond, noise = i18n.t("map.beyond_noise", lang), i18n.t("map.could_be_noise", lang)
    data = pd.DataFrame({
        "what": [f"{(labels or {}).get(s, s)} · {lane_label(x, lang)}"
                 for s, x in zip(rows["stage"], rows["lane"], strict=True)],
        "delta": rows["delta"].astype(float),
        "lo": (rows["delta"] - rows["margin"].fillna(0)).astype(float),
        "hi": (rows["delta"] + rows["margin"].fillna(0)).astype(float),
        "verdict": [beyond if s else noise for s in rows["significant"]],
        "text": [
            i18n.fmt_signed(d, lang, 1)
            + ("" if pd.isna(m) else " ± " + i18n.fmt_num(m, lang, 1))
            for d, m in zip(rows["delta"], rows["margin"], strict=True)
        ],
    })
    order = list(data["what"])
    y = alt.Y("what:N", sort=order, title=None, axis=alt.Axis(labelLimit=320))
    color = alt.Color("verdict:N", title=i18n.t("map.col_verdict", lang),
                      scale=alt.Scale(domain=[beyond, noise], range=[BAR_COLOR, PASSIVE_COLOR]),
                      legend=alt.Legend(orient="bottom"))
    tooltip: list[Any] = [alt.Tooltip("what:N", title=i18n.t("map.col_lane", lang)),
                          alt.Tooltip("text:N", title=i18n.t("map.col_delta", lang)),
                          alt.Tooltip("verdict:N", title=i18n.t("map.col_verdict", lang))]
    base = alt.Chart(data)
    # Room for the labels beyond the whiskers on both sides (they would cover the axis).
    lo, hi = min(float(data["lo"].min()), 0.0), max(float(data["hi"].max()), 0.0)
    pad = max((hi - lo) * 0.3, 1.0)
    scale = alt.Scale(domain=[lo - (pad if lo < 0 else 0.0), hi + pad], nice=False)
    bars = base.mark_bar(size=14).encode(
        y=y, x=alt.X("delta:Q", title=i18n.t("map.col_delta", lang), scale=scale,
                     axis=alt.Axis(format="d")),
        color=color, tooltip=tooltip)
    whiskers = base.mark_rule(color="#333").encode(y=y, x="lo:Q", x2="hi:Q")
    # The label beyond the whisker's end, on the side the bar grows to.
    right = base.transform_filter("datum.delta >= 0").mark_text(
        align="left", dx=6, color="#222").encode(y=y, x="hi:Q", text="text:N")
    left = base.transform_filter("datum.delta < 0").mark_text(
        align="right", dx=-6, color="#222").encode(y=y, x="lo:Q", text="text:N")
    zero = alt.Chart(pd.DataFrame({"x": [0.0]})).mark_rule(color="#777").encode(x="x:Q")
    chart = alt.layer(bars, whiskers, right, left, zero).properties(
        width=760, height=alt.Step(26))
    return with_title(chart, title, caption) if title else chart
