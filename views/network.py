"""Touchpoint network: which touchpoints lead to which (directly-follows graph).

UI only: nodes and edges come from `journey.analytics.flows.network`, the HTML from
`journey.present.flow_charts.network_html` (pyvis, vis-network inlined so it works offline),
embedded with `st.iframe`. Names are user data: the builder keeps them plain text (see its
docstring), and the legend here escapes the stage labels.
"""

from __future__ import annotations

import html

import pandas as pd
import streamlit as st

from journey import i18n
from journey.analytics import flows
from journey.present import flow_charts
from ui.filenames import download_name
from ui.page import PageContext, current_context
from ui.tables import show_table
from ui.url_state import Param, UrlState
from ui.widgets import caption as show_caption
from ui.widgets import download_buttons, empty_state, guard, page_over_data, url_notices

P = "network_"
K_MIN, K_PHYSICS = P + "min", P + "physics"
TARGET_EDGES = 60  # the default minimum keeps about this many arrows: a readable picture
LARGE = 200  # from this many touchpoints, positions are computed and physics is off
HEIGHT = 650
WORKSHOP_HEIGHT = 800  # a projected graph fills the screen's height
WORKSHOP_LABEL_PX = 20  # labels read from the back of a room

# The minimum's default depends on the data (default_minimum): None here means "that one".
URL = UrlState(
    "network",
    Param(K_MIN, "int", None, lo=1, widget=K_MIN, label="network.min_transitions"),
    Param(K_PHYSICS, "bool", True, widget=K_PHYSICS, label="network.physics"),
)


def default_minimum(edges: pd.DataFrame, target: int = TARGET_EDGES) -> int:
    """The smallest threshold that keeps at most `target` arrows (at least 1)."""
    if edges.empty or len(edges) <= target:
        return 1
    counts = edges["transitions"].sort_values(ascending=False).to_list()
    return max(1, int(counts[target - 1]) + (1 if counts[target] == counts[target - 1] else 0))


def _legend_items(ctx: PageContext, stages_df: pd.DataFrame, has_unstaged: bool,
                  used: set[str] | None = None) -> list[tuple[str, str]]:
    items = flow_charts.stage_legend(stages_df, ctx.lang, used=used)
    if has_unstaged:
        items.append((ctx.t("network.no_stage"), flow_charts.UNKNOWN_STAGE_COLOR))
    return items


def _legend(ctx: PageContext, items: list[tuple[str, str]]) -> None:
    # Fixed markup; the labels are data and are escaped.
    spans = "".join(
        "<span style='display:inline-flex;align-items:center;margin-right:1.1rem;'>"
        f"<span style='width:0.9rem;height:0.9rem;border-radius:50%;background:{color};"
        "display:inline-block;margin-right:0.35rem;'></span>"
        f"{html.escape(label)}</span>"
        for label, color in items
    )
    size = "1.35rem" if ctx.workshop else "0.9rem"  # inline: out of the workshop CSS's reach
    st.html(
        f"<div style='font-size:{size};'><b>{html.escape(ctx.t('network.legend'))}"
        f"{i18n.colon(ctx.lang)}</b> "
        f"{spans}</div>"
    )


def render(ctx: PageContext) -> None:
    """The network of touchpoints with its threshold, legend, caption and edge table."""
    page_over_data(ctx, "page.network", _render)


def _render(ctx: PageContext) -> None:
    st.caption(ctx.t("network.intro"))
    ss = st.session_state

    with guard(ctx):
        all_nodes, all_edges = ctx.query(flows.network, min_transitions=1)
        if all_nodes.empty:
            empty_state(ctx, "no_match")
            return
        default_min = default_minimum(all_edges)
        top = int(all_edges["transitions"].max()) if len(all_edges) else 1
        values = URL.read(bounds={K_MIN: (1, max(top, 1))})
        url_notices(ctx, URL.notices())
        if values[K_MIN] is None:
            ss[K_MIN] = default_min
        large = len(all_nodes) >= LARGE

        c1, c2 = st.columns([2, 1], vertical_alignment="bottom")
        c1.slider(ctx.t("network.min_transitions"), 1, max(top, 2), key=K_MIN,
                  help=ctx.t("network.min_help"), persist_state="session")
        c2.toggle(ctx.t("network.physics"), key=K_PHYSICS, help=ctx.t("network.physics_help"),
                  disabled=large, persist_state="session")
        shown_values = URL.widget_values()
        if shown_values[K_MIN] == default_min:
            shown_values[K_MIN] = None  # the default follows the data: not pinned in a link
        URL.write(shown_values)
        minimum, physics = int(ss[K_MIN]), bool(ss[K_PHYSICS]) and not large

        nodes, edges = ctx.query(flows.network, min_transitions=minimum)
        stages_df = ctx.stages_df
        has_unstaged = bool(
            (~nodes["stage"].astype("string").isin(stages_df["stage"].astype("string")))
            .fillna(True).any()
        )
        # Only the stages of the drawn nodes: one no import uses has no place in the legend.
        used = {str(x) for x in nodes["stage"].dropna()}
        legend = _legend_items(ctx, stages_df, has_unstaged, used)
        _legend(ctx, legend)
        if large:
            st.caption(ctx.t("network.large_note", n=i18n.fmt_int(len(nodes), ctx.lang)))
        overview = _customers(ctx)
        summary = ctx.t("network.summary", nodes=i18n.fmt_int(len(nodes), ctx.lang),
                        edges=i18n.fmt_int(len(edges), ctx.lang))
        caption = ctx.caption(n=overview, extra=summary)
        png = flow_charts.NetworkPng(
            label=ctx.t("network.png"), title=ctx.t("page.network"), legend=legend,
            caption=str(caption), file_name=download_name("parcours-network", ext="png"),
        )
        height = WORKSHOP_HEIGHT if ctx.workshop else HEIGHT
        page = flow_charts.network_html(
            nodes, edges, lang=ctx.lang, stages_df=stages_df, physics=physics,
            height=f"{height}px", large=LARGE, png=png,
            label_px=WORKSHOP_LABEL_PX if ctx.workshop else flow_charts.LABEL_PX,
        )
        st.iframe(page, height=height + 30)
        show_caption(caption)

        st.subheader(ctx.t("network.edges.title"))
        shown = pd.DataFrame({
            ctx.t("network.col.from"): edges["source"].astype(str),
            ctx.t("network.col.to"): edges["target"].astype(str),
            ctx.t("network.col.transitions"): edges["transitions"].astype(int),
            ctx.t("network.col.customers"): edges["customers"].astype(int),
        })
        display = shown.copy()
        for col in (ctx.t("network.col.transitions"), ctx.t("network.col.customers")):
            display[col] = [i18n.fmt_int(v, ctx.lang) for v in display[col]]
        show_table(ctx, display, height=320)
        download_buttons(ctx, df=shown, name="parcours-network-links")


def _customers(ctx: PageContext) -> int | None:
    """Customers in the filter (for the caption's n); None when it cannot be counted."""
    try:
        from journey.analytics import metrics

        return int(ctx.query(metrics.overview)["customers"])
    except Exception:  # noqa: BLE001 - the caption can live without n
        return None


if __name__ == "__main__":
    render(current_context())
