"""The NPS page's words: sentiment over time, "which journeys make detractors" (a row drills
to its customers and their verbatims) and the verbatim explorer (search, score group,
sentiment, stage, path and theme filters, highlighted terms, pages, CSV).

UI only: the figures come from `journey.analytics.voc` (the one verbatims list) and
`journey.analytics.voc_journeys`. Comments are user text: in a grid they are plain text; in
Markdown every piece goes through `i18n.md_escape`, and the highlight wraps pieces that are
already escaped, so a comment can neither open markup nor close the highlight early.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import streamlit as st

from journey import i18n
from journey.analytics import themes as themes_figures
from journey.analytics import voc, voc_journeys
from journey.present import voc_charts
from ui.charts import cached_chart, show_chart
from ui.fragments import section
from ui.page import PageContext
from ui.tables import show_table
from ui.url_state import UrlState
from ui.widgets import caption as show_caption
from ui.widgets import download_buttons, folded

SCORE_GROUPS = ("all", "promoter", "passive", "detractor")
SENTIMENTS = ("all", *voc.LABELS)
ALL = "all"
PAGE_SIZE = 20
EXPORT_MAX = 5_000
TOP_PATHS = 10
ARROW = " → "


def _path_text(path: Any) -> str:
    return ARROW.join(str(s) for s in path)


def highlight(text: str, term: str | None) -> str:
    """`text` as Markdown-safe text with each case-insensitive occurrence of `term` marked.

    The text is cut at the matches first, then each piece is escaped on its own: the
    highlight's brackets are ours, the comment's are escaped, so no comment can end it.
    """
    if not term:
        return i18n.md_escape(text)
    low, needle = text.lower(), term.lower()
    out: list[str] = []
    i = 0
    while True:
        j = low.find(needle, i) if needle else -1
        # lower() may change a string's length (rare letters): then no highlight at all.
        if j < 0 or len(low) != len(text):
            out.append(i18n.md_escape(text[i:]))
            break
        out.append(i18n.md_escape(text[i:j]))
        out.append(":orange-background[" + i18n.md_escape(text[j:j + len(term)]) + "]")
        i = j + len(term)
    return "".join(out)


# -- sentiment over time ------------------------------------------------------------------


def _section_trend(ctx: PageContext) -> dict[str, Any]:
    st.subheader(ctx.t("words.trend"))
    grain = st.segmented_control(
        ctx.t("words.period"), voc.GRAINS, key="words_w_grain",
        format_func=lambda g: ctx.t(f"words.grain.{g}"), required=True,
    ) or "month"
    df = ctx.query(voc.sentiment_trend, grain=grain)
    if df.empty:
        st.info(ctx.t("words.no_trend"), icon=":material/info:")
        return {"nps_trend": grain}
    chart = cached_chart(voc_charts.sentiment_over_time, df, lang=ctx.lang, grain=grain)
    show_chart(ctx, chart)
    n = int(df["n"].sum())
    show_caption(ctx.caption(n=n))
    table = pd.DataFrame({
        ctx.t(f"words.grain.{grain}"): [i18n.fmt_date(p, ctx.lang) for p in df["period"]],
        ctx.t("charts.n"): df["n"].astype(int).to_numpy(),
        **{ctx.t(f"voc.label.{lab}") + " (%)": (df[f"{lab}_share"] * 100).round(1).to_numpy()
           for lab in voc.LABELS},
        ctx.t("words.mean_score"): df["mean"].astype(float).round(2).to_numpy(),
        ctx.t("charts.margin"): pd.array(
            [None if m is None or pd.isna(m) else round(float(m), 2) for m in df["margin"]],
            dtype="Float64"),
    })
    download_buttons(ctx, df=table, chart=chart, name=f"sentiment-by-{grain}")
    return {"nps_trend": grain}


# -- which journeys make detractors -------------------------------------------------------


def _num(value: Any, decimals: int = 1) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return round(float(value), decimals)


def _journeys_table(ctx: PageContext, df: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        ctx.t("words.col.path"): [_path_text(p) for p in df["path"]],
        ctx.t("words.col.customers"): df["customers"].astype(int).to_numpy(),
        ctx.t("charts.n"): df["nps_n"].astype(int).to_numpy(),
        ctx.t("words.col.detractor_share"): pd.array(
            [_num(x * 100 if x is not None else None) for x in df["detractor_share"]],
            dtype="Float64"),
        "NPS": pd.array([_num(x) for x in df["nps"]], dtype="Float64"),
        ctx.t("charts.margin"): pd.array([_num(x) for x in df["nps_margin"]], dtype="Float64"),
        ctx.t("charts.vs_rest"): pd.array([_num(x) for x in df["gap"]], dtype="Float64"),
        ctx.t("charts.col_diff_margin"): pd.array([_num(x) for x in df["gap_margin"]],
                                                  dtype="Float64"),
        ctx.t("voc.sentiment"): pd.array([_num(x, 2) for x in df["sentiment"]],
                                         dtype="Float64"),
        ctx.t("charts.note"): [ctx.t("charts.small_sample") if s else ""
                               for s in df["small_sample"]],
    })


def _stats_columns(ctx: PageContext, df: pd.DataFrame) -> dict[str, Any]:
    return {
        ctx.t("words.col.customers"): df["customers"].astype(int).to_numpy(),
        ctx.t("charts.n"): df["nps_n"].astype(int).to_numpy(),
        "NPS": pd.array([_num(x) for x in df["nps"]], dtype="Float64"),
        ctx.t("charts.margin"): pd.array([_num(x) for x in df["nps_margin"]], dtype="Float64"),
        ctx.t("voc.sentiment"): pd.array([_num(x, 2) for x in df["sentiment"]],
                                         dtype="Float64"),
        ctx.t("words.col.sentiment_margin"): pd.array(
            [_num(x, 2) for x in df["sentiment_margin"]], dtype="Float64"),
    }


def _section_points(ctx: PageContext) -> dict[str, Any]:
    """NPS and sentiment per stage and per drop-off point, in an expander that tells the
    server when it opens (keyed, `on_change="rerun"`; its state is in the link): a plain
    expander's content was read and sent on every view of the page, open or not."""
    box, shown = folded(ctx, "words.by_stage_dropoff", key="words_w_points")
    if shown:
        with box:
            _points_tables(ctx)
    return {"nps_points": shown}


def _points_tables(ctx: PageContext) -> None:
    """The two tables, read from the data now (the expander is open)."""
    stages = ctx.query(voc_journeys.by_stage)
    drops = ctx.query(voc_journeys.by_dropoff)
    if stages.empty and drops.empty:
        st.caption(ctx.t("words.no_journeys"))
        return
    if not stages.empty:
        show_table(ctx, pd.DataFrame({
            ctx.t("charts.by.stage"): [ctx.stage_label(s) for s in stages["stage"]],
            **_stats_columns(ctx, stages)}), key="words_by_stage")
    if not drops.empty:
        show_table(ctx, pd.DataFrame({
            ctx.t("words.col.dropoff_point"): [
                ctx.t("words.converted") if k == voc_journeys.KIND_CONVERTED else str(tp)
                for k, tp in zip(drops["kind"], drops["touchpoint"], strict=True)],
            **_stats_columns(ctx, drops)}), key="words_by_dropoff")


def _section_journeys(ctx: PageContext) -> None:
    st.subheader(ctx.t("words.journeys"))
    st.caption(ctx.t("words.journeys_intro"))
    # The variants the path picker reads too (one query for both), ranked here.
    df = voc_journeys.rank_detractors(ctx.query(voc_journeys.by_variant, top=TOP_PATHS))
    if df.empty:
        st.info(ctx.t("words.no_journeys"), icon=":material/info:")
        return
    table = _journeys_table(ctx, df)
    show_caption(ctx.caption(n=int(df["nps_n"].sum())))
    if ctx.workshop:
        show_table(ctx, table)
        return
    event = st.dataframe(table, hide_index=True, width="stretch", key="words_journeys",
                         on_select="rerun", selection_mode="single-row", placeholder=i18n.DASH)
    download_buttons(ctx, df=table, name="detractor-journeys")
    rows = list(getattr(getattr(event, "selection", None), "rows", []) or [])
    if not rows or rows[0] >= len(df):
        st.caption(ctx.t("words.pick_a_journey"))
        return
    _drill(ctx, list(df.iloc[rows[0]]["path"]))


def _drill(ctx: PageContext, path: list[str]) -> None:
    """The customers counted in a variant's NPS, and their words."""
    st.markdown("**" + ctx.t("words.drill", path=i18n.md_escape(_path_text(path))) + "**")
    who = ctx.query(voc_journeys.variant_customers, path=tuple(path))
    if who.empty:
        st.info(ctx.t("words.no_customers"), icon=":material/info:")
        return
    show_table(ctx, pd.DataFrame({
        ctx.t("words.col.customer"): who["customer"].astype(str).to_numpy(),
        ctx.t("charts.by.persona"): who["persona"].fillna("").astype(str).to_numpy(),
        ctx.t("charts.n"): who["nps_answers"].astype(int).to_numpy(),
        ctx.t("words.col.detractor_answers"): who["detractor_answers"].astype(int).to_numpy(),
        ctx.t("words.col.worst_nps"): pd.array(who["worst_nps"], dtype="Int64"),
        ctx.t("voc.sentiment"): pd.array([_num(x, 2) for x in who["sentiment"]],
                                         dtype="Float64"),
    }), key="words_drill_customers")
    words = ctx.query(voc.verbatims, path=tuple(path), limit=EXPORT_MAX)
    if words.empty:
        st.caption(ctx.t("words.no_words"))
        return
    show_table(ctx, _verbatim_table(ctx, words), key="words_drill_verbatims")


# -- the verbatim explorer ----------------------------------------------------------------


def _verbatim_table(ctx: PageContext, df: pd.DataFrame) -> pd.DataFrame:
    """Readable columns, comments as plain text (also the CSV, neutralised by safe_csv)."""
    lang = ctx.lang
    out = pd.DataFrame({
        ctx.t("nps_page.col.date"): [
            i18n.fmt_date(ts, lang) if ts is not None and ts == ts else "" for ts in df["ts"]],
        ctx.t("words.col.customer"): df["customer"].astype(str).to_numpy(),
        ctx.t("charts.by.persona"): df["persona"].fillna("").astype(str).to_numpy(),
        ctx.t("charts.by.stage"): [ctx.stage_label(s) if isinstance(s, str) else ""
                                   for s in df["stage"]],
        ctx.t("charts.by.touchpoint"): df["touchpoint"].fillna("").astype(str).to_numpy(),
        "NPS": pd.array(df["nps"], dtype="Int64"),
        ctx.t("charts.score_group"): [
            ctx.t(f"nps_page.group.{g}") if isinstance(g, str) else "" for g in df["group"]],
        ctx.t("voc.sentiment"): [ctx.t(f"voc.label.{lab}") if isinstance(lab, str) else ""
                                 for lab in df["label"]],
        ctx.t("words.col.score"): pd.array([_num(x, 2) for x in df["sentiment"]],
                                           dtype="Float64"),
        ctx.t("nps_page.col.comment"): df["comment"].astype(str).to_numpy(),
    })
    if df["theme"].notna().any():
        out[ctx.t("words.col.theme")] = df["theme"].fillna("").astype(str).to_numpy()
    return out


def _stages(ctx: PageContext) -> list[str]:
    """The stages some import uses (as the sidebar offers them), never an unused one."""
    return list(ctx.filters.stages) or [str(s) for s in ctx.options["stages"]]


def _paths(ctx: PageContext) -> dict[str, str]:
    """The path picker's choices: variant key -> the path as text, most common first."""
    paths = ctx.query(voc_journeys.by_variant, top=TOP_PATHS)
    return dict(zip(paths["key"], (_path_text(p) for p in paths["path"]), strict=True))


def _themes(ctx: PageContext) -> list[str]:
    """The theme picker's choices: the themes' names as users see them (a rename first), not
    every verbatim read; none when the selection's answers have no theme."""
    if not ctx.query(voc.themes_available):
        return []
    values = ctx.query(themes_figures.themes, examples=0)["label"].dropna().unique().tolist()
    return sorted(map(str, values))


def known(ctx: PageContext) -> dict[str, list[str]]:
    """The values a link may give the explorer's filters (URL key -> choices), from the data:
    the same lists the pickers offer, so a value read from a link is one they can show."""
    return {"nps_stage": [ALL, *_stages(ctx)], "nps_path": [ALL, *_paths(ctx)],
            "nps_theme": [ALL, *_themes(ctx)]}


def filter_kw(ctx: PageContext, values: dict[str, Any]) -> dict[str, Any]:
    """The `voc.verbatims` filters of the explorer's values (URL keys), checked values only."""
    kw: dict[str, Any] = {}
    search = str(values.get("nps_q") or "").strip()
    if search:
        kw["search"] = search
    for key, name in (("nps_group", "group"), ("nps_sent", "label"), ("nps_theme", "theme")):
        value = values.get(key) or ALL
        if value != ALL:
            kw[name] = value
    path_key = values.get("nps_path") or ALL
    if path_key != ALL:
        kw["path"] = tuple(voc_journeys.decode_key(path_key))
    stage = values.get("nps_stage") or ALL
    if stage != ALL:
        kw["filters"] = ctx.filters.replace(stages=(stage,))
    return kw


def page_count(ctx: PageContext, values: dict[str, Any]) -> int:
    """How many pages the verbatims the values pick fill (at least one)."""
    total = int(ctx.query(voc.count_verbatims, **filter_kw(ctx, values)))
    return max(1, math.ceil(total / PAGE_SIZE))


def _filters_row(ctx: PageContext, themes: list[str]) -> dict[str, Any]:
    top = st.columns([2, 1, 1])
    search = top[0].text_input(
        ctx.t("nps_page.search"), key="nps_w_q", max_chars=200,
        placeholder=ctx.t("nps_page.search_placeholder"),
    ) or ""
    group = top[1].selectbox(
        ctx.t("nps_page.score_group"), SCORE_GROUPS, key="nps_w_group",
        format_func=lambda g: ctx.t(f"nps_page.group.{g}"),
    ) or ALL
    label = top[2].selectbox(
        ctx.t("voc.sentiment"), SENTIMENTS, key="words_w_label",
        format_func=lambda s: ctx.t("words.any") if s == ALL else ctx.t(f"voc.label.{s}"),
    ) or ALL
    low = st.columns([1, 2, 1] if themes else [1, 2])
    stage = low[0].selectbox(
        ctx.t("charts.by.stage"), [ALL, *_stages(ctx)], key="words_w_stage",
        format_func=lambda s: ctx.t("words.any") if s == ALL else ctx.stage_label(s),
    ) or ALL
    names = _paths(ctx)
    path_key = low[1].selectbox(
        ctx.t("words.col.path"), [ALL, *names], key="words_w_path",
        format_func=lambda k: ctx.t("words.any") if k == ALL else names.get(k, k),
    ) or ALL
    theme = ALL
    if themes:
        theme = low[2].selectbox(
            ctx.t("words.col.theme"), [ALL, *themes], key="words_w_theme",
            format_func=lambda t: ctx.t("words.any") if t == ALL else str(t),
        ) or ALL
    values = {"nps_q": search, "nps_group": group, "nps_sent": label, "nps_stage": stage,
              "nps_path": path_key if path_key in names else ALL, "nps_theme": theme}
    return {"kw": filter_kw(ctx, values), **values}


def _writers_journeys(ctx: PageContext, kw: dict[str, Any]) -> None:
    """The journeys of the customers behind the verbatims the filters pick (a theme's
    detractors: which journeys they took)."""
    df = ctx.query(voc.writers_journeys, top=TOP_PATHS, **kw)
    if df.empty:
        return
    with st.expander(ctx.t("words.writers_journeys"), expanded=True):
        st.caption(ctx.t("words.writers_journeys_help"))
        show_table(ctx, pd.DataFrame({
            ctx.t("words.col.path"): [_path_text(p) for p in df["path"]],
            ctx.t("words.col.customers"): df["customers"].astype(int).to_numpy(),
            ctx.t("words.col.share_of_writers"): [
                i18n.fmt_pct(x, ctx.lang) for x in df["share"]],
        }), key="words_writers_journeys")


def _section_explorer(ctx: PageContext) -> dict[str, Any]:
    st.subheader(ctx.t("nps_page.verbatims"))
    picked = _filters_row(ctx, _themes(ctx))
    kw = picked.pop("kw")
    total = int(ctx.query(voc.count_verbatims, **kw))
    if total == 0:
        st.info(ctx.t("nps_page.no_verbatims"), icon=":material/chat_bubble_outline:")
        return {**picked, "nps_page": 1}
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = 1
    if pages > 1:
        # Fewer pages than before (a narrower filter, a link's page 999): the page's URL
        # state has already brought it to the last one; never past the end.
        if int(st.session_state.get("words_w_page") or 1) > pages:
            st.session_state["words_w_page"] = pages
        page = int(st.number_input(ctx.t("words.page", pages=i18n.fmt_int(pages, ctx.lang)),
                                   min_value=1, max_value=pages, step=1, key="words_w_page"))
    page = min(max(page, 1), pages)
    df = ctx.query(voc.verbatims, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE, **kw)
    first = (page - 1) * PAGE_SIZE + 1
    show_caption(ctx.caption(extra=ctx.t(
        "words.showing", first=i18n.fmt_int(first, ctx.lang),
        last=i18n.fmt_int(first + len(df) - 1, ctx.lang), total=i18n.fmt_int(total, ctx.lang))))
    if kw:
        _writers_journeys(ctx, kw)
    term = kw.get("search")
    with st.container(key="words_list"):
        for _, row in df.iterrows():
            meta = " · ".join(x for x in (
                ctx.stage_label(row["stage"]) if isinstance(row["stage"], str) else "",
                str(row["touchpoint"]) if isinstance(row["touchpoint"], str) else "",
                f"NPS {int(row['nps'])}" if pd.notna(row["nps"]) else "",
                ctx.t(f"voc.label.{row['label']}") if isinstance(row["label"], str) else "",
            ) if x)
            st.markdown(highlight(str(row["comment"]), term) + "  \n:gray[" +
                        i18n.md_escape(meta) + "]")
    if total > EXPORT_MAX:
        st.caption(ctx.t("words.export_cut", max=i18n.fmt_int(EXPORT_MAX, ctx.lang)))
    # Read and laid out only when the CSV is clicked: up to 5,000 verbatims (a query and a
    # row-by-row table) were a good part of every view of the page.
    download_buttons(
        ctx, df=lambda: _verbatim_table(ctx, ctx.query(voc.verbatims, limit=EXPORT_MAX, **kw)),
        name="verbatims")
    return {**picked, "nps_page": page}


def render(ctx: PageContext, url: UrlState | None = None) -> dict[str, Any]:
    """Sentiment over time, the detractors' journeys, the verbatim explorer; returns the
    values of its controls under their URL keys (the page keeps them in its URL, `url`).
    Each part is a fragment: its controls rerun it alone, and write their keys to `url`."""
    grain = section(ctx, _section_trend, url=url, default={"nps_trend": "month"})
    section(ctx, _section_journeys)
    points = section(ctx, _section_points, url=url, default={"nps_points": False})
    return {**grain, **points, **section(ctx, _section_explorer, url=url)}
