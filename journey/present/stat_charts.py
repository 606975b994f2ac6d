"""Altair builders for everything statistical: NPS bars, stacked score groups, heatmaps,
trends, funnels, the emotion curve, CSAT/CES bars; and offline PNG/SVG export (vl-convert).

Pure functions of a DataFrame (as returned by `journey.analytics.metrics`) and a language; no
streamlit here, so the CLI export and the journey map can reuse them.

Conventions shared by every builder:
- Category order is the row order of the frame (metrics returns stages in stage order and
  months in time order), so no builder re-sorts what the core already ordered.
- `labels` maps raw category values (stage ids, ...) to display labels; values not in it
  are shown as they are. Labels are data (user text): Vega renders them as text, never HTML.
- Numbers in axes and tooltips are formatted by Vega with the d3 locale embedded in the
  spec (`config.locale`), so the browser (vega-embed in Streamlit) and vl-convert agree:
  decimal comma and French month names in French. Texts drawn on marks (e.g. "+42 · n = 120")
  are pre-formatted here with `journey.i18n`.
- NPS never appears without its n: in the mark label and in the tooltip. Groups with fewer
  than `SMALL_SAMPLE` responses are drawn faded and marked with a warning sign.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import altair as alt
import pandas as pd

from journey import i18n
from journey.analytics.stats import SMALL_SAMPLE

WARN = "⚠"

# Fixed colours so that a promoter is green on every page and every exported slide.
PROMOTER_COLOR = "#2e9e5b"
PASSIVE_COLOR = "#b4b4b4"
DETRACTOR_COLOR = "#d64545"
BAR_COLOR = "#3b6fb6"
BAND_COLOR = "#9bb8e0"

DEFAULT_WIDTH = 560

# d3-format / d3-time-format locales (the same dicts as vl_convert.get_format_locale('fr-FR')),
# written out so that building a chart needs no converter and works the same everywhere.
_NUMBER_LOCALES: dict[str, dict[str, Any]] = {
    "en": {"decimal": ".", "thousands": ",", "grouping": [3], "currency": ["$", ""]},
    "fr": {
        "decimal": ",",
        "thousands": "\u202f",  # as journey.i18n
        "grouping": [3],
        "currency": ["", "\u00a0€"],
        "percent": "\u202f%",
    },
}
_TIME_LOCALES: dict[str, dict[str, Any]] = {
    "en": {
        "dateTime": "%x, %X",
        "date": "%-m/%-d/%Y",
        "time": "%-I:%M:%S %p",
        "periods": ["AM", "PM"],
        "days": ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"],
        "shortDays": ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"],
        "months": [
            "January", "February", "March", "April", "May", "June", "July", "August",
            "September", "October", "November", "December",
        ],
        "shortMonths": [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ],
    },
    "fr": {
        "dateTime": "%A %e %B %Y à %X",
        "date": "%d/%m/%Y",
        "time": "%H:%M:%S",
        "periods": ["AM", "PM"],
        "days": ["dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"],
        "shortDays": ["dim.", "lun.", "mar.", "mer.", "jeu.", "ven.", "sam."],
        "months": [
            "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
            "septembre", "octobre", "novembre", "décembre",
        ],
        "shortMonths": [
            "janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.",
            "nov.", "déc.",
        ],
    },
}


# --------------------------------------------------------------------------- helpers


def _lang(lang: str | None) -> str:
    return "fr" if str(lang or "").lower().startswith("fr") else "en"


def tr(key: str, lang: str, **kw: Any) -> str:
    return i18n.t(key, _lang(lang), **kw)


def fmt_int(x: Any, lang: str) -> str:
    return i18n.fmt_int(int(round(float(x))), _lang(lang))


def fmt_num(x: Any, lang: str, decimals: int = 1) -> str:
    return i18n.fmt_num(float(x), _lang(lang), decimals)


def fmt_signed(x: float, lang: str, decimals: int = 0) -> str:
    """NPS is read as a sign first: '+12', '−5' (a real minus sign, like Vega's axes)."""
    return i18n.fmt_signed(x, _lang(lang), decimals)


def _is_missing(x: Any) -> bool:
    try:
        return x is None or bool(pd.isna(x))
    except (TypeError, ValueError):
        return False


def nps_axis(**kw: Any) -> alt.Axis:
    # "+20" above zero, "0" (not "+0") at zero; negatives keep the locale's minus sign.
    return alt.Axis(format="d", labelExpr="datum.value > 0 ? '+' + datum.label : datum.label",
                    **kw)


def _ends_axis(metric: str, domain: list[float], lang: str) -> alt.Axis:
    """An axis whose extremes say what they mean: '+100 positive' / '−100 negative' (NPS),
    '100 % positive' / '0 % negative' (CSAT); ticks in between as numbers."""
    lo, hi = domain
    mid = (lo + hi) / 2
    # json.dumps makes each word a safe string literal of Vega's expression language.
    pos = json.dumps(" " + tr("map.axis_positive", lang), ensure_ascii=False)
    neg = json.dumps(" " + tr("map.axis_negative", lang), ensure_ascii=False)
    label = ("(datum.value > 0 ? '+' + datum.label : datum.label)" if metric == "nps"
             else "datum.label")
    return alt.Axis(
        values=[lo, (lo + mid) / 2, mid, (mid + hi) / 2, hi], format="d",
        labelExpr=f"datum.value >= {hi} ? {label} + {pos} : datum.value <= {lo} ? "
                  f"{label} + {neg} : {label}",
        labelLimit=200,
    )


def _locale(lang: str) -> dict[str, Any]:
    lg = _lang(lang)
    return {"number": _NUMBER_LOCALES[lg], "time": _TIME_LOCALES[lg]}


def finish(chart: alt.TopLevelMixin, lang: str) -> alt.TopLevelMixin:
    """Embed the number/time locale (read by vega-embed and vl-convert alike)."""
    return chart.configure(locale=_locale(lang)).configure_view(stroke=None)


def display_values(values: pd.Series, labels: Mapping[Any, str] | None) -> pd.Series:
    if not labels:
        return values.map(lambda v: "–" if _is_missing(v) else str(v))
    return values.map(lambda v: "–" if _is_missing(v) else str(labels.get(v, v)))


def _order(values: pd.Series) -> list[str]:
    return list(dict.fromkeys(values.tolist()))


def label_order(display: pd.Series, raw: pd.Series,
                 labels: Mapping[Any, str] | None) -> list[str]:
    present = _order(display)
    if not labels:
        return present
    raw_present = set(raw.tolist())
    ordered = [str(labels[k]) for k in labels if k in raw_present]
    return list(dict.fromkeys(ordered + present))


def _small(df: pd.DataFrame) -> pd.Series:
    if "small_sample" in df.columns:
        return df["small_sample"].fillna(True).astype(bool)
    return df["n"].fillna(0) < SMALL_SAMPLE


def _margin(df: pd.DataFrame) -> pd.Series:
    if "margin" not in df.columns:
        return pd.Series(0.0, index=df.index)
    return pd.to_numeric(df["margin"], errors="coerce").astype(float).fillna(0.0)


NOISE_COLOR = "#bdbdbd"  # a bar whose difference from the rest could be noise


def _differences(data: pd.DataFrame, lang: str, key: str = "charts.vs_rest") -> pd.DataFrame:
    """`noise` and `diff_text` from the DIFF_COLUMNS of `analytics.compare` (a table
    without them: nothing greyed, no text)."""
    data["diff_title"] = ""
    if "diff_noise" not in data.columns:
        data["noise"] = False
        data["diff_text"] = ""
        return data
    data["noise"] = data["diff_noise"].fillna(False).astype(bool)
    texts = []
    for d, m, noise in zip(data["diff"], data["diff_margin"], data["noise"], strict=True):
        if _is_missing(d):
            texts.append("–")
            continue
        verdict = tr("charts.could_be_noise" if noise else "charts.beyond_noise", lang)
        texts.append(tr("charts.diff_value", lang, delta=fmt_signed(float(d), lang, 1),
                        margin=fmt_num(float(m), lang, 1), verdict=verdict))
    data["diff_text"] = texts
    data["diff_title"] = tr(key, lang)
    data["noise_note"] = tr("charts.noise_note_month" if key == "charts.vs_previous"
                            else "charts.noise_note", lang)
    return data


def _prepare_nps(df: pd.DataFrame, by: str, labels: Mapping[Any, str] | None, lang: str,
                 diff_key: str = "charts.vs_rest"):
    data = df.copy()
    data["nps"] = pd.to_numeric(data["nps"], errors="coerce").astype(float)
    data["margin"] = _margin(data)
    data["n"] = pd.to_numeric(data["n"], errors="coerce").fillna(0).astype(int)
    data["small"] = _small(data)
    data["label"] = display_values(data[by], labels)
    data["low"] = (data["nps"] - data["margin"]).clip(-100, 100)
    data["high"] = (data["nps"] + data["margin"]).clip(-100, 100)
    data["n_text"] = data["n"].map(lambda n: fmt_int(n, lang))
    data["margin_text"] = data["margin"].map(lambda m: "± " + fmt_num(m, lang, 1))
    data["nps_text"] = data["nps"].map(lambda v: fmt_signed(v, lang))
    data["flag"] = data["small"].map(lambda s: tr("charts.small_sample", lang) if s else "")
    data["mark_text"] = [
        f"{v} · n = {n}" + (f" {WARN}" if s else "")
        for v, n, s in zip(data["nps_text"], data["n_text"], data["small"], strict=True)
    ]
    data = _differences(data, lang, diff_key)
    data = data[data["nps"].notna()]
    return data


def _small_note(data: pd.DataFrame, lang: str) -> str:
    notes = []
    if bool(data["small"].any()):
        notes.append(f"{WARN} " + tr("charts.small_note", lang, n=SMALL_SAMPLE))
    if "noise" in data.columns and bool(data["noise"].any()):
        notes.append(str(data["noise_note"].iloc[0]))
    return " · ".join(notes)


def _note_title(note: str) -> alt.TitleParams:
    # The note is the title's text (Vega draws no subtitle under an empty title);
    # `with_title` moves it under the real title for exports.
    return alt.TitleParams(note, anchor="start", fontSize=11, fontWeight="normal",
                           color="#b35c00")


def _finish_noted(chart: alt.TopLevelMixin, data: pd.DataFrame, lang: str) -> alt.TopLevelMixin:
    """`finish`, with the small-sample note as the title when some group has n < 30."""
    note = _small_note(data, lang)
    if note:
        chart = chart.properties(title=_note_title(note))
    return finish(chart, lang)


def _value_labels(base: alt.Chart, y: Any, tooltip: Any) -> alt.Chart:
    """"value · n" right of each bar's margin, amber for small samples."""
    return base.mark_text(align="left", dx=5, fontSize=11).encode(
        y=y, x=alt.X("high:Q"), text="mark_text:N", tooltip=tooltip,
        color=alt.condition("datum.small", alt.value("#b35c00"), alt.value("#222")),
    )


def _bar_color() -> Any:
    """The bar's colour: grey when its difference from the rest could be noise."""
    return alt.condition("datum.noise", alt.value(NOISE_COLOR), alt.value(BAR_COLOR))


def _diff_tooltip(data: pd.DataFrame) -> list[alt.Tooltip]:
    title = str(data["diff_title"].iloc[0]) if len(data) else ""
    return [alt.Tooltip("diff_text:N", title=title)] if title else []


def _group_title(by: str, lang: str) -> str:
    return tr(f"charts.by.{by}", lang)


def empty_chart(lang: str, width: int = DEFAULT_WIDTH) -> alt.TopLevelMixin:
    """A chart that says there is nothing to draw (exports stay valid images)."""
    frame = pd.DataFrame({"text": [tr("charts.no_data", lang)]})
    chart = (
        alt.Chart(frame)
        .mark_text(fontSize=14, color="#666")
        .encode(text="text:N")
        .properties(width=width, height=80)
    )
    return finish(chart, lang)


def _bar_height(count: int) -> alt.Step:
    """A fixed height per bar, not per chart: Streamlit sizes charts with autosize "fit"
    (axes, legend and titles squeezed into the given height), which crushed the bars of a
    chart given a total height; a step is kept as it is, in the browser and in exports."""
    del count
    return alt.Step(30)


# --------------------------------------------------------------------------- NPS


def nps_bars(
    df: pd.DataFrame,
    *,
    by: str,
    lang: str,
    labels: Mapping[Any, str] | None = None,
    width: int = DEFAULT_WIDTH,
) -> alt.TopLevelMixin:
    """NPS per group as horizontal bars on a fixed −100..100 axis, with the 95 % margin as an
    error bar, and "NPS · n" written at the end of each bar. Groups under 30 answers are
    faded and flagged (label and tooltip)."""
    if df is None or df.empty or "nps" not in df.columns:
        return empty_chart(lang, width)
    data = _prepare_nps(df, by, labels, lang)
    if data.empty:
        return empty_chart(lang, width)
    order = _order(data["label"])
    frame = data[
        ["label", "nps", "low", "high", "margin", "n", "small", "n_text", "margin_text",
         "nps_text", "flag", "mark_text", "noise", "diff_text"]
    ]
    y = alt.Y("label:N", sort=order, title=_group_title(by, lang),
              axis=alt.Axis(labelLimit=220))
    tooltip = [
        alt.Tooltip("label:N", title=_group_title(by, lang)),
        alt.Tooltip("nps:Q", title="NPS", format="+.1f"),
        alt.Tooltip("margin_text:N", title=tr("charts.margin", lang)),
        alt.Tooltip("n:Q", title=tr("charts.n", lang), format=",d"),
        *_diff_tooltip(data),
        alt.Tooltip("flag:N", title=tr("charts.note", lang)),
    ]
    base = alt.Chart(frame)
    bars = base.mark_bar(height={"band": 0.7}).encode(
        y=y,
        x=alt.X("nps:Q", title="NPS", scale=alt.Scale(domain=[-100, 100]),
                axis=nps_axis(tickCount=9)),
        color=_bar_color(),
        opacity=alt.condition("datum.small", alt.value(0.35), alt.value(0.9)),
        tooltip=tooltip,
    )
    errors = base.mark_rule(color="#222", strokeWidth=1.5).encode(
        y=y, x="low:Q", x2="high:Q", tooltip=tooltip
    )
    caps = base.mark_tick(color="#222", thickness=1.5, size=10).encode(y=y, x="low:Q") + \
        base.mark_tick(color="#222", thickness=1.5, size=10).encode(y=y, x="high:Q")
    text = _value_labels(base, y, tooltip)
    zero = alt.Chart(pd.DataFrame({"x": [0]})).mark_rule(color="#888").encode(x="x:Q")
    chart = alt.layer(bars, errors, caps, zero, text).properties(
        width=width, height=_bar_height(len(order))
    )
    return _finish_noted(chart, data, lang)


def nps_stacked(
    df: pd.DataFrame,
    *,
    by: str,
    lang: str,
    labels: Mapping[Any, str] | None = None,
    width: int = DEFAULT_WIDTH,
) -> alt.TopLevelMixin:
    """Share of detractors / passives / promoters per group, stacked to 100 % (red, grey,
    green: fixed so the colours mean the same thing everywhere)."""
    needed = {"promoters", "passives", "detractors"}
    if df is None or df.empty or not needed <= set(df.columns):
        return empty_chart(lang, width)
    data = df.copy()
    data["label"] = display_values(data[by], labels)
    data["n"] = pd.to_numeric(data["n"], errors="coerce").fillna(0).astype(int)
    data = data[data["n"] > 0]
    if data.empty:
        return empty_chart(lang, width)
    data["small"] = _small(data)
    order = _order(data["label"])
    groups = [("detractors", DETRACTOR_COLOR), ("passives", PASSIVE_COLOR),
              ("promoters", PROMOTER_COLOR)]
    rows = []
    for _, r in data.iterrows():
        for rank, (g, _c) in enumerate(groups):
            count = int(r[g]) if not _is_missing(r[g]) else 0
            share = count / r["n"] * 100.0 if r["n"] else 0.0
            rows.append({
                "label": r["label"],
                "group": tr(f"charts.group.{g}", lang),
                "rank": rank,
                "count": count,
                "share": share,
                "n": int(r["n"]),
                "share_text": i18n.fmt_pct(share / 100.0, _lang(lang)) if share >= 8 else "",
                "flag": tr("charts.small_sample", lang) if bool(r["small"]) else "",
            })
    long = pd.DataFrame(rows)
    names = [tr(f"charts.group.{g}", lang) for g, _ in groups]
    colors = [c for _, c in groups]
    y = alt.Y("label:N", sort=order, title=_group_title(by, lang),
              axis=alt.Axis(labelLimit=220))
    tooltip = [
        alt.Tooltip("label:N", title=_group_title(by, lang)),
        alt.Tooltip("group:N", title=tr("charts.score_group", lang)),
        alt.Tooltip("share:Q", title="%", format=".1f"),
        alt.Tooltip("count:Q", title=tr("charts.responses", lang), format=",d"),
        alt.Tooltip("n:Q", title=tr("charts.n", lang), format=",d"),
        alt.Tooltip("flag:N", title=tr("charts.note", lang)),
    ]
    base = alt.Chart(long)
    bars = base.mark_bar(height={"band": 0.7}).encode(
        y=y,
        x=alt.X("share:Q", stack="zero", title=tr("charts.share_responses", lang),
                scale=alt.Scale(domain=[0, 100]), axis=alt.Axis(format="d")),
        color=alt.Color("group:N", scale=alt.Scale(domain=names, range=colors),
                        legend=alt.Legend(title=None, orient="top")),
        order=alt.Order("rank:Q"),
        tooltip=tooltip,
    )
    text = base.mark_text(color="white", fontSize=10, fontWeight="bold").encode(
        y=y,
        x=alt.X("share:Q", stack="zero", bandPosition=0.5),
        detail="group:N",
        order=alt.Order("rank:Q"),
        text="share_text:N",
        tooltip=tooltip,
    )
    chart = alt.layer(bars, text).properties(width=width, height=_bar_height(len(order)))
    return finish(chart, lang)


def heatmap(
    df: pd.DataFrame,
    *,
    lang: str,
    row_labels: Mapping[Any, str] | None = None,
    col_labels: Mapping[Any, str] | None = None,
    rows: str | None = None,
    cols: str | None = None,
    metric: str = "nps",
    width: int = DEFAULT_WIDTH,
) -> alt.TopLevelMixin:
    """Rows (persona) × columns (stage) coloured by the metric on a diverging scale centred
    on 0 (NPS) — red below, green above — with the value in each cell, n in the tooltip, and
    cells under 30 answers faded and marked ⚠."""
    if df is None or df.empty:
        return empty_chart(lang, width)
    data = df.copy()
    rows = rows or ("rows" if "rows" in data.columns else data.columns[0])
    cols = cols or ("cols" if "cols" in data.columns else data.columns[1])
    value_col = "value" if "value" in data.columns else metric
    data["value"] = pd.to_numeric(data[value_col], errors="coerce").astype(float)
    data["n"] = pd.to_numeric(data["n"], errors="coerce").fillna(0).astype(int)
    data = data[data["n"] > 0]
    if data.empty or data["value"].notna().sum() == 0:
        return empty_chart(lang, width)
    data["row"] = display_values(data[rows], row_labels)
    data["col"] = display_values(data[cols], col_labels)
    data["small"] = data["n"] < SMALL_SAMPLE
    decimals = {"nps": 0, "csat": 0, "ces": 1}[metric]
    data["value_text"] = [
        (fmt_signed(v, lang, decimals) if metric == "nps" else fmt_num(v, lang, decimals))
        + (f" {WARN}" if s else "")
        for v, s in zip(data["value"], data["small"], strict=True)
    ]
    data["flag"] = data["small"].map(lambda s: tr("charts.small_sample", lang) if s else "")
    if metric == "nps":
        scale = alt.Scale(scheme="redyellowgreen", domain=[-100, 100], domainMid=0)
    else:
        spec = _SCORES[metric]
        scale = alt.Scale(scheme="redyellowgreen", domain=spec["domain"], domainMid=spec["mid"])
    # The labels' own order wins (the page passes stages in stage order, which a grid's
    # first row may not show when a persona lacks a stage); unknown values follow.
    row_order = label_order(data["row"], data[rows], row_labels)
    col_order = label_order(data["col"], data[cols], col_labels)
    row_title = _group_title(str(rows) if rows != "rows" else "persona", lang)
    col_title = _group_title(str(cols) if cols != "cols" else "stage", lang)
    tooltip = [
        alt.Tooltip("row:N", title=row_title),
        alt.Tooltip("col:N", title=col_title),
        alt.Tooltip("value:Q", title=tr(f"charts.metric.{metric}", lang), format=".1f"),
        alt.Tooltip("n:Q", title=tr("charts.n", lang), format=",d"),
        alt.Tooltip("flag:N", title=tr("charts.note", lang)),
    ]
    x = alt.X("col:N", sort=col_order, title=col_title,
              axis=alt.Axis(orient="top", labelAngle=0, labelLimit=140))
    y = alt.Y("row:N", sort=row_order, title=row_title, axis=alt.Axis(labelLimit=200))
    base = alt.Chart(data[["row", "col", "value", "n", "small", "value_text", "flag"]])
    cells = base.mark_rect(stroke="white", strokeWidth=2).encode(
        x=x, y=y,
        color=alt.Color("value:Q", scale=scale,
                        # No taller than the grid: a longer gradient hung below the last
                        # row and the page cut its lowest label off.
                        legend=alt.Legend(title=tr(f"charts.metric.{metric}", lang),
                                          gradientLength=max(60, 38 * len(row_order) - 50))),
        opacity=alt.condition("datum.small", alt.value(0.4), alt.value(1.0)),
        tooltip=tooltip,
    )
    text = base.mark_text(fontSize=12).encode(
        x=x, y=y, text="value_text:N", tooltip=tooltip,
        color=alt.condition("datum.small", alt.value("#7a4a00"), alt.value("#111")),
    )
    chart = alt.layer(cells, text).properties(
        width=width, height=alt.Step(38)
    )
    return _finish_noted(chart, data, lang)


def _month_frame(df: pd.DataFrame) -> pd.DataFrame:
    data = df.copy()
    col = "month" if "month" in data.columns else data.columns[0]
    data["month"] = pd.to_datetime(data[col].astype(str).str[:10], errors="coerce")
    # Mid-month timestamps in UTC so no timezone puts a point in the neighbouring month.
    data = data[data["month"].notna()].sort_values("month")
    data["month_iso"] = data["month"].dt.strftime("%Y-%m-15")
    return data


def trend(
    df: pd.DataFrame,
    *,
    lang: str,
    width: int = DEFAULT_WIDTH,
) -> alt.TopLevelMixin:
    """Monthly NPS as a line with its 95 % margin as a band; months under 30 answers are
    hollow points with ⚠; n in the tooltip."""
    if df is None or df.empty or "nps" not in df.columns:
        return empty_chart(lang, width)
    data = _month_frame(df)
    if data.empty:
        return empty_chart(lang, width)
    # The trend's differences are each month's change from the one before (compare.trend).
    data = _prepare_nps(data, "month", None, lang, diff_key="charts.vs_previous")
    if data.empty:
        return empty_chart(lang, width)
    data["month_text"] = data["month"].map(lambda d: _month_name(d, lang))
    data["point_stroke"] = [NOISE_COLOR if x else BAR_COLOR for x in data["noise"]]
    data["point_fill"] = ["white" if small else stroke
                          for small, stroke in zip(data["small"], data["point_stroke"],
                                                   strict=True)]
    frame = data[["month_iso", "month_text", "nps", "low", "high", "margin_text", "n", "small",
                  "flag", "nps_text", "noise", "diff_text", "point_fill", "point_stroke"]]
    x = alt.X("month_iso:T", timeUnit="utcyearmonth", title=tr("charts.by.month", lang),
              axis=alt.Axis(format="%b %Y", labelAngle=0, tickCount="month"))
    tooltip = [
        alt.Tooltip("month_text:N", title=tr("charts.by.month", lang)),
        alt.Tooltip("nps:Q", title="NPS", format="+.1f"),
        alt.Tooltip("margin_text:N", title=tr("charts.margin", lang)),
        alt.Tooltip("n:Q", title=tr("charts.n", lang), format=",d"),
        *_diff_tooltip(data),
        alt.Tooltip("flag:N", title=tr("charts.note", lang)),
    ]
    base = alt.Chart(frame)
    band = base.mark_area(color=BAND_COLOR, opacity=0.45).encode(
        # Zoomed on the data (always showing 0): a trend is read for its movement.
        x=x, y=alt.Y("low:Q", title="NPS", scale=alt.Scale(zero=True, nice=True),
                     axis=nps_axis()),
        y2="high:Q",
    )
    line = base.mark_line(color=BAR_COLOR, strokeWidth=2).encode(x=x, y="nps:Q")
    points = base.mark_point(size=60, strokeWidth=2).encode(
        x=x, y="nps:Q",
        # Hollow under 30 answers; grey when the change from the month before could be noise.
        fill=alt.Fill("point_fill:N", scale=None),
        stroke=alt.Stroke("point_stroke:N", scale=None),
        tooltip=tooltip,
    )
    zero = alt.Chart(pd.DataFrame({"y": [0]})).mark_rule(color="#888").encode(y="y:Q")
    chart = alt.layer(band, zero, line, points).properties(width=width, height=260)
    return _finish_noted(chart, data, lang)


def _month_name(d: pd.Timestamp, lang: str) -> str:
    return i18n.fmt_month(d, _lang(lang))


# --------------------------------------------------------------------------- funnel


IN_ORDER_COLOR = "#9bb8e0"
# The funnel's two forms: (name key, definition key, its count, share and from-previous columns).
_FUNNEL_FORMS = (
    ("charts.funnel.at_all", "charts.funnel.at_all_help", "customers", "share",
     "from_previous"),
    ("charts.funnel.in_order", "charts.funnel.in_order_help", "in_order", "in_order_share",
     "in_order_from_previous"),
)


def funnel(
    df: pd.DataFrame,
    *,
    lang: str,
    labels: Mapping[Any, str] | None = None,
    width: int = DEFAULT_WIDTH,
) -> alt.TopLevelMixin:
    """The stage funnel in its two labelled forms (frame of `analytics.reach.funnel`): per
    bar, journeys that reached the stage at all (or a later one) and, beside them, journeys
    that reached it after the previous stage. The first bar is every journey in scope.

    Each bar is written "n · share of journeys"; its tooltip gives the form's definition, n,
    the share of journeys and the conversion from the previous bar."""
    if df is None or df.empty or "customers" not in df.columns:
        return empty_chart(lang, width)
    lg = _lang(lang)
    base = df.reset_index(drop=True)
    all_label = tr("charts.funnel.all_journeys", lang)
    bar_label = [
        all_label if kind == "journeys" else str(v)
        for kind, v in zip(base["kind"], display_values(base["stage"], labels), strict=True)
    ]
    journeys = int(base["customers"].iloc[0])
    rows = []
    for i, r in base.iterrows():
        for form_key, help_key, n_col, share_col, prev_col in _FUNNEL_FORMS:
            n = int(r[n_col])
            share, prev = r[share_col], r[prev_col]
            rows.append({
                "label": bar_label[i], "form": tr(form_key, lang),
                "value": n, "n_text": fmt_int(n, lang),
                "share_text": "" if _is_missing(share) else i18n.fmt_pct(share, lg),
                "prev_text": "" if _is_missing(prev) else i18n.fmt_pct(prev, lg),
                "definition": tr(help_key, lang),
                "mark_text": fmt_int(n, lang) + (
                    "" if _is_missing(share) else f" · {i18n.fmt_pct(share, lg, 0)}"),
            })
    data = pd.DataFrame(rows)
    order = list(dict.fromkeys(bar_label))
    forms = [tr(form[0], lang) for form in _FUNNEL_FORMS]
    y = alt.Y("label:N", sort=order, title=None, axis=alt.Axis(labelLimit=200))
    y_offset = alt.YOffset("form:N", sort=forms)
    tooltip = [
        alt.Tooltip("label:N", title=tr("charts.by.stage", lang)),
        alt.Tooltip("form:N", title=tr("charts.funnel.form", lang)),
        alt.Tooltip("definition:N", title=tr("charts.funnel.definition", lang)),
        alt.Tooltip("n_text:N", title=tr("charts.journeys", lang)),
        alt.Tooltip("share_text:N", title=tr("charts.funnel.of_journeys", lang,
                                              n=fmt_int(journeys, lang))),
        alt.Tooltip("prev_text:N", title=tr("charts.conv_prev", lang)),
    ]
    chart_base = alt.Chart(data)
    xmax = max(int(data["value"].max()), 1) * 1.3  # room for the label
    color = alt.Color("form:N", sort=forms, title=None,
                      legend=alt.Legend(orient="top", labelLimit=320),
                      scale=alt.Scale(domain=forms, range=[BAR_COLOR, IN_ORDER_COLOR]))
    bars = chart_base.mark_bar().encode(
        y=y, yOffset=y_offset, color=color,
        x=alt.X("value:Q", title=tr("charts.journeys", lang),
                scale=alt.Scale(domain=[0, xmax], nice=False), axis=alt.Axis(format=",d")),
        tooltip=tooltip,
    )
    text = chart_base.mark_text(align="left", dx=4, fontSize=10).encode(
        y=y, yOffset=y_offset, x="value:Q", text="mark_text:N", tooltip=tooltip
    )
    chart = alt.layer(bars, text).properties(width=width, height=alt.Step(18))
    return finish(chart, lang)


# --------------------------------------------------------------------------- emotion curve


def emotion_curve(
    df: pd.DataFrame,
    *,
    lang: str,
    labels: Mapping[Any, str] | None = None,
    by: str = "stage",
    metric: str = "nps",
    width: int = DEFAULT_WIDTH,
    height: int = 220,
    ends: bool = False,
) -> alt.TopLevelMixin:
    """How customers feel along the journey: the metric per stage as a line with its 95 %
    margin band and "n = …" under each point (the journey map's emotion lane). `metric` is
    'nps' (frame of `metrics.nps`), 'csat' (`metrics.csat`: % satisfied) or 'ces'
    (`metrics.ces`: mean, no band). `ends` names the axis' extremes ("+100 positive",
    "−100 negative"; CSAT "100 % positive", "0 % negative") and its scale in the title:
    a curve on a slide must say how high is good."""
    if df is None or df.empty:
        return empty_chart(lang, width)
    if metric == "nps":
        if "nps" not in df.columns:
            return empty_chart(lang, width)
        data = _prepare_nps(df, by, labels, lang)
        domain = [-100, 100]
        value_format = "+.1f"
    else:
        data = _prepare_score(df, by, labels, lang, metric)
        domain = _SCORES[metric]["domain"]
        value_format = _SCORES[metric]["format"]
    if data.empty:
        return empty_chart(lang, width)
    value = "nps" if metric == "nps" else "value"
    order = _order(data["label"])
    metric_name = tr(f"charts.metric.{metric}", lang)
    data["n_label"] = [
        f"n = {n}" + (f" {WARN}" if s else "")
        for n, s in zip(data["n_text"], data["small"], strict=True)
    ]
    data["value_label"] = data["nps_text"] if metric == "nps" else data["value_text"]
    frame = data[["label", value, "low", "high", "margin_text", "n", "small", "flag",
                  "n_label", "value_label"]]
    x = alt.X("label:N", sort=order, title=None,
              axis=alt.Axis(labelAngle=0, labelLimit=140, orient="top"))
    y = alt.Y(f"{value}:Q", title=metric_name, scale=alt.Scale(domain=domain),
              axis=nps_axis() if metric == "nps" else alt.Axis(format=_SCORES[metric]["axis"]))
    if ends and metric in ("nps", "csat"):
        y = alt.Y(f"{value}:Q", title=tr(f"map.axis_title_{metric}", lang),
                  scale=alt.Scale(domain=domain), axis=_ends_axis(metric, domain, lang))
    tooltip = [
        alt.Tooltip("label:N", title=_group_title(by, lang)),
        alt.Tooltip(f"{value}:Q", title=metric_name, format=value_format),
        alt.Tooltip("margin_text:N", title=tr("charts.margin", lang)),
        alt.Tooltip("n:Q", title=tr("charts.n", lang), format=",d"),
        alt.Tooltip("flag:N", title=tr("charts.note", lang)),
    ]
    base = alt.Chart(frame)
    band = base.mark_area(color=BAND_COLOR, opacity=0.45).encode(
        x=x, y=alt.Y("low:Q", scale=alt.Scale(domain=domain)), y2="high:Q"
    )
    line = base.mark_line(color=BAR_COLOR, strokeWidth=2.5).encode(x=x, y=y)
    points = base.mark_point(size=80, strokeWidth=2, color=BAR_COLOR).encode(
        x=x, y=y,
        fill=alt.condition("datum.small", alt.value("white"), alt.value(BAR_COLOR)),
        tooltip=tooltip,
    )
    values = base.mark_text(dy=-12, fontSize=12, fontWeight="bold").encode(
        x=x, y=y, text="value_label:N", tooltip=tooltip
    )
    ns = base.mark_text(dy=14, fontSize=10, color="#555").encode(
        x=x, y=y, text="n_label:N", tooltip=tooltip,
        color=alt.condition("datum.small", alt.value("#b35c00"), alt.value("#555")),
    )
    layers = [band]
    if metric == "nps":
        layers.append(
            alt.Chart(pd.DataFrame({"y": [0]})).mark_rule(color="#aaa", strokeDash=[4, 3])
            .encode(y="y:Q")
        )
    layers += [line, points, values, ns]
    chart = alt.layer(*layers).properties(width=width, height=height)
    return finish(chart, lang)


# --------------------------------------------------------------------------- CSAT / CES


# CSAT is read as "% satisfied" (4-5 of 5) with a Wilson margin, CES as the mean effort score
# on 1-7 normalised so that higher = easier (metrics gives no margin for it). Both as in
# journey.analytics.metrics; these tables say which column is the value, its scale and its format.
_SCORES: dict[str, dict[str, Any]] = {
    "csat": {"value": "csat_pct", "domain": [0, 100], "decimals": 0, "format": ".1f",
             "axis": "d", "mid": 50},
    "ces": {"value": "mean", "domain": [1, 7], "decimals": 2, "format": ".2f",
            "axis": ".0f", "mid": 4},
}


def _prepare_score(df: pd.DataFrame, by: str, labels: Mapping[Any, str] | None, lang: str,
                   metric: str) -> pd.DataFrame:
    spec = _SCORES[metric]
    col = spec["value"] if spec["value"] in df.columns else ("value" if "value" in df.columns
                                                             else None)
    if col is None:
        return df.iloc[0:0]
    data = df.copy()
    data["value"] = pd.to_numeric(data[col], errors="coerce").astype(float)
    has_margin = "margin" in data.columns
    data["margin"] = _margin(data)
    data["n"] = pd.to_numeric(data["n"], errors="coerce").fillna(0).astype(int)
    data["small"] = _small(data)
    data["label"] = display_values(data[by], labels)
    lo, hi = spec["domain"]
    data["low"] = (data["value"] - data["margin"]).clip(lo, hi)
    data["high"] = (data["value"] + data["margin"]).clip(lo, hi)
    lg = _lang(lang)
    data["n_text"] = data["n"].map(lambda n: fmt_int(n, lang))
    if metric == "csat":
        data["value_text"] = data["value"].map(
            lambda v: "–" if _is_missing(v) else i18n.fmt_pct(v / 100.0, lg))
    else:
        data["value_text"] = data["value"].map(
            lambda v: "–" if _is_missing(v) else fmt_num(v, lang, spec["decimals"]))
    data["margin_text"] = (
        data["margin"].map(lambda m: "± " + fmt_num(m, lang, 1)) if has_margin else ""
    )
    data["flag"] = data["small"].map(lambda s: tr("charts.small_sample", lang) if s else "")
    data["mark_text"] = [
        f"{v} · n = {n}" + (f" {WARN}" if s else "")
        for v, n, s in zip(data["value_text"], data["n_text"], data["small"], strict=True)
    ]
    data["has_margin"] = has_margin
    data = _differences(data, lang)
    return data[data["value"].notna()]


def _score_bars(df: pd.DataFrame, *, by: str, lang: str, labels: Mapping[Any, str] | None,
                metric: str, width: int) -> alt.TopLevelMixin:
    if df is None or df.empty:
        return empty_chart(lang, width)
    data = _prepare_score(df, by, labels, lang, metric)
    if data.empty:
        return empty_chart(lang, width)
    spec = _SCORES[metric]
    domain = spec["domain"]
    has_margin = bool(data["has_margin"].iloc[0])
    order = _order(data["label"])
    metric_name = tr(f"charts.metric.{metric}", lang)
    extra = ["ease_pct"] if "ease_pct" in data.columns else []
    frame = data[["label", "value", "low", "high", "margin_text", "n", "small", "flag",
                  "mark_text", "noise", "diff_text", *extra]]
    y = alt.Y("label:N", sort=order, title=_group_title(by, lang),
              axis=alt.Axis(labelLimit=220))
    tooltip = [
        alt.Tooltip("label:N", title=_group_title(by, lang)),
        alt.Tooltip("value:Q", title=metric_name, format=spec["format"]),
    ]
    if has_margin:
        tooltip.append(alt.Tooltip("margin_text:N", title=tr("charts.margin", lang)))
    if extra:
        tooltip.append(alt.Tooltip("ease_pct:Q", title=tr("charts.ces_easy", lang),
                                   format=".1f"))
    tooltip += [
        alt.Tooltip("n:Q", title=tr("charts.n", lang), format=",d"),
        *_diff_tooltip(data),
        alt.Tooltip("flag:N", title=tr("charts.note", lang)),
    ]
    base = alt.Chart(frame)
    bars = base.mark_bar(height={"band": 0.7}).encode(
        color=_bar_color(),
        y=y,
        x=alt.X("value:Q", title=metric_name,
                scale=alt.Scale(domain=domain, zero=False, clamp=True),
                axis=alt.Axis(format=spec["axis"])),
        x2=alt.datum(domain[0]),
        opacity=alt.condition("datum.small", alt.value(0.35), alt.value(0.9)),
        tooltip=tooltip,
    )
    layers = [bars]
    if has_margin:
        layers.append(base.mark_rule(color="#222", strokeWidth=1.5).encode(
            y=y, x="low:Q", x2="high:Q", tooltip=tooltip
        ))
    layers.append(_value_labels(base, y, tooltip))
    chart = alt.layer(*layers).properties(width=width, height=_bar_height(len(order)))
    return _finish_noted(chart, data, lang)


def csat_bars(
    df: pd.DataFrame,
    *,
    by: str,
    lang: str,
    labels: Mapping[Any, str] | None = None,
    width: int = DEFAULT_WIDTH,
) -> alt.TopLevelMixin:
    """CSAT (% of satisfied answers, 4-5 of 5) per group with its 95 % margin (Wilson) and
    n, from `metrics.csat`; small groups flagged."""
    return _score_bars(df, by=by, lang=lang, labels=labels, metric="csat", width=width)


def ces_bars(
    df: pd.DataFrame,
    *,
    by: str,
    lang: str,
    labels: Mapping[Any, str] | None = None,
    width: int = DEFAULT_WIDTH,
) -> alt.TopLevelMixin:
    """Mean CES (1-7, higher = easier) per group with n, from `metrics.ces` (no margin
    there; the share of easy answers is in the tooltip); small groups flagged."""
    return _score_bars(df, by=by, lang=lang, labels=labels, metric="ces", width=width)


# --------------------------------------------------------------------------- export


def with_title(chart: alt.TopLevelMixin, title: str, caption: str | None = None
               ) -> alt.TopLevelMixin:
    """A copy of `chart` titled with what it shows and the caption (filters, n), so an
    exported PNG explains itself once pasted into a slide. Keeps a small-sample note that
    the builder put in the subtitle."""
    old = getattr(chart, "title", alt.Undefined)
    subtitle: list[str] = []
    if caption:
        subtitle.append(caption)
    old_text = getattr(old, "text", alt.Undefined) if old is not alt.Undefined else alt.Undefined
    if isinstance(old_text, str) and old_text:
        subtitle.append(old_text)  # the builder's small-sample note
    params: dict[str, Any] = {"anchor": "start", "fontSize": 15}
    if subtitle:
        params["subtitle"] = subtitle
        params["subtitleColor"] = "#444"
    return chart.properties(title=alt.TitleParams(title, **params))


def _spec(chart: alt.TopLevelMixin | Mapping[str, Any]) -> dict[str, Any]:
    return dict(chart) if isinstance(chart, Mapping) else chart.to_dict()


def to_png(chart: alt.TopLevelMixin | Mapping[str, Any], *, scale: float = 2) -> bytes:
    """PNG bytes rendered on the server, offline (vl-convert bundles Vega and its fonts).
    The locale travels inside the spec, so a French chart exports with decimal commas."""
    import vl_convert as vlc  # imported here: a few hundred ms, only needed for exports

    return vlc.vegalite_to_png(_spec(chart), scale=scale)


def to_svg(chart: alt.TopLevelMixin | Mapping[str, Any]) -> str:
    """SVG text rendered offline by vl-convert (same locale rules as `to_png`)."""
    import vl_convert as vlc

    return vlc.vegalite_to_svg(_spec(chart))
