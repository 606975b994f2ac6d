"""NPS & voice of customer: scores per group with margins and n, promoters/passives/detractors,
persona × stage heatmap, monthly trend, and the customers' own words.

UI only: the numbers come from `journey.analytics.metrics`, the charts from
`journey.present.stat_charts`.
The page's own controls (metric, grouping; the themes heatmap's value and the drivers' stage;
the sentiment period; the verbatim explorer's search, score group, sentiment, stage, path,
theme and page; which folded parts are open: the numbers table, the themes by stage and
the drivers, the theme editor, the per-stage / per-drop-off tables) live in the URL under
`nps_*` keys, holding stable values (never translated labels), so a link reopens the same
view in either language. Stages, paths
and themes read from a link are checked against the data, the page against the pages the
filters fill; what is not used is named in a notice.

What is folded is made only when opened (`ui.widgets.folded`), and each section with controls
is a fragment (`ui.fragments.section`): a control reruns its own section, not the page.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from journey import i18n
from journey.analytics import compare, metrics, voc
from journey.analytics.filters import Filters
from journey.present import stat_charts as sc
from journey.present import theme_charts as tc
from ui import voc_explorer, voc_themes
from ui.charts import cached_chart, show_chart
from ui.fragments import section
from ui.page import PageContext, current_context
from ui.tables import show_table
from ui.url_state import Param, UrlState
from ui.widgets import caption as show_caption
from ui.widgets import download_buttons, empty_state, folded, guard, url_notices

METRICS = ("nps", "csat", "ces")
GROUPINGS = ("stage", "touchpoint", "persona", "channel", "month")
SCORE_GROUPS = ("all", "promoter", "passive", "detractor")
SEARCH_MAX = 200
VERBATIM_LIMIT = 200

# Stable values in the URL (never translated labels): a link reopens the view in either language.
URL = UrlState(
    "nps",
    Param("nps_metric", "str", "nps", choices=METRICS, widget="nps_w_metric",
          label="nps_page.metric"),
    Param("nps_by", "str", "stage", choices=GROUPINGS, widget="nps_w_by",
          label="nps_page.group_by"),
    Param("nps_group", "str", "all", choices=SCORE_GROUPS, widget="nps_w_group",
          label="nps_page.score_group"),
    Param("nps_q", "str", "", max_len=SEARCH_MAX, widget="nps_w_q", label="nps_page.search"),
    # The themes by stage and the drivers are made only when opened (before the keys they
    # hold: the drivers' stage is checked against the data only then).
    Param("nps_themes", "bool", False, widget="themes_w_figures",
          label="instant2.themes_figures"),
    Param("nps_hm", "str", "share", choices=tc.VALUES, widget="themes_w_value",
          label="urlstate.heatmap_value"),
    # None: the drivers' own default (the conversion stage when it has drivers).
    Param("nps_drv_stage", "str", None, widget="themes_w_stage", label="urlstate.drivers_stage"),
    Param("nps_trend", "str", "month", choices=voc.GRAINS, widget="words_w_grain",
          label="urlstate.trend_grain"),
    Param("nps_sent", "str", "all", choices=voc_explorer.SENTIMENTS, widget="words_w_label",
          label="urlstate.sentiment"),
    Param("nps_stage", "str", "all", widget="words_w_stage", label="urlstate.stage"),
    Param("nps_path", "str", "all", widget="words_w_path", label="urlstate.path"),
    Param("nps_theme", "str", "all", widget="words_w_theme", label="urlstate.theme"),
    # Last: its range depends on the filters before it.
    Param("nps_page", "int", 1, lo=1, widget="words_w_page", label="urlstate.page"),
    # The per-stage / per-drop-off tables are read only when asked for (a toggle).
    Param("nps_points", "bool", False, widget="words_w_points", label="firstview.points"),
    Param("nps_table", "bool", False, widget="nps_w_table", label="firstview.table"),
    Param("nps_manage", "bool", False, widget="themes_w_manage", label="firstview.manage"),
)


def _all_filters(ctx: PageContext) -> Filters:
    return Filters(conversion_stage=ctx.filters.conversion_stage)


def _available_metrics(ctx: PageContext) -> list[str]:
    """NPS always; CSAT/CES when the store holds such answers (any filter), so the picker does
    not jump around as filters change."""
    out = ["nps"]
    for metric, fn in (("csat", metrics.csat), ("ces", metrics.ces)):
        df = ctx.query(fn, by=None, filters=_all_filters(ctx))
        if not df.empty and int(df["n"].sum()) > 0:
            out.append(metric)
    return out


def _group_labels(ctx: PageContext, by: str, values: pd.Series) -> dict[Any, str]:
    """Display label per raw group value (stage labels translated; missing values named)."""
    labels: dict[Any, str] = {}
    for v in values.tolist():
        if v is None or (not isinstance(v, str) and pd.isna(v)):
            continue
        if by == "stage":
            labels[v] = ctx.stage_label(v)
        elif by == "month":
            labels[v] = _month_label(str(v), ctx.lang)
        else:
            labels[v] = str(v)
    return labels


def _month_label(value: str, lang: str) -> str:
    try:
        return i18n.fmt_month(pd.Timestamp(value + "-01"), lang)
    except ValueError:
        return value


def _none_label(ctx: PageContext, by: str) -> str:
    return ctx.stage_label(None) if by == "stage" else ctx.t("nps_page.no_value")


def _display_column(ctx: PageContext, by: str, values: pd.Series) -> pd.Series:
    labels = _group_labels(ctx, by, values)
    none = _none_label(ctx, by)
    return values.map(lambda v: labels.get(v, none) if v is not None and v == v else none)


def _metric_title(ctx: PageContext, metric: str) -> str:
    return ctx.t(f"charts.metric.{metric}")


def _headline(ctx: PageContext, metric: str, overall: pd.DataFrame) -> None:
    """The overall score of the selection, always with its n (and margin)."""
    if overall.empty:
        return
    row = overall.iloc[0]
    n = int(row["n"])
    lang = ctx.lang
    cols = st.columns(4)
    if metric == "nps":
        cols[0].metric(
            ctx.t("nps_page.overall", metric="NPS", n=i18n.fmt_int(n, lang)),
            i18n.fmt_signed(float(row["nps"]), lang),
            help=ctx.t("nps_page.nps_help"),
        )
        cols[1].metric(ctx.t("charts.margin"), "± " + i18n.fmt_num(row["margin"], lang, 1))
        # Two short tiles rather than one "37 % / 45 % / 18 %" that gets cut on a laptop.
        cols[2].metric(ctx.t("charts.group.promoters"),
                       i18n.fmt_pct(row["promoters_pct"] / 100.0, lang, 0))
        cols[3].metric(ctx.t("charts.group.detractors"),
                       i18n.fmt_pct(row["detractors_pct"] / 100.0, lang, 0))
    elif metric == "csat":
        cols[0].metric(
            ctx.t("nps_page.overall", metric="CSAT", n=i18n.fmt_int(n, lang)),
            i18n.fmt_pct(row["csat_pct"] / 100.0, lang),
            help=ctx.t("nps_page.csat_help"),
        )
        cols[1].metric(ctx.t("charts.margin"), "± " + i18n.fmt_num(row["margin"], lang, 1))
    else:
        cols[0].metric(
            ctx.t("nps_page.overall", metric="CES", n=i18n.fmt_int(n, lang)),
            i18n.fmt_num(row["mean"], lang, 2),
            help=ctx.t("nps_page.ces_help"),
        )
        cols[1].metric(ctx.t("charts.ces_easy"), i18n.fmt_pct(row["ease_pct"] / 100.0, lang))
    if n < sc.SMALL_SAMPLE:
        st.warning(ctx.t("nps_page.small_overall", n=i18n.fmt_int(n, lang),
                         min=sc.SMALL_SAMPLE), icon=":material/warning:")


def _small_warning(ctx: PageContext, df: pd.DataFrame) -> None:
    if df.empty:
        return
    small = int((df["n"] < sc.SMALL_SAMPLE).sum())
    if small:
        st.caption(ctx.t("nps_page.small_groups", count=i18n.fmt_int(small, ctx.lang),
                         min=sc.SMALL_SAMPLE))


def _chart(ctx: PageContext, chart: Any, *, title: str, n: int, name: str,
           df: pd.DataFrame | None = None, extra: str | None = None) -> None:
    """Draw a chart with its caption (filters and n) and its CSV/PNG downloads; the PNG
    carries the title and the caption so that it explains itself on a slide."""
    caption = ctx.caption(n=n, extra=extra)
    show_chart(ctx, chart)
    show_caption(caption)
    # The PNG's chart (a titled copy) is made only when clicked.
    download_buttons(ctx, df=df, chart=lambda: sc.with_title(chart, title, caption), name=name)


def _group_table(ctx: PageContext, metric: str, by: str, df: pd.DataFrame) -> pd.DataFrame:
    """The numbers behind the bars, with readable headers (also the CSV)."""
    out = pd.DataFrame({ctx.t(f"charts.by.{by}"): _display_column(ctx, by, df[by])})
    out[ctx.t("charts.n")] = df["n"].astype(int).to_numpy()
    if metric == "nps":
        out["NPS"] = df["nps"].round(1).to_numpy()
        out[ctx.t("charts.margin")] = df["margin"].round(1).to_numpy()
        for g in ("promoters", "passives", "detractors"):
            out[ctx.t(f"charts.group.{g}") + " (%)"] = df[f"{g}_pct"].round(1).to_numpy()
    elif metric == "csat":
        out[_metric_title(ctx, "csat")] = df["csat_pct"].round(1).to_numpy()
        out[ctx.t("charts.margin")] = df["margin"].round(1).to_numpy()
    else:
        out[_metric_title(ctx, "ces")] = df["mean"].round(2).to_numpy()
        out[ctx.t("charts.ces_easy")] = df["ease_pct"].round(1).to_numpy()
    _diff_columns(ctx, df, out, "charts.vs_rest")
    out[ctx.t("charts.note")] = [
        ctx.t("charts.small_sample") if int(n) < sc.SMALL_SAMPLE else "" for n in df["n"]
    ]
    return out


def _diff_columns(ctx: PageContext, df: pd.DataFrame, out: pd.DataFrame, key: str) -> None:
    """The difference of each row (`analytics.compare`) with its margin and verdict, added to
    a table `out` built row for row from `df`; a table without differences is left as is."""
    if "diff" not in df.columns:
        return
    out[ctx.t(key)] = df["diff"].round(1).to_numpy()
    out[ctx.t("charts.col_diff_margin")] = df["diff_margin"].round(1).to_numpy()
    out[ctx.t("map.col_verdict")] = [
        "" if pd.isna(d) else ctx.t("map.could_be_noise") if noise else ctx.t("map.beyond_noise")
        for d, noise in zip(df["diff"], df["diff_noise"], strict=True)
    ]


def _section_groups(ctx: PageContext, available: list[str]) -> str:
    st.subheader(ctx.t("nps_page.by_group"))
    left, right = st.columns([1, 2])
    if st.session_state.get("nps_w_metric") not in available:
        st.session_state["nps_w_metric"] = "nps"
    metric = left.segmented_control(
        ctx.t("nps_page.metric"), available, key="nps_w_metric",
        format_func=lambda m: {"nps": "NPS", "csat": "CSAT", "ces": "CES"}[m],
        required=True,
    ) or "nps"
    by = right.segmented_control(
        ctx.t("nps_page.group_by"), GROUPINGS, key="nps_w_by",
        format_func=lambda b: ctx.t(f"charts.by.{b}"), required=True,
    ) or "stage"
    fn = {"nps": metrics.nps, "csat": metrics.csat, "ces": metrics.ces}[metric]
    overall = ctx.query(fn, by=None)
    _headline(ctx, metric, overall)
    # The groups with their difference from the rest of the selection (the comparison a
    # reader makes between bars), margins from analytics.compare: `compare.groups` of the
    # very frame the stacked bars below draw (one query for both, not two).
    df = compare.versus_rest(ctx.query(fn, by=by), metric)
    if df.empty:
        st.info(ctx.t("nps_page.no_metric", metric=i18n.md_escape(metric.upper())),
                icon=":material/info:")
        return metric
    labels = _group_labels(ctx, by, df[by])
    builder = {"nps": sc.nps_bars, "csat": sc.csat_bars, "ces": sc.ces_bars}[metric]
    chart = cached_chart(builder, df, by=by, lang=ctx.lang, labels=labels)
    n = int(overall["n"].iloc[0]) if not overall.empty else int(df["n"].sum())
    title = ctx.t("nps_page.chart_by", metric=metric.upper(), by=ctx.t(f"charts.by.{by}").lower())
    table = _group_table(ctx, metric, by, df)
    _chart(ctx, chart, title=title, n=n, name=f"{metric}-by-{by}", df=table)
    if len(df) > 1:
        st.caption(ctx.t("nps_page.diff_note", min=sc.SMALL_SAMPLE))
    _small_warning(ctx, df)
    box, shown = folded(ctx, "nps_page.table", key="nps_w_table")
    if shown:
        with box:
            show_table(ctx, table, key="nps_group_table")
    return metric


def _section_scores(ctx: PageContext, available: list[str]) -> dict[str, Any]:
    """The scores by group, the stacked groups and the persona × stage heatmap: the metric
    and grouping controls change all three."""
    metric = _section_groups(ctx, available)
    by = st.session_state.get("nps_w_by") or "stage"
    _section_stacked(ctx, by)
    _section_heatmap(ctx, metric)
    return {"nps_metric": metric, "nps_by": by,
            "nps_table": bool(st.session_state.get("nps_w_table"))}


def _section_stacked(ctx: PageContext, by: str) -> None:
    df = ctx.query(metrics.nps, by=by)
    if df.empty:
        return
    st.subheader(ctx.t("nps_page.stacked", by=ctx.t(f"charts.by.{by}").lower()))
    chart = cached_chart(sc.nps_stacked, df, by=by, lang=ctx.lang,
                         labels=_group_labels(ctx, by, df[by]))
    _chart(ctx, chart, title=ctx.t("nps_page.stacked", by=ctx.t(f"charts.by.{by}").lower()),
           n=int(df["n"].sum()), name=f"nps-groups-by-{by}", df=_group_table(ctx, "nps", by, df))


def _section_heatmap(ctx: PageContext, metric: str) -> None:
    df = ctx.query(metrics.heatmap, rows="persona", cols="stage", metric=metric)
    title = ctx.t("nps_page.heatmap", metric=i18n.md_escape(metric.upper()))
    st.subheader(title)
    if df.empty:
        st.info(ctx.t("nps_page.no_heatmap"), icon=":material/info:")
        return
    personas = _group_labels(ctx, "persona", df["persona"])
    stages = ctx.stage_labels()
    chart = cached_chart(sc.heatmap, df, lang=ctx.lang, metric=metric, row_labels=personas,
                         col_labels=stages)
    table = pd.DataFrame({
        ctx.t("charts.by.persona"): _display_column(ctx, "persona", df["persona"]),
        ctx.t("charts.by.stage"): _display_column(ctx, "stage", df["stage"]),
        ctx.t("charts.n"): df["n"].astype(int).to_numpy(),
        _metric_title(ctx, metric): df["value"].round(2).to_numpy(),
    })
    _chart(ctx, chart, title=title, n=int(df["n"].sum()), name=f"{metric}-persona-stage",
           df=table)


def _section_trend(ctx: PageContext) -> None:
    # Each month with its change from the month before (analytics.compare.trend).
    df = ctx.query(compare.trend)
    title = ctx.t("nps_page.trend")
    st.subheader(title)
    if df.empty:
        st.info(ctx.t("nps_page.no_trend"), icon=":material/info:")
        return
    chart = cached_chart(sc.trend, df, lang=ctx.lang)
    table = pd.DataFrame({
        ctx.t("charts.by.month"): df["month"].astype(str).to_numpy(),
        ctx.t("charts.n"): df["n"].astype(int).to_numpy(),
        "NPS": df["nps"].round(1).to_numpy(),
        ctx.t("charts.margin"): df["margin"].round(1).to_numpy(),
    })
    _diff_columns(ctx, df, table, "charts.vs_previous")
    _chart(ctx, chart, title=title, n=int(df["n"].sum()), name="nps-trend", df=table)
    if len(df) > 1:
        st.caption(ctx.t("nps_page.trend_note", min=sc.SMALL_SAMPLE))


def _no_responses(ctx: PageContext) -> None:
    st.info(ctx.t("nps_page.no_responses"), icon=":material/rate_review:")
    st.page_link("views/data.py", label=ctx.t("nps_page.go_data"),
                 icon=":material/arrow_forward:")


def _read_url(ctx: PageContext) -> None:
    """This run's values of the page's controls: a link's stages, paths and themes checked
    against the data, its page brought within the pages its filters fill."""
    if not ctx.has_data or ctx.responses == 0:
        # Nothing to show them on: a link's data values are simply not in the data.
        known: dict[str, Any] = {k: ["all"] for k in ("nps_stage", "nps_path", "nps_theme")}
        URL.read(known={**known, "nps_drv_stage": [voc_themes.ALL]})
        return
    URL.read(known={**voc_explorer.known(ctx), **voc_themes.known(ctx)},
             bounds={"nps_page": lambda values: (1, voc_explorer.page_count(ctx, values))})


def render(ctx: PageContext) -> None:
    """Scores by group, promoters/passives/detractors, heatmap, trend and verbatims."""
    st.title(ctx.t("page.nps"))
    with guard(ctx):
        _read_url(ctx)
        url_notices(ctx, URL.notices())
        if not ctx.has_data:
            empty_state(ctx, "no_data")
            return
        if ctx.responses == 0:
            _no_responses(ctx)
            return
        st.caption(ctx.t("nps_page.intro"))
        available = _available_metrics(ctx)
        any_match = any(
            not ctx.query(fn, by=None).empty
            for fn in (metrics.nps, metrics.csat, metrics.ces)
        ) or int(ctx.query(voc.count_verbatims)) > 0  # the explorer's own count (cached)
        if not any_match:
            empty_state(ctx, "no_match")
            URL.write(URL.widget_values())
            return
        # Sections as fragments (ui/fragments.py): a control reruns its own section only.
        scores = section(ctx, _section_scores, available, url=URL,
                         default={"nps_metric": "nps", "nps_by": "stage", "nps_table": False})
        _section_trend(ctx)
        shown = {**voc_themes.render(ctx, URL), **voc_explorer.render(ctx, URL)}
        shown["nps_q"] = str(shown.get("nps_q") or "")[:SEARCH_MAX]
        URL.write({**scores, **shown})


if __name__ == "__main__":
    render(current_context())
