"""Flows: where journeys go, step by step (the step Sankey), their most common paths and the
transitions between touchpoints or stages.

UI only: the numbers come from `journey.analytics.flows`, the chart spec from
`journey.present.flow_charts`.
The page's controls live in the URL under `flows_*` keys, so a copied link reopens the view.
A click on a Sankey node drills in: start the journeys there, or keep only the journeys that
go through it (a page-level drill-down shown as a chip, added to the filters' `includes`).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from journey import i18n
from journey.analytics import flows
from journey.present import flow_charts
from ui.filenames import safe_stem
from ui.page import PageContext, current_context
from ui.tables import show_table
from ui.url_state import Param, UrlState
from ui.widgets import caption as show_caption
from ui.widgets import download_buttons, empty_state, guard, page_over_data, url_notices
from ui.workshop import big_echarts

P = "flows_"  # prefix of this page's widget keys and URL params (the same keys)
K = {
    "level": P + "level", "steps": P + "steps", "top": P + "top", "start": P + "start",
    "end": P + "end", "repeats": P + "repeats", "gap": P + "gap", "through": P + "through",
}
GAPS: dict[str, float | None] = {"none": None, "30m": 30.0, "1d": 1440.0}
GEN = "_flows_chart_gen"  # bumped on drill-down: a new chart key clears the old selection
TOP_MAX = 30

URL = UrlState(
    "flows",
    Param(K["level"], "str", "touchpoint", choices=tuple(flows.LEVELS), widget=K["level"],
          label="flows.level"),
    Param(K["steps"], "int", 5, lo=flows.MIN_STEPS, hi=flows.MAX_STEPS, widget=K["steps"],
          label="flows.steps"),
    Param(K["top"], "int", 8, lo=1, hi=TOP_MAX, widget=K["top"], label="flows.top"),
    Param(K["start"], "str", widget=K["start"], label="flows.start"),
    Param(K["end"], "str", widget=K["end"], label="flows.end"),
    Param(K["repeats"], "bool", False, widget=K["repeats"], label="flows.repeats"),
    Param(K["gap"], "str", "none", choices=tuple(GAPS), widget=K["gap"], label="flows.gap"),
    # `includes` is a touchpoint condition: no drill-through at the stage level.
    Param(K["through"], "str", widget=K["through"], label="flows.drill.only_through"),
)


def _anchors(ctx: PageContext, level: str) -> list[str]:
    """What a journey may start or end at, and be drilled through, at this level."""
    key = "stages" if level == "stage" else "touchpoints"
    return list(ctx.options.get(key) or [])


def _known(ctx: PageContext) -> dict[str, Any]:
    def anchors(values: dict[str, Any]) -> list[str]:
        return _anchors(ctx, values[K["level"]])

    def through(values: dict[str, Any]) -> list[str]:
        return anchors(values) if values[K["level"]] == "touchpoint" else []

    return {K["start"]: anchors, K["end"]: anchors, K["through"]: through}


# -- drill-down callbacks (run before the next script run, so they may set widget state) -------
def _drill_start(name: str) -> None:
    st.session_state[K["start"]] = name
    st.session_state[K["end"]] = None
    st.session_state[GEN] = st.session_state.get(GEN, 0) + 1


def _drill_through(name: str) -> None:
    st.session_state[K["through"]] = name
    st.session_state[GEN] = st.session_state.get(GEN, 0) + 1


def _clear_drill() -> None:
    st.session_state[K["through"]] = None
    st.session_state[K["start"]] = None
    st.session_state[GEN] = st.session_state.get(GEN, 0) + 1


# -- drawing ------------------------------------------------------------------------------------
def _controls(ctx: PageContext, anchor_options: list[str], label_of) -> None:
    c1, c2, c3, c4 = st.columns([1.2, 1, 1, 1.2])
    c1.segmented_control(
        ctx.t("flows.level"), list(flows.LEVELS), key=K["level"], required=True,
        format_func=lambda v: ctx.t(f"flows.level.{v}"), persist_state="session",
    )
    c2.slider(ctx.t("flows.steps"), flows.MIN_STEPS, flows.MAX_STEPS, key=K["steps"],
              help=ctx.t("flows.steps_help"), persist_state="session")
    c3.slider(ctx.t("flows.top"), 1, 30, key=K["top"], help=ctx.t("flows.top_help"),
              persist_state="session")
    c4.selectbox(
        ctx.t("flows.gap"), list(GAPS), key=K["gap"],
        format_func=lambda v: ctx.t(f"flows.gap.{v}"), help=ctx.t("flows.gap_help"),
        persist_state="session",
    )
    d1, d2, d3 = st.columns([1.2, 1.2, 1])
    d1.selectbox(
        ctx.t("flows.start"), anchor_options, key=K["start"], format_func=label_of,
        placeholder=ctx.t("flows.anchor_any"), help=ctx.t("flows.start_help"),
        persist_state="session",
    )
    d2.selectbox(
        ctx.t("flows.end"), anchor_options, key=K["end"], format_func=label_of,
        placeholder=ctx.t("flows.anchor_any"), help=ctx.t("flows.end_help"),
        persist_state="session",
    )
    d3.toggle(ctx.t("flows.repeats"), key=K["repeats"], help=ctx.t("flows.repeats_help"),
              persist_state="session")


def _chips(ctx: PageContext, label_of) -> None:
    ss = st.session_state
    through, start = ss.get(K["through"]), ss.get(K["start"])
    if not through and not start:
        return
    row = st.container(horizontal=True, gap="small", vertical_alignment="center")
    if through:
        row.badge(ctx.t("flows.drill.through_chip", name=i18n.md_escape(label_of(through))),
                  icon=":material/filter_alt:", color="blue")
    if start:
        row.badge(ctx.t("flows.drill.start_chip", name=i18n.md_escape(label_of(start))),
                  icon=":material/start:", color="violet")
    row.button(ctx.t("flows.drill.clear"), key="flows_clear_drill", on_click=_clear_drill,
               icon=":material/close:", type="tertiary")


def _node_panel(ctx: PageContext, node: dict[str, Any], level: str, label_of) -> None:
    """What a click on a node offers: start there, or keep journeys through it."""
    kind = node.get("kind")
    name = str(node.get("name"))
    with st.container(border=True):
        if kind != flow_charts.KIND_NODE:
            word = ctx.t("flows.chart.dropoff") if kind == flow_charts.KIND_DROPOFF \
                else ctx.t("flows.chart.other")
            st.markdown(ctx.t("flows.drill.not_drillable", name=word))
            return
        st.markdown(ctx.t(
            "flows.drill.selected", name=i18n.md_escape(label_of(name)),
            step=i18n.fmt_int(node.get("step"), ctx.lang),
            n=i18n.fmt_int(node.get("customers"), ctx.lang),
        ))
        row = st.container(horizontal=True, gap="small")
        row.button(ctx.t("flows.drill.start_here"), key="flows_drill_start",
                   on_click=_drill_start, args=(name,), icon=":material/start:")
        if level == "touchpoint":
            row.button(ctx.t("flows.drill.only_through"), key="flows_drill_through",
                       on_click=_drill_through, args=(name,), icon=":material/filter_alt:")


def _sankey_height(sk: dict[str, Any]) -> int:
    per_step: dict[int, int] = {}
    for n in sk.get("nodes", []):
        per_step[n["step"]] = per_step.get(n["step"], 0) + 1
    tallest = max(per_step.values(), default=1)
    return int(min(max(420, 120 + 42 * tallest), 1100))


def _links_table(ctx: PageContext, sk: dict[str, Any], label_of) -> pd.DataFrame:
    rows = []
    by_id = {n["id"]: n for n in sk.get("nodes", [])}

    def shown(node_id: str) -> str:
        n = by_id.get(node_id) or {}
        if n.get("kind") == flow_charts.KIND_DROPOFF:
            return ctx.t("flows.chart.dropoff")
        if n.get("kind") == flow_charts.KIND_OTHER:
            return ctx.t("flows.chart.other")
        return label_of(n.get("name", node_id))

    for lk in sk.get("links", []):
        rows.append({
            ctx.t("flows.col.step"): lk["step"],
            ctx.t("flows.col.from"): shown(lk["source_id"]),
            ctx.t("flows.col.to"): shown(lk["target_id"]),
            ctx.t("flows.col.customers"): int(lk["customers"]),
            ctx.t("flows.col.share"): float(lk["share"]),
        })
    return pd.DataFrame(rows)


def render(ctx: PageContext) -> None:
    """Controls, the step Sankey with its drill-down, then top paths and transitions."""
    page_over_data(ctx, "page.flows", _render)


def _render(ctx: PageContext) -> None:

    ss = st.session_state
    values = URL.read(known=_known(ctx))
    url_notices(ctx, URL.notices())
    level = values[K["level"]]
    anchor_options = _anchors(ctx, level)
    if level == "stage":
        def label_of(v: Any) -> str:
            return ctx.stage_label(v)
    else:
        def label_of(v: Any) -> str:
            return str(v)

    with st.container(border=True):
        _controls(ctx, anchor_options, label_of)
    URL.write(URL.widget_values())
    _chips(ctx, label_of)

    level = ss[K["level"]]
    steps, top = int(ss[K["steps"]]), int(ss[K["top"]])
    start, end = ss.get(K["start"]), ss.get(K["end"])
    repeats, gap = bool(ss[K["repeats"]]), GAPS.get(ss[K["gap"]])
    through = ss.get(K["through"])
    filters = ctx.filters
    if through and level == "touchpoint":
        filters = filters.replace(includes=(*filters.includes, through))
    labels = ctx.stage_labels() if level == "stage" else None
    # Colours fixed per store (not per view): a touchpoint keeps its colour after a drill-down;
    # stages use the network page's stage colours.
    colors = (flow_charts.stage_colors(ctx.stages_df) if level == "stage"
              else flow_charts.touchpoint_colors(anchor_options, ordered=True))
    opts = flows.FlowOptions(level=level, keep_repeats=repeats, session_gap=gap)
    journeys: int | None = None

    with guard(ctx):
        sk = ctx.query(flows.sankey, filters=filters, steps=steps, top=top,
                       start_at=start, end_at=end, options=opts)
        journeys = int(sk.get("journeys") or 0)
        drawn = int(sk.get("anchored_journeys") or 0)
        extra = []
        if start or end:
            extra.append(ctx.t("flows.caption.anchored", n=i18n.fmt_int(drawn, ctx.lang)))
        if start:
            extra.append(ctx.t("flows.caption.start", name=label_of(start)))
        if end:
            extra.append(ctx.t("flows.caption.end", name=label_of(end)))
        if gap:
            extra.append(ctx.t(f"flows.gap.{ss[K['gap']]}"))
        caption = ctx.caption(filters=filters, n=journeys, extra=" · ".join(extra) or None)
        if not sk.get("nodes"):
            empty_state(ctx, "no_match")
            if start or end or through:
                st.button(ctx.t("flows.drill.clear"), key="flows_clear_empty",
                          on_click=_clear_drill, icon=":material/close:")
            return

        title = ctx.t(f"flows.chart_title.{level}", steps=steps)
        option = flow_charts.sankey_option(sk, lang=ctx.lang, title=title, labels=labels,
                                      subtitle=caption, file_name=safe_stem("parcours-flows"),
                                      colors=colors)
        if ctx.workshop:
            option = big_echarts(option)
        event = st.echarts_chart(
            option, on_select="rerun", key=f"flows_sankey_{ss.get(GEN, 0)}",
            height=_sankey_height(sk), alt=title,
        )
        show_caption(caption)
        picked = flow_charts.selected_nodes(sk, event)
        if picked:
            _node_panel(ctx, picked[0], level, label_of)
        else:
            st.caption(ctx.t("flows.drill.hint"))
        links_df = _links_table(ctx, sk, label_of)
        download_buttons(ctx, df=links_df, name="parcours-flows-links")

    st.subheader(ctx.t("flows.paths.title"))
    with guard(ctx):
        paths = ctx.query(flows.top_paths, filters=filters, steps=steps, limit=20, options=opts)
        if paths.empty:
            empty_state(ctx, "no_match")
        else:
            shown = pd.DataFrame({
                ctx.t("flows.col.path"): [
                    " → ".join(label_of(x) for x in p) for p in paths["path"]
                ],
                ctx.t("flows.col.customers"): paths["customers"].astype(int),
                ctx.t("flows.col.share"): paths["share"].astype(float),
            })
            _table(ctx, shown, pct=(ctx.t("flows.col.share"),))
            show_caption(ctx.caption(filters=filters, n=journeys,
                                     extra=ctx.t("flows.paths.note", steps=steps)))
            download_buttons(ctx, df=shown, name="parcours-top-paths")

    st.subheader(ctx.t("flows.transitions.title"))
    with guard(ctx):
        tr = ctx.query(flows.transitions, filters=filters, options=opts)
        if tr.empty:
            empty_state(ctx, "no_match")
        else:
            # Markers go by kind, never by name: a touchpoint may really be called "(start)".
            marker = {flows.KIND_START: ctx.t("flows.marker.start"),
                      flows.KIND_END: ctx.t("flows.marker.end")}

            def name(v: Any, kind: str) -> str:
                return marker.get(kind) or label_of(v)

            shown_tr = pd.DataFrame({
                ctx.t("flows.col.from"): [
                    name(v, k) for v, k in zip(tr["source"], tr["source_kind"], strict=True)
                ],
                ctx.t("flows.col.to"): [
                    name(v, k) for v, k in zip(tr["target"], tr["target_kind"], strict=True)
                ],
                ctx.t("flows.col.transitions"): tr["transitions"].astype(int),
                ctx.t("flows.col.customers"): tr["customers"].astype(int),
                ctx.t("flows.col.share_of_source"): tr["share_of_source"].astype(float),
                ctx.t("flows.col.median_minutes"): tr["median_minutes"].astype(float),
            })
            _table(ctx, shown_tr, height=380, pct=(ctx.t("flows.col.share_of_source"),),
                   num=(ctx.t("flows.col.median_minutes"),))
            show_caption(ctx.caption(filters=filters, n=journeys))
            download_buttons(ctx, df=shown_tr, name="parcours-transitions")


def _table(ctx: PageContext, df: pd.DataFrame, *, pct: tuple[str, ...] = (),
           num: tuple[str, ...] = (), height: int | str = "auto") -> None:
    """A table with numbers in the page's language: `pct` columns (fractions) as %, `num`
    columns with one decimal, other numeric columns as grouped integers.

    The displayed copy is text (so French gets decimal commas whatever the browser's locale);
    downloads use the numeric frame.
    """
    out = df.copy()
    for col in out.columns:
        series = out[col]
        if col in pct:
            out[col] = [i18n.fmt_pct(v, ctx.lang) for v in series]
        elif col in num:
            out[col] = [i18n.fmt_num(v, ctx.lang) for v in series]
        elif pd.api.types.is_numeric_dtype(series):
            out[col] = [i18n.fmt_int(v, ctx.lang) for v in series]
    show_table(ctx, out, height=height)


if __name__ == "__main__":
    render(current_context())
