"""The NPS & voice-of-customer page's themes: themes by stage (heatmap), drivers (what costs
NPS, with margins), and the theme editor (rename, merge, pin).

UI only: the figures come from `journey.analytics.themes` / `drivers`, the charts from
`journey.present.theme_charts`, the edits go through `journey.voc.themes` (kept in the store,
kept across the recompute that follows each import). Theme labels are user text: escaped
wherever Streamlit renders Markdown, plain text in grids and charts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from journey import i18n
from journey.analytics import drivers as drv
from journey.analytics import themes as th
from journey.present import theme_charts as tc
from journey.voc import themes as edits
from ui.charts import cached_chart, show_chart
from ui.fragments import section
from ui.page import PageContext
from ui.tables import show_table
from ui.url_state import UrlState
from ui.widgets import caption as show_caption
from ui.widgets import download_buttons, folded

ALL = "__all__"
TOP_COSTS = 3


def render(ctx: PageContext, url: UrlState | None = None) -> dict[str, Any]:
    """Themes by stage, drivers and the theme editor; an empty state without themes. Returns
    the values of the controls that change what is shown, under their URL keys (None: the
    section's default, left out of links). Each part is a fragment: its controls rerun it
    alone, and write their keys to `url`."""
    st.subheader(ctx.t("themes.title"))
    defaults: dict[str, Any] = {"nps_themes": False, "nps_hm": "share", "nps_drv_stage": None,
                                "nps_manage": False}
    # Without examples: only the (folded) editor shows them, and reads them when opened.
    listing = ctx.query(th.themes, examples=0)
    if listing.empty or int(listing["size"].sum()) == 0:
        st.info(ctx.t("themes.empty"), icon=":material/chat_bubble_outline:")
        if not listing.empty:
            defaults.update(section(ctx, _editor, url=url, default={"nps_manage": False}))
        return defaults
    st.caption(ctx.t("themes.intro"))
    figures = section(ctx, _figures, url=url,
                      default={"nps_themes": False, "nps_hm": "share", "nps_drv_stage": None})
    # The editor's forms write to the store and rerun the whole page (st.rerun).
    editor = section(ctx, _editor, url=url, default={"nps_manage": False})
    return {**defaults, **figures, **editor}


def _figures(ctx: PageContext) -> dict[str, Any]:
    """The themes by stage and the drivers, made only while their expander is open (its state
    under its URL key): folded, a filter change reads neither (two queries and two charts,
    a fifth of the page's rerun). Its controls rerun this section alone."""
    box, shown = folded(ctx, "instant2.themes_figures", key="themes_w_figures")
    if not shown:
        # The controls keep their values for when it opens again (and the link keeps them).
        return {"nps_themes": False,
                "nps_hm": st.session_state.get("themes_w_value") or "share",
                "nps_drv_stage": None}
    with box:
        st.caption(ctx.t("instant2.themes_figures_note"))
        value = _heatmap(ctx)
        stage = _drivers(ctx)
    return {"nps_themes": True, **value, **stage}


def _driver_stages(df: pd.DataFrame) -> list[str]:
    if df.empty:
        return []
    return [s for s in dict.fromkeys(df.loc[df["scope"] == "stage", "group"].tolist())
            if isinstance(s, str)]


def known(ctx: PageContext) -> dict[str, Any]:
    """The stages a link may pick for the drivers (the picker's choices), from the data; read
    only when the link (or the page) opens the drivers (`nps_themes`, parsed before): a
    folded section costs no query, and a stage for it is then not used."""
    def stages(so_far: dict[str, Any]) -> list[str]:
        if not so_far.get("nps_themes"):
            return [ALL]
        return [ALL, *_driver_stages(ctx.query(drv.drivers, by="stage"))]

    return {"nps_drv_stage": stages}


def _heatmap(ctx: PageContext) -> dict[str, Any]:
    value = st.segmented_control(
        ctx.t("themes.value"), tc.VALUES, key="themes_w_value", required=True,
        format_func=lambda v: ctx.t(f"themes.value.{v}"),
    ) or "share"
    df = ctx.query(th.by_stage)
    chart = cached_chart(tc.heatmap, df, lang=ctx.lang, value=value,
                         stage_labels=ctx.stage_labels())
    table = pd.DataFrame({
        ctx.t("themes.theme"): df["label"].astype(str).to_numpy(),
        ctx.t("charts.by.stage"): [ctx.stage_label(s) for s in df["stage"]],
        ctx.t("charts.n"): df["size"].astype(int).to_numpy(),
        ctx.t("themes.value.share") + " (%)": (df["share"].astype(float) * 100).round(1)
        .to_numpy(),
        "NPS": df["nps"].astype(float).round(1).to_numpy(),
        ctx.t("charts.margin"): df["margin"].astype(float).round(1).to_numpy(),
    })
    caption = ctx.caption(n=int(df["size"].sum()) if not df.empty else 0)
    show_chart(ctx, chart)
    show_caption(caption)
    download_buttons(ctx, df=table, chart=chart, name=f"themes-by-stage-{value}")
    return {"nps_hm": value}


def _drivers(ctx: PageContext) -> dict[str, Any]:
    """The drivers at the picked stage; returns that stage (None when it is the default)
    under its URL key."""
    st.subheader(ctx.t("themes.drivers"))
    df = ctx.query(drv.drivers, by="stage")
    if df.empty:
        st.info(ctx.t("themes.no_drivers"), icon=":material/info:")
        return {"nps_drv_stage": None}
    stages = _driver_stages(df)
    options = [ALL, *stages]
    # The conversion stage first: what costs NPS where customers buy.
    default = ctx.filters.conversion_stage if ctx.filters.conversion_stage in stages else ALL
    if st.session_state.get("themes_w_stage") not in options:
        st.session_state["themes_w_stage"] = default
    stage = st.selectbox(
        ctx.t("themes.at_stage"), options, key="themes_w_stage",
        format_func=lambda s: ctx.t("themes.all_stages") if s == ALL else ctx.stage_label(s),
    )
    part = df[df["scope"] == "all"] if stage == ALL else df[
        (df["scope"] == "stage") & (df["group"] == stage)]
    where = ctx.t("themes.all_stages") if stage == ALL else ctx.stage_label(stage)
    costly = part[part["impact"] < 0].head(TOP_COSTS)
    if costly.empty:
        st.caption(ctx.t("themes.no_cost", stage=i18n.md_escape(where)))
    else:
        st.markdown(ctx.t("themes.top_costs", stage=i18n.md_escape(where)))
        cols = st.columns(TOP_COSTS)
        for col, row in zip(cols, costly.itertuples(index=False), strict=False):
            col.metric(
                i18n.md_escape(str(row.label)),
                ctx.t("themes.points", value=i18n.fmt_signed(float(row.impact), ctx.lang, 1)),
                help=ctx.t("themes.impact_help", n=i18n.fmt_int(int(row.n), ctx.lang),
                           nps=i18n.fmt_signed(float(row.nps), ctx.lang, 0),
                           others=i18n.fmt_signed(float(row.nps_others), ctx.lang, 0),
                           margin=i18n.fmt_num(float(row.margin), ctx.lang, 1)),
                # A cost whose interval holds 0 is said to be possibly noise, not hidden.
                delta=ctx.t("map.could_be_noise") if row.noise else None, delta_color="off",
                delta_arrow="off",
            )
    chart = cached_chart(tc.drivers, part, lang=ctx.lang)
    table = pd.DataFrame({
        ctx.t("themes.theme"): part["label"].astype(str).to_numpy(),
        ctx.t("charts.n"): part["n"].astype(int).to_numpy(),
        ctx.t("themes.value.share") + " (%)": (part["share"] * 100).round(1).to_numpy(),
        "NPS": part["nps"].round(1).to_numpy(),
        ctx.t("themes.col.nps_others"): part["nps_others"].round(1).to_numpy(),
        ctx.t("themes.col.gap"): part["gap"].round(1).to_numpy(),
        ctx.t("charts.col_diff_margin"): part["margin"].round(1).to_numpy(),
        ctx.t("map.col_verdict"): [ctx.t("map.could_be_noise") if n else
                                   ctx.t("map.beyond_noise") for n in part["noise"]],
        ctx.t("themes.col.impact"): part["impact"].round(2).to_numpy(),
    })
    show_chart(ctx, chart)
    show_caption(ctx.caption(n=int(part["group_n"].max()), extra=ctx.t("themes.drivers_note")))
    show_table(ctx, table, key="themes_drivers")
    download_buttons(ctx, df=table, chart=chart, name="theme-drivers")
    return {"nps_drv_stage": None if stage == default else stage}


def _editor(ctx: PageContext) -> dict[str, Any]:
    """Rename, merge, pin: written to the store at once, kept across recomputes. Made only
    while its expander is open (its state under its URL key)."""
    box, shown = folded(ctx, "themes.manage", key="themes_w_manage")
    if shown:  # folded: nothing of it is made or sent, its examples not even read
        with box:
            _edit(ctx, ctx.query(th.themes))
    return {"nps_manage": shown}


def _edit(ctx: PageContext, listing: pd.DataFrame) -> None:
    """The themes' table, the theme picker and its rename / merge / pin forms."""
    labels = {int(i): str(lab) for i, lab in zip(listing["id"], listing["label"], strict=True)}
    ids = list(labels)
    table = pd.DataFrame({
        "id": ids, ctx.t("themes.theme"): [labels[i] for i in ids],
        ctx.t("themes.col.auto"): listing["auto_label"].astype(str).to_numpy(),
        ctx.t("charts.n"): listing["size"].astype(int).to_numpy(),
        ctx.t("themes.col.pinned"): listing["pinned"].astype(bool).to_numpy(),
        ctx.t("themes.col.examples"): [" | ".join(map(str, ex))
                                       for ex in listing["examples"]],
    })
    show_table(ctx, table, key="themes_list")
    theme = st.selectbox(ctx.t("themes.pick"), ids, key="themes_w_pick",
                         format_func=lambda i: f"{i} · {labels.get(i, '')}")
    if theme is None:
        return
    with st.form("themes_rename", border=False):
        label = st.text_input(ctx.t("themes.new_label"), max_chars=edits.LABEL_MAX,
                              key="themes_w_label")
        if st.form_submit_button(ctx.t("themes.rename")):
            _apply(ctx, lambda: edits.rename(ctx.store, theme, label))
    others = [i for i in ids if i != theme]
    if others:
        with st.form("themes_merge", border=False):
            other = st.selectbox(ctx.t("themes.merge_from"), others, key="themes_w_other",
                                 format_func=lambda i: f"{i} · {labels.get(i, '')}")
            if st.form_submit_button(ctx.t("themes.merge")):
                _apply(ctx, lambda: edits.merge(ctx.store, theme, int(other)))
    pinned = bool(listing.loc[listing["id"] == theme, "pinned"].iloc[0])
    key = "themes.unpin" if pinned else "themes.pin"
    if st.button(ctx.t(key), key="themes_w_pin", help=ctx.t("themes.pin_help")):
        _apply(ctx, lambda: edits.pin(ctx.store, theme, not pinned))


def _apply(ctx: PageContext, edit: Callable[[], None]) -> None:
    try:
        edit()
    except edits.ThemeError as exc:
        st.error(i18n.md_escape(str(exc)), icon=":material/error:")
        return
    # The store's data version moved: every figure on the page is read again.
    st.rerun()
