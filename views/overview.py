"""Overview: the headline numbers, the stage funnel, top touchpoints and top drop-offs."""

from __future__ import annotations

import streamlit as st

from journey import i18n
from journey.analytics import flows, metrics, reach, setup
from journey.present import stat_charts
from ui.charts import cached_chart, show_chart
from ui.page import PageContext, current_context
from ui.tables import show_table
from ui.widgets import caption, download_buttons, empty_state, guard


def render(ctx: PageContext) -> None:
    """Tiles, then the funnel beside the top touchpoints and drop-offs."""
    lang = ctx.lang
    st.title(ctx.t("page.overview"))
    ov: dict | None = None
    todo: list[str] = []

    with guard(ctx):
        if not ctx.has_data:
            empty_state(ctx, "no_data")
            return
        todo = _checklist(ctx)
        ov = ctx.query(metrics.overview)
        if not ov["customers"] and not ov["responses"]:
            caption(ctx.caption(n=0))
            if not todo:  # else the checklist above already says what is missing
                empty_state(ctx, "no_match")
            return

        # -- tiles: each says what it counts and on how many (reach.totals) -------------
        n = i18n.fmt_int(ov["journeys"], lang)
        conv_stage = i18n.md_escape(ctx.stage_label(ctx.filters.conversion_stage))
        row = st.container(horizontal=True, gap="medium")
        row.metric(ctx.t("tile.customers"), i18n.fmt_int(ov["customers"], lang), border=True,
                   help=ctx.t("overview.customers_help", n=i18n.fmt_int(ov["customers"], lang)))
        row.metric(ctx.t("tile.journeys"), n, border=True,
                   help=ctx.t("overview.journeys_help", n=n))
        if _conversion_hidden(ctx):
            row.metric(ctx.t("tile.conversion_rate"), i18n.DASH, border=True,
                       help=ctx.t("overview.conversion_hidden", stage=conv_stage))
        else:
            converted = i18n.fmt_int(ov["converted"], lang)
            row.metric(
                ctx.t("tile.conversion_rate"), i18n.fmt_pct(ov["conversion_rate"], lang),
                border=True, delta=ctx.t("overview.converted_of", converted=converted, n=n),
                delta_color="off", delta_arrow="off",
                help=ctx.t("overview.conversion_help", stage=conv_stage, converted=converted,
                           n=n),
            )
        if ov["nps"] is None:
            nps_value, nps_help = i18n.DASH, ctx.t("overview.nps_none")
        else:
            nps_value = ctx.t("overview.nps_value", nps=i18n.fmt_num(ov["nps"], lang, 0),
                              margin=i18n.fmt_num(ov["nps_margin"], lang, 0))
            nps_help = ctx.t("overview.nps_help", n=i18n.fmt_int(ov["nps_n"], lang))
        row.metric(ctx.t("tile.nps"), nps_value, border=True, help=nps_help,
                   delta=ctx.t("stat.n_value", n=i18n.fmt_int(ov["nps_n"], lang)),
                   delta_color="off", delta_arrow="off")
        row.metric(ctx.t("tile.responses"), i18n.fmt_int(ov["responses"], lang), border=True,
                   help=ctx.t("overview.responses_help",
                              n=i18n.fmt_int(ov["responses"], lang)))
        row.metric(
            ctx.t("tile.date_range"),
            i18n.fmt_date_range(ov["first_ts"], ov["last_ts"], lang) if ov["first_ts"]
            else i18n.DASH,
            border=True, help=ctx.t("overview.date_range_help", n=n),
        )
        caption(ctx.caption(n=ov["customers"]))

    # Even halves: at 1440 px beside the sidebar, the tables on the right show every column.
    left, right = st.columns(2, gap="large")

    # -- funnel ------------------------------------------------------------------------------
    with left, guard(ctx):
        st.subheader(ctx.t("overview.funnel"))
        fun = ctx.query(reach.funnel)
        if fun.empty or int(fun["customers"].max()) == 0:
            # Not the filters' fault when the setup checklist above has open points.
            if todo:
                st.info(ctx.t("setup.see_checklist"), icon=":material/checklist:")
            else:
                empty_state(ctx, "no_match")
        else:
            chart = cached_chart(stat_charts.funnel, fun, lang=lang, labels=ctx.stage_labels())
            show_chart(ctx, chart)
            caption(ctx.caption(n=int(fun["customers"].iloc[0]),
                                extra=ctx.t("overview.funnel_note")))
            bar = fun[fun["stage"] == ctx.filters.conversion_stage]
            if not bar.empty:
                # The tile's converted, read off the funnel itself: the same number.
                st.caption(ctx.t(
                    "overview.funnel_conversion",
                    stage=i18n.md_escape(ctx.stage_label(ctx.filters.conversion_stage)),
                    converted=i18n.fmt_int(int(bar["customers"].iloc[0]), lang),
                    n=i18n.fmt_int(int(fun["customers"].iloc[0]), lang)))
            table = fun.assign(stage=[
                ctx.t("charts.funnel.all_journeys") if k == reach.KIND_JOURNEYS
                else ctx.stage_label(s) for k, s in zip(fun["kind"], fun["stage"], strict=True)
            ])
            download_buttons(ctx, df=table, chart=chart, name="funnel")

    # -- top touchpoints --------------------------------------------------------------------
    with right, guard(ctx):
        st.subheader(ctx.t("overview.top_touchpoints"))
        top = ctx.query(metrics.top_touchpoints, limit=10)
        if top.empty:
            empty_state(ctx, "no_match")
        else:
            # The figures first, beside the name: at 1440 px the right-hand column shows
            # them without scrolling sideways; stage and channel come after.
            shown = top.assign(stage=top["stage"].map(ctx.stage_label),
                               channel=top["channel"].fillna(i18n.DASH))[
                ["touchpoint", "customers", "events", "stage", "channel"]
            ]
            show_table(ctx, shown, column_config={
                # Widths in px that add up to the half page at 1440 px (456 px).
                "touchpoint": st.column_config.TextColumn(ctx.t("overview.col.touchpoint"),
                                                          width=140, pinned=True),
                "customers": st.column_config.NumberColumn(
                    ctx.t("overview.col.customers"), format="localized", width=70),
                "events": st.column_config.NumberColumn(
                    ctx.t("overview.col.events"), format="localized", width=80),
                "stage": st.column_config.TextColumn(ctx.t("overview.col.stage"), width=95),
                "channel": st.column_config.TextColumn(ctx.t("overview.col.channel"),
                                                       width=70),
            })
            caption(ctx.caption(n=ov["customers"] if ov else None))
            download_buttons(ctx, df=shown, name="top-touchpoints")

    # -- top drop-offs ---------------------------------------------------------------------
    with right, guard(ctx):
        st.subheader(ctx.t("overview.top_dropoffs"))
        drops = ctx.query(flows.dropoffs)
        if drops.empty:
            empty_state(ctx, "no_match")
        else:
            drops = drops.head(10)
            shown = drops.assign(
                stage=drops["stage"].map(ctx.stage_label),
                rate=drops["dropoff_rate"].map(lambda x: i18n.fmt_pct(x, lang)),
            )[["touchpoint", "rate", "ending", "passing", "stage", "dropoff_rate"]]
            show_table(ctx, shown, column_config={
                "touchpoint": st.column_config.TextColumn(ctx.t("overview.col.touchpoint"),
                                                          width=140, pinned=True),
                "rate": st.column_config.TextColumn(ctx.t("overview.col.dropoff_rate"),
                                                    help=ctx.t("overview.dropoff_note"),
                                                    width=80),
                "ending": st.column_config.NumberColumn(
                    ctx.t("overview.col.ending"), help=ctx.t("overview.col.ending_help"),
                    format="localized", width=85),
                "passing": st.column_config.NumberColumn(
                    ctx.t("overview.col.passing"), help=ctx.t("overview.col.passing_help"),
                    format="localized", width=80),
                "stage": st.column_config.TextColumn(ctx.t("overview.col.stage"), width=70),
                "dropoff_rate": None,  # kept for the CSV, shown as text in the language
            })
            caption(ctx.caption(n=ov["customers"] if ov else None,
                                   extra=ctx.t("overview.dropoff_note")))
            download_buttons(ctx, df=shown.drop(columns=["rate"]), name="top-dropoffs")


def _checklist(ctx: PageContext) -> list[str]:
    """What keeps the data from drawing a map yet (store-wide, `setup.checklist`), each point
    with its count and where to fix it; the open points' codes (empty: nothing to do)."""
    lang = ctx.lang
    check = ctx.query(setup.checklist)
    items = list(check["items"])
    if not items:
        return items
    with st.container(border=True):
        st.subheader(ctx.t("setup.title"))
        for item in items:
            if item == "unstaged":
                one = check["unstaged_touchpoints"] == 1
                st.warning(ctx.t("setup.unstaged_one" if one else "setup.unstaged",
                                 n=i18n.fmt_int(check["unstaged_touchpoints"], lang),
                                 events=i18n.fmt_int(check["unstaged_events"], lang)),
                           icon=":material/label_off:")
            elif item == "no_conversion":
                st.warning(ctx.t("setup.no_conversion" if check["conversion_known"]
                                 else "setup.no_conversion_stage",
                                 stage=i18n.md_escape(ctx.stage_label(check["conversion_stage"]))),
                           icon=":material/flag:")
            else:
                st.warning(ctx.t("setup.no_events"), icon=":material/timeline:")
        if not ctx.workshop:  # the Data page is read-only while projecting
            st.page_link("views/data.py", label=ctx.t("setup.go_data"),
                         icon=":material/arrow_forward:")
    return items


def _conversion_hidden(ctx: PageContext) -> bool:
    """Whether the stage filter hides the conversion stage and every later one (then no
    shown event can convert, and a 0 % would read as a finding)."""
    if not ctx.filters.stages:
        return False
    pos = dict(zip(ctx.stages_df["stage"], ctx.stages_df["position"], strict=True))
    conv = pos.get(ctx.filters.conversion_stage)
    return conv is None or all(pos.get(s, -1) < conv for s in ctx.filters.stages)


if __name__ == "__main__":
    render(current_context())
