"""Flows: where journeys go, step by step (the step Sankey), their most common paths and the
transitions between touchpoints or stages.

UI only: the numbers come from `journey.analytics.flows`, the chart spec from
`journey.present.flow_charts`.
The page's controls live in the URL under `flows_*` keys, so a copied link reopens the view.
A click on a Sankey node drills in: start the journeys there, or keep only the journeys that
go through it (a page-level drill-down shown as a chip, added to the filters' `includes`).
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
import streamlit as st

from journey import i18n
from journey.analytics import flows
from journey.present import flow_charts
from ui.context import (
    PageContext,
    describe_filters,
    download_buttons,
    empty_state,
    get_context,
    guard,
    mirror_in_url,
    store_facts,
)
from ui.workshop import big_echarts

P = "flows_"  # prefix of this page's widget keys and URL params
K = {
    "level": P + "level", "steps": P + "steps", "top": P + "top", "start": P + "start",
    "end": P + "end", "repeats": P + "repeats", "gap": P + "gap", "through": P + "through",
}
DEFAULTS: dict[str, Any] = {
    "level": "touchpoint", "steps": 5, "top": 8, "start": None, "end": None,
    "repeats": False, "gap": "none", "through": None,
}
GAPS: dict[str, float | None] = {"none": None, "30m": 30.0, "1d": 1440.0}
URL_READ = "_flows_url_read"
GEN = "_flows_chart_gen"  # bumped on drill-down: a new chart key clears the old selection

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def md(text: Any) -> str:
    """User text shown through Markdown (captions, badges) stays literal."""
    return _MD_SPECIAL.sub(r"\\\1", str(text))


# -- the page's state <-> URL ------------------------------------------------------------------
def _parse(key: str, raw: str | None) -> Any:
    """A URL value for one control, or the default when missing or invalid (never fatal)."""
    if raw is None or raw == "":
        return DEFAULTS[key]
    if key == "level":
        return raw if raw in flows.LEVELS else DEFAULTS[key]
    if key in ("steps", "top"):
        try:
            n = int(raw)
        except ValueError:
            return DEFAULTS[key]
        lo, hi = (flows.MIN_STEPS, flows.MAX_STEPS) if key == "steps" else (1, 30)
        return min(max(n, lo), hi)
    if key == "repeats":
        return raw.lower() in ("1", "true", "yes", "on")
    if key == "gap":
        return raw if raw in GAPS else DEFAULTS[key]
    return raw  # start, end, through: names, checked against the store below


def _seed_from_url() -> None:
    """First run of the session: the URL's values become the controls' values."""
    ss = st.session_state
    if ss.get(URL_READ):
        return
    qp = st.query_params
    for name, key in K.items():
        ss[key] = _parse(name, qp.get(key))
    ss[URL_READ] = True


def _write_url() -> None:
    """Mirror the controls in the URL (only our keys; defaults are left out to keep it short)."""
    ss = st.session_state
    wanted: dict[str, str | None] = {}
    for name, key in K.items():
        value = ss.get(key, DEFAULTS[name])
        if value == DEFAULTS[name] or value is None:
            wanted[key] = None
        else:
            wanted[key] = ("1" if value else "0") if isinstance(value, bool) else str(value)
    mirror_in_url(wanted)


def _sanitize(options: list[str]) -> None:
    """Drop anchors the current level or store does not know (a level switch, a removal)."""
    ss = st.session_state
    for name in ("start", "end", "through"):
        value = ss.get(K[name])
        if value is not None and value not in options:
            ss[K[name]] = None
    if ss.get(K["level"]) != "touchpoint":
        ss[K["through"]] = None  # `includes` is a touchpoint condition


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
        row.badge(md(ctx.t("flows.drill.through_chip", name=label_of(through))),
                  icon=":material/filter_alt:", color="blue")
    if start:
        row.badge(md(ctx.t("flows.drill.start_chip", name=label_of(start))),
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
            st.markdown(md(ctx.t("flows.drill.not_drillable", name=word)))
            return
        st.markdown(md(ctx.t(
            "flows.drill.selected", name=label_of(name), step=node.get("step"),
            n=i18n.fmt_int(node.get("customers"), ctx.lang),
        )))
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


def main(ctx: PageContext) -> None:
    st.title(ctx.t("page.flows"))
    facts = store_facts(ctx.store)
    if facts["empty"]:
        empty_state(ctx, "no_data")
        return

    _seed_from_url()
    ss = st.session_state
    for name, key in K.items():
        ss.setdefault(key, DEFAULTS[name])
    if ss.get(K["level"]) not in flows.LEVELS:
        ss[K["level"]] = DEFAULTS["level"]
    level = ss[K["level"]]
    if level == "stage":
        anchor_options = list(ctx.options.get("stages") or [])

        def label_of(v: Any) -> str:
            return ctx.stage_label(v)
    else:
        anchor_options = list(ctx.options.get("touchpoints") or [])

        def label_of(v: Any) -> str:
            return str(v)
    _sanitize(anchor_options)

    with st.container(border=True):
        _controls(ctx, anchor_options, label_of)
    _write_url()
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
        caption = describe_filters(filters, ctx.lang, ctx.stage_label, n=journeys,
                                   extra=" · ".join(extra) or None)
        if not sk.get("nodes"):
            empty_state(ctx, "no_match")
            if start or end or through:
                st.button(ctx.t("flows.drill.clear"), key="flows_clear_empty",
                          on_click=_clear_drill, icon=":material/close:")
            return

        title = ctx.t(f"flows.chart_title.{level}", steps=steps)
        option = flow_charts.sankey_option(sk, lang=ctx.lang, title=title, labels=labels,
                                      subtitle=caption, file_name="parcours-flows",
                                      colors=colors)
        if ctx.workshop:
            option = big_echarts(option)
        event = st.echarts_chart(
            option, on_select="rerun", key=f"flows_sankey_{ss.get(GEN, 0)}",
            height=_sankey_height(sk), alt=title,
        )
        st.caption(md(caption))
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
            st.caption(md(describe_filters(
                filters, ctx.lang, ctx.stage_label, n=journeys,
                extra=ctx.t("flows.paths.note", steps=steps),
            )))
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
            st.caption(md(describe_filters(filters, ctx.lang, ctx.stage_label, n=journeys)))
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
    st.dataframe(out, hide_index=True, width="stretch", height=height)


_ctx = get_context()
with guard(_ctx):  # whatever goes wrong, the page explains it in words, never a traceback
    main(_ctx)
