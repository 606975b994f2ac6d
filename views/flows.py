"""Flows: where journeys go, step by step (the step Sankey), their most common paths and the
transitions between touchpoints or stages.

UI only: the numbers come from `journey.analytics.flows`, the chart spec from
`journey.present.flow_charts`.
The page's controls live in the URL under `flows_*` keys, so a copied link reopens the view.
A click on a Sankey node (Other and drop-off included) or link drills in: start the journeys
there, or keep exactly the journeys it counts (`flows.Drill`, a chip, `flows_drill` in the
URL): the drilled view's n is the clicked number, and its journeys download as a CSV list.
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
    "end": P + "end", "repeats": P + "repeats", "gap": P + "gap", "drill": P + "drill",
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
    # The selection as text (flows.Drill.to_text), checked against the store on reading.
    Param(K["drill"], "str", max_len=2000, widget=K["drill"], label="flows.drill.chip_label"),
)


def _anchors(ctx: PageContext, level: str) -> list[str]:
    """What a journey may start or end at, and be drilled through, at this level."""
    key = "stages" if level == "stage" else "touchpoints"
    return list(ctx.options.get(key) or [])


def _known(ctx: PageContext) -> dict[str, Any]:
    def anchors(values: dict[str, Any]) -> list[str]:
        return _anchors(ctx, values[K["level"]])

    return {K["start"]: anchors, K["end"]: anchors}


def _drill(ctx: PageContext, text: Any, level: str) -> flows.Drill | None:
    """The selection held in the URL / state, or None when there is none or it no longer
    fits the store (a name no journey has at this level)."""
    if not text:
        return None
    try:
        drill = flows.Drill.from_text(str(text))
    except ValueError:
        return None
    known = set(_anchors(ctx, level)) | ({flows.NO_STAGE} if level == "stage" else set())
    names = (drill.name, drill.next_name, drill.start_at, drill.end_at)
    if any(n is not None and n not in known for n in names):
        return None
    return drill


# -- drill-down callbacks (run before the next script run, so they may set widget state) -------
def _drill_start(name: str) -> None:
    st.session_state[K["start"]] = name
    st.session_state[K["end"]] = None
    st.session_state[GEN] = st.session_state.get(GEN, 0) + 1


def _drill_only(text: str) -> None:
    st.session_state[K["drill"]] = text
    st.session_state[GEN] = st.session_state.get(GEN, 0) + 1


def _forget_drill() -> None:
    # A selection is made of one level and one way of cutting journeys into steps.
    st.session_state[K["drill"]] = None


def _clear_drill() -> None:
    st.session_state[K["drill"]] = None
    st.session_state[K["start"]] = None
    st.session_state[GEN] = st.session_state.get(GEN, 0) + 1


# -- drawing ------------------------------------------------------------------------------------
def _controls(ctx: PageContext, anchor_options: list[str], label_of) -> None:
    c1, c2, c3, c4 = st.columns([1.2, 1, 1, 1.2])
    c1.segmented_control(
        ctx.t("flows.level"), list(flows.LEVELS), key=K["level"], required=True,
        format_func=lambda v: ctx.t(f"flows.level.{v}"), persist_state="session",
        on_change=_forget_drill,
    )
    c2.slider(ctx.t("flows.steps"), flows.MIN_STEPS, flows.MAX_STEPS, key=K["steps"],
              help=ctx.t("flows.steps_help"), persist_state="session")
    c3.slider(ctx.t("flows.top"), 1, 30, key=K["top"], help=ctx.t("flows.top_help"),
              persist_state="session")
    c4.selectbox(
        ctx.t("flows.gap"), list(GAPS), key=K["gap"],
        format_func=lambda v: ctx.t(f"flows.gap.{v}"), help=ctx.t("flows.gap_help"),
        persist_state="session", on_change=_forget_drill,
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
              persist_state="session", on_change=_forget_drill)


def _element_name(ctx: PageContext, kind: str | None, name: Any, label_of) -> str:
    if kind == flow_charts.KIND_DROPOFF:
        return ctx.t("flows.chart.dropoff")
    if kind == flow_charts.KIND_OTHER:
        return ctx.t("flows.chart.other")
    return label_of(name)


def _drill_words(ctx: PageContext, drill: flows.Drill, label_of) -> str:
    """'Cart (step 2)' or 'Cart (step 2) → Drop-off': what a selection is, in words."""
    here = ctx.t("flows.drill.at_step", step=i18n.fmt_int(drill.step, ctx.lang),
                 name=_element_name(ctx, drill.kind, drill.name, label_of))
    if drill.next_kind is None:
        return here
    return here + " → " + _element_name(ctx, drill.next_kind, drill.next_name, label_of)


def _chips(ctx: PageContext, drill: flows.Drill | None, journeys: int | None, label_of) -> None:
    start = st.session_state.get(K["start"])
    if drill is None and not start:
        return
    row = st.container(horizontal=True, gap="small", vertical_alignment="center")
    if drill is not None:
        row.badge(ctx.t("flows.drill.chip",
                        name=i18n.md_escape(_drill_words(ctx, drill, label_of)),
                        n=i18n.fmt_int(journeys or 0, ctx.lang)),
                  icon=":material/filter_alt:", color="blue")
    if start:
        row.badge(ctx.t("flows.drill.start_chip", name=i18n.md_escape(label_of(start))),
                  icon=":material/start:", color="violet")
    row.button(ctx.t("flows.drill.clear"), key="flows_clear_drill", on_click=_clear_drill,
               icon=":material/close:", type="tertiary")


def _panel(ctx: PageContext, drill: flows.Drill, n: int, *, node_name: str | None,
           drilled: bool, label_of) -> None:
    """What a click offers: keep exactly these journeys, or start the flows at a node."""
    with st.container(border=True):
        st.markdown(ctx.t("flows.drill.selected",
                          name=i18n.md_escape(_drill_words(ctx, drill, label_of)),
                          n=i18n.fmt_int(n, ctx.lang)))
        row = st.container(horizontal=True, gap="small")
        if drilled:
            # Inside a selection a click counts among its journeys only: a new selection is
            # made from the whole view, so that its n is what was clicked.
            row.caption(ctx.t("flows.drill.clear_first"))
        else:
            row.button(ctx.t("flows.drill.only_these", n=i18n.fmt_int(n, ctx.lang)),
                       key="flows_drill_only", on_click=_drill_only, args=(drill.to_text(),),
                       icon=":material/filter_alt:")
        if node_name is not None:
            row.button(ctx.t("flows.drill.start_here"), key="flows_drill_start",
                       on_click=_drill_start, args=(node_name,), icon=":material/start:")


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
    drill = _drill(ctx, ss.get(K["drill"]), ss[K["level"]])
    if ss.get(K["drill"]) and drill is None:
        st.warning(ctx.t("flows.drill.dropped"), icon=":material/link_off:")
        ss[K["drill"]] = None
    URL.write(URL.widget_values())

    level = ss[K["level"]]
    steps, top = int(ss[K["steps"]]), int(ss[K["top"]])
    start, end = ss.get(K["start"]), ss.get(K["end"])
    repeats, gap = bool(ss[K["repeats"]]), GAPS.get(ss[K["gap"]])
    filters = ctx.filters
    labels = ctx.stage_labels() if level == "stage" else None
    # Colours fixed per store (not per view): a touchpoint keeps its colour after a drill-down;
    # stages use the network page's stage colours.
    colors = (flow_charts.stage_colors(ctx.stages_df) if level == "stage"
              else flow_charts.touchpoint_colors(anchor_options, ordered=True))
    opts = flows.FlowOptions(level=level, keep_repeats=repeats, session_gap=gap)
    journeys: int | None = None

    with guard(ctx):
        sk = ctx.query(flows.sankey, filters=filters, steps=steps, top=top,
                       start_at=start, end_at=end, options=opts, drill=drill)
        journeys = int(sk.get("journeys") or 0)
        _chips(ctx, drill, journeys, label_of)
        drawn = int(sk.get("anchored_journeys") or 0)
        extra = []
        if drill is not None:
            extra.append(ctx.t("flows.caption.drill", name=_drill_words(ctx, drill, label_of)))
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
            if start or end or drill is not None:
                st.button(ctx.t("flows.drill.clear"), key="flows_clear_empty",
                          on_click=_clear_drill, icon=":material/close:")
            return

        title = ctx.t(f"flows.chart_title.{level}", steps=steps)
        option = flow_charts.sankey_option(sk, lang=ctx.lang, title=title, labels=labels,
                                           subtitle=caption,
                                           file_name=safe_stem("parcours-flows"),
                                           colors=colors)
        if ctx.workshop:
            option = big_echarts(option)
        event = st.echarts_chart(
            option, on_select="rerun", key=f"flows_sankey_{ss.get(GEN, 0)}",
            height=_sankey_height(sk), alt=title,
        )
        show_caption(caption)
        picked = _picked(sk, event, steps=steps, top=top, start=start, end=end)
        if picked is not None:
            clicked, n, node_name = picked
            _panel(ctx, clicked, n, node_name=node_name, drilled=drill is not None,
                   label_of=label_of)
        else:
            st.caption(ctx.t("flows.drill.hint"))
        links_df = _links_table(ctx, sk, label_of)
        download_buttons(ctx, df=links_df, name="parcours-flows-links")
        if drill is not None and not ctx.workshop:
            listed = ctx.query(flows.journey_list, filters=filters, options=opts, drill=drill)
            download_buttons(ctx, df=_journeys_table(ctx, listed, level),
                             name="parcours-selected-journeys",
                             csv_label=ctx.t("flows.drill.download",
                                             n=i18n.fmt_int(len(listed), ctx.lang)))

    st.subheader(ctx.t("flows.paths.title"))
    with guard(ctx):
        paths = ctx.query(flows.top_paths, filters=filters, steps=steps, limit=20,
                          options=opts, drill=drill)
        if paths.empty:
            empty_state(ctx, "no_match")
        else:
            shown = pd.DataFrame({
                ctx.t("flows.col.path"): [_path_text(ctx, r, label_of)
                                          for r in paths.itertuples()],
                ctx.t("flows.col.customers"): paths["customers"].astype(int),
                ctx.t("flows.col.share"): paths["share"].astype(float),
            })
            _table(ctx, shown, pct=(ctx.t("flows.col.share"),))
            show_caption(ctx.caption(filters=filters, n=journeys,
                                     extra=ctx.t("flows.paths.note", steps=steps)))
            download_buttons(ctx, df=shown, name="parcours-top-paths")

    st.subheader(ctx.t("flows.transitions.title"))
    with guard(ctx):
        tr = ctx.query(flows.transitions, filters=filters, options=opts, drill=drill)
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


def _picked(sk: dict[str, Any], event: Any, *, steps: int, top: int, start: str | None,
            end: str | None) -> tuple[flows.Drill, int, str | None] | None:
    """The clicked node or link as a selection, its number and (a real node) its name."""
    common = {"steps": steps, "top": top, "start_at": start or None, "end_at": end or None}
    nodes = flow_charts.selected_nodes(sk, event)
    if nodes:
        node = nodes[0]
        kind = node.get("kind", flow_charts.KIND_NODE)
        name = str(node.get("name")) if kind == flow_charts.KIND_NODE else None
        return (flows.Drill(int(node["step"]), kind, name, **common),
                int(node.get("customers") or 0), name)
    links = flow_charts.selected_links(sk, event)
    if links:
        lk = links[0]
        src_kind, dst_kind = lk["source_kind"], lk["target_kind"]
        return (flows.Drill(
            int(lk["step"]), src_kind,
            str(lk["source"]) if src_kind == flow_charts.KIND_NODE else None,
            dst_kind, str(lk["target"]) if dst_kind == flow_charts.KIND_NODE else None,
            **common,
        ), int(lk.get("customers") or 0), None)
    return None


def _path_text(ctx: PageContext, row: Any, label_of) -> str:
    """A top path in words: its steps, '… (+n more steps)' for journeys that go on."""
    if row.kind == flows.KIND_OTHER:
        return ctx.t("flows.paths.other")
    text = " → ".join(label_of(x) for x in row.path)
    if row.more_max > 0:
        more = (i18n.fmt_int(row.more_min, ctx.lang) if row.more_min == row.more_max
                else f"{i18n.fmt_int(row.more_min, ctx.lang)}–"
                     f"{i18n.fmt_int(row.more_max, ctx.lang)}")
        key = "flows.paths.more_one" if row.more_max == 1 else "flows.paths.more"
        text += " → " + ctx.t(key, n=more)
    return text


def _journeys_table(ctx: PageContext, df: pd.DataFrame, level: str) -> pd.DataFrame:
    """The selected journeys for the CSV: customer, journey number, persona, first and last."""
    label = ctx.stage_label if level == "stage" else str
    return pd.DataFrame({
        ctx.t("flows.col.customer"): df["customer_id"].astype(str),
        ctx.t("flows.col.journey"): df["journey"].astype(int),
        ctx.t("filter.persona"): df["persona"],
        ctx.t("flows.col.first"): [label(v) for v in df["first"]],
        ctx.t("flows.col.last"): [label(v) for v in df["last"]],
        ctx.t("flows.col.steps"): df["steps"].astype(int),
    })


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
