"""Attribution: the seven models side by side, and what to fix first.

UI only: credits come from `journey.analytics.attribution.compare`, the ranked fixes from
`journey.analytics.fix_first.fix_first`, the chart from `journey.present.attribution_charts`.
The sidebar's filters choose the journeys; the page's own controls (level, half-life,
lookback) live in the URL like every other page's.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from journey import i18n
from journey.analytics import attribution, fix_first, reach
from journey.present import attribution_charts
from ui.charts import cached_chart, show_chart
from ui.page import PageContext, current_context
from ui.tables import show_table
from ui.url_state import Param, UrlState
from ui.widgets import caption, download_buttons, empty_state, guard, page_over_data, url_notices

P = "attribution_"
K_LEVEL, K_HALF_LIFE, K_LOOKBACK = P + "level", P + "half_life", P + "lookback"
MAX_DAYS = 3650
FIX_ROWS = 10

URL = UrlState(
    "attribution",
    Param(K_LEVEL, "str", "touchpoint", choices=attribution.LEVELS, widget=K_LEVEL,
          label="attribution.level"),
    Param(K_HALF_LIFE, "int", int(attribution.DEFAULT_HALF_LIFE_DAYS), lo=1, hi=MAX_DAYS,
          widget=K_HALF_LIFE, label="attribution.half_life"),
    # No value: no window (the whole journey), shown as "no limit", never as a 0.
    Param(K_LOOKBACK, "int", None, lo=1, hi=MAX_DAYS, widget=K_LOOKBACK,
          label="attribution.lookback"),
)

# Literal keys (the catalogue test finds every key in the code).
MODEL_KEYS = {
    "first": "attribution.model_first", "last": "attribution.model_last",
    "linear": "attribution.model_linear", "time_decay": "attribution.model_time_decay",
    "position": "attribution.model_position", "markov": "attribution.model_markov",
    "shapley": "attribution.model_shapley",
}
LEVEL_KEYS = {"touchpoint": "attribution.level_touchpoint",
              "channel": "attribution.level_channel"}


def render(ctx: PageContext) -> None:
    """Controls, the grouped bars and the credits table, then the "fix first" table."""
    page_over_data(ctx, "page.attribution", _render)


def _node_labels(ctx: PageContext) -> dict[str, str]:
    return {attribution.NONE_BEFORE: ctx.t("attribution.none_before"),
            attribution.NO_CHANNEL: ctx.t("attribution.no_channel")}


def _controls(ctx: PageContext) -> attribution.AttributionOptions:
    URL.read()
    url_notices(ctx, URL.notices())
    c1, c2, c3 = st.columns([1.2, 1, 1], vertical_alignment="bottom")
    c1.segmented_control(
        ctx.t("attribution.level"), list(attribution.LEVELS), key=K_LEVEL, required=True,
        format_func=lambda v: ctx.t(LEVEL_KEYS[v]), persist_state="session",
    )
    c2.number_input(ctx.t("attribution.half_life"), min_value=1, max_value=MAX_DAYS, step=1,
                    key=K_HALF_LIFE, help=ctx.t("attribution.half_life_help"),
                    persist_state="session")
    c3.number_input(ctx.t("attribution.lookback"), min_value=1, max_value=MAX_DAYS, step=1,
                    value=None, key=K_LOOKBACK, placeholder=ctx.t("mends.lookback.none"),
                    help=ctx.t("mends.lookback.help"), persist_state="session")
    values = URL.widget_values()
    URL.write(values)
    lookback = int(values[K_LOOKBACK] or 0)
    return attribution.AttributionOptions(
        level=str(values[K_LEVEL] or "touchpoint"),
        half_life_days=float(values[K_HALF_LIFE] or attribution.DEFAULT_HALF_LIFE_DAYS),
        lookback_days=float(lookback) if lookback > 0 else None,
    )


def _render(ctx: PageContext) -> None:
    lang = ctx.lang
    stage = i18n.md_escape(ctx.stage_label(ctx.filters.conversion_stage))
    st.caption(ctx.t("attribution.intro", stage=stage))
    with guard(ctx):
        options = _controls(ctx)
        credits = ctx.query(attribution.compare, options=options)
        # The converted figure every model's credits add up to (reach.totals: one definition).
        totals = ctx.query(reach.totals)
        journeys, converted = int(totals["journeys"]), int(totals["converted"])
        if credits.empty:
            caption(ctx.caption(n=0))
            empty_state(ctx, "no_match")
            return
        if converted == 0:
            st.info(ctx.t("attribution.no_conversion", stage=stage), icon=":material/info:")
            caption(ctx.caption(n=journeys))
            return
        labels = _node_labels(ctx)
        model_labels = {m: ctx.t(k) for m, k in MODEL_KEYS.items()}
        node_title = ctx.t(LEVEL_KEYS[options.level])
        summary = ctx.t("attribution.summary", conversions=i18n.fmt_int(converted, lang),
                        journeys=i18n.fmt_int(journeys, lang))

        st.subheader(ctx.t("attribution.chart_title"))
        chart = cached_chart(
            attribution_charts.models_bars, credits, lang=lang, model_labels=model_labels,
            node_labels=labels, node_title=node_title,
        )
        show_chart(ctx, chart)
        caption(ctx.caption(n=journeys, extra=summary))
        st.caption(ctx.t("attribution.exact_note"))

        st.subheader(ctx.t("attribution.table_title"))
        wide = credits.pivot(index="node", columns="model", values="conversions")
        order = list(dict.fromkeys(credits["node"]))
        wide = wide.reindex(index=order, columns=list(attribution.MODELS)).reset_index()
        n_of = credits.drop_duplicates("node").set_index("node")
        wide.insert(1, "journeys", [int(n_of.loc[n, "journeys"]) for n in wide["node"]])
        wide.insert(2, "converting", [int(n_of.loc[n, "converting"]) for n in wide["node"]])
        wide["node"] = [labels.get(n, n) for n in wide["node"]]
        config = {
            "node": st.column_config.TextColumn(node_title, pinned=True),
            "journeys": st.column_config.NumberColumn(
                ctx.t("attribution.col_journeys"), help=ctx.t("attribution.col_journeys_help"),
                format="localized"),
            "converting": st.column_config.NumberColumn(
                ctx.t("attribution.col_converting"), format="localized"),
        }
        for model in attribution.MODELS:
            config[model] = st.column_config.NumberColumn(ctx.t(MODEL_KEYS[model]), format="%.1f")
        show_table(ctx, wide, column_config=config)
        long = credits.assign(
            model=[model_labels[m] for m in credits["model"]],
            node=[labels.get(n, n) for n in credits["node"]],
        ).rename(columns={
            "model": ctx.t("attribution.col_model"), "node": node_title,
            "journeys": ctx.t("attribution.col_journeys"),
            "converting": ctx.t("attribution.col_converting"),
            "conversions": ctx.t("attribution.col_conversions"),
            "share": ctx.t("attribution.col_share"), "revenue": ctx.t("attribution.col_revenue"),
        })
        download_buttons(ctx, df=long, chart=chart, name="attribution")

    with guard(ctx):
        _fix_first(ctx)


def _pm(ctx: PageContext, value: float, margin: float, digits: int = 1) -> str:
    if pd.isna(value):
        return i18n.DASH
    if pd.isna(margin):
        return i18n.fmt_num(value, ctx.lang, digits)
    return ctx.t("attribution.pm", value=i18n.fmt_num(value, ctx.lang, digits),
                 margin=i18n.fmt_num(margin, ctx.lang, digits))


def _fix_first(ctx: PageContext) -> None:
    st.subheader(ctx.t("attribution.fix_title"))
    st.caption(ctx.t("attribution.fix_intro"))
    table = ctx.query(fix_first.fix_first)
    if table.empty:
        empty_state(ctx, "no_match")
        return
    top = table.head(FIX_ROWS)
    shown = pd.DataFrame({
        "rank": top["rank"],
        "touchpoint": top["touchpoint"].astype(str),
        "stage": [ctx.stage_label(s) for s in top["stage"]],
        "extra": [_pm(ctx, v, m) for v, m in zip(top["extra_conversions"], top["extra_margin"],
                                                 strict=True)],
        "lost": top["lost"],
        "dropoff": [_pm(ctx, v, m) for v, m in zip(top["dropoff_rate"], top["dropoff_margin"],
                                                   strict=True)],
        "median": [i18n.fmt_num(v, ctx.lang, 1) for v in top["stage_median_dropoff"]],
        "difference": [_pm(ctx, v, m) for v, m in zip(
            top["conversion_difference"], top["difference_margin"], strict=True)],
        "removal": [_pm(ctx, v * 100.0, m * 100.0) for v, m in zip(
            top["removal_effect"], top["removal_margin"], strict=True)],
        "passing": top["passing"],
        "noise": [fix_first.is_noise(r) for _i, r in top.iterrows()],
    })
    show_table(ctx, shown, column_config={
        "rank": st.column_config.NumberColumn("#", width=40),
        "touchpoint": st.column_config.TextColumn(ctx.t("attribution.col_touchpoint"),
                                                  pinned=True),
        "stage": st.column_config.TextColumn(ctx.t("attribution.col_stage")),
        "extra": st.column_config.TextColumn(ctx.t("attribution.col_extra"),
                                             help=ctx.t("attribution.col_extra_help")),
        "lost": st.column_config.NumberColumn(ctx.t("attribution.col_lost"),
                                              help=ctx.t("attribution.col_lost_help"),
                                              format="localized"),
        "dropoff": st.column_config.TextColumn(ctx.t("attribution.col_dropoff")),
        "median": st.column_config.TextColumn(ctx.t("attribution.col_median")),
        "difference": st.column_config.TextColumn(ctx.t("attribution.col_difference"),
                                                  help=ctx.t("attribution.col_difference_help")),
        "removal": st.column_config.TextColumn(ctx.t("attribution.col_removal"),
                                               help=ctx.t("attribution.col_removal_help")),
        "passing": st.column_config.NumberColumn(ctx.t("attribution.col_passing"),
                                                 format="localized"),
        "noise": st.column_config.CheckboxColumn(ctx.t("attribution.col_noise"),
                                                 help=ctx.t("attribution.col_noise_help")),
    })
    caption(ctx.caption(n=int(ctx.query(reach.totals)["journeys"]),
                        extra=ctx.t("attribution.fix_note")))
    download_buttons(ctx, df=table.assign(stage=[ctx.stage_label(s) for s in table["stage"]]),
                     name="fix-first")


if __name__ == "__main__":
    render(current_context())
