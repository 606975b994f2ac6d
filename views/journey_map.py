"""Journey map: stages across, lanes down, filled from data; notes, comparison, exports.

URL keys of this page (besides the shell's filters, lang and workshop): `map_persona`,
`map_compare` (persona | period), `map_b_persona`, `map_b_since`, `map_b_until`, kept by the
shared `UrlState` like the shell's, so a link (even in workshop mode, where no widget is drawn)
reproduces the view: `?map_persona=Busy+parent&lang=fr&workshop=1`.

The sidebar's filters are the view: the page's persona only narrows the sidebar's personas
(one of them, when it picked several), and says so when a link asks for another; the
comparison's second side may add any persona or period, and is labelled with its own filters.

User text (touchpoint names, comments, notes, persona names) is shown with st.text, or
Markdown-escaped, and never as HTML.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from journey import i18n
from journey.analytics import journey_map
from journey.analytics.filters import Filters
from journey.db.store import Store
from journey.present import map_export
from ui.charts import cached_chart, show_chart
from ui.filenames import download_name, safe_stem
from ui.page import PageContext, current_context
from ui.snapshots import panel as snapshot_panel
from ui.tables import paired, show_table
from ui.url_state import Param, UrlState
from ui.widgets import caption as show_caption
from ui.widgets import date_format, download_buttons, empty_state, guard, url_notices

COMPARE_MODES = ("", "persona", "period")
md = i18n.md_escape

URL = UrlState(
    "map",
    Param("map_persona", "str", "", widget="w_map_persona", label="map.persona"),
    Param("map_compare", "str", "", choices=COMPARE_MODES, widget="w_map_compare",
          label="map.compare"),
    Param("map_b_persona", "str", "", widget="w_map_b_persona", label="map.b_persona"),
    Param("map_b_since", "date", widget="w_map_b_since", label="map.b_since"),
    Param("map_b_until", "date", widget="w_map_b_until", label="map.b_until"),
)


def _state(ctx: PageContext) -> dict[str, Any]:
    """This run's persona and comparison: from a link, the controls, or memory (workshop)."""
    personas = [str(p) for p in ctx.options.get("personas", [])]
    # The page's persona narrows the sidebar's choice: one of its personas, or any when the
    # sidebar picked none.
    narrowing = [p for p in personas if not ctx.filters.personas or p in ctx.filters.personas]
    first, last = ctx.options.get("first_day"), ctx.options.get("last_day")
    # A period outside the data (a link shared before an import was removed) is clamped.
    days = (first, last)
    vals = URL.read(known={"map_persona": ["", *narrowing], "map_b_persona": ["", *personas]},
                    bounds={"map_b_since": days, "map_b_until": days})
    for item in URL.notices():
        if item.param.key == "map_persona" and item.value in personas:
            # A persona of the data, but not one of the sidebar's: the sidebar is the view.
            st.warning(ctx.t("map.persona_outside", persona=md(item.value),
                             personas=md(", ".join(ctx.filters.personas))),
                       icon=":material/link_off:")
        else:
            url_notices(ctx, [item])
    if ctx.workshop:
        return vals

    def fmt_persona(p: str) -> str:
        return p if p else ctx.t("map.all_customers")

    def fmt_own(p: str) -> str:
        # Without a persona of its own the map shows the sidebar's personas, all of them.
        if p or not ctx.filters.personas:
            return fmt_persona(p)
        return ctx.t("map.sidebar_personas", personas=", ".join(ctx.filters.personas))

    c1, c2, c3, c4 = st.columns([3, 2, 3, 3], vertical_alignment="bottom")
    c1.selectbox(ctx.t("map.persona"), ["", *narrowing], key="w_map_persona",
                 format_func=fmt_own, help=ctx.t("map.persona_help"))
    c2.selectbox(
        ctx.t("map.compare"), list(COMPARE_MODES), key="w_map_compare",
        help=ctx.t("map.compare_help"),
        format_func=lambda m: {"": "—", "persona": ctx.t("map.compare_persona"),
                               "period": ctx.t("map.compare_period")}[m],
    )
    compare = st.session_state.get("w_map_compare") or ""
    if compare == "persona":
        c3.selectbox(ctx.t("map.b_persona"), ["", *personas], key="w_map_b_persona",
                     format_func=fmt_persona)
    elif compare == "period":
        ss = st.session_state
        if ss.get("w_map_b_since") is None:
            ss["w_map_b_since"] = first
        if ss.get("w_map_b_until") is None:
            ss["w_map_b_until"] = last
        c3.date_input(ctx.t("map.b_since"), key="w_map_b_since", min_value=first,
                      max_value=last, format=date_format(ctx.lang))
        c4.date_input(ctx.t("map.b_until"), key="w_map_b_until", min_value=first,
                      max_value=last, format=date_format(ctx.lang))
    return URL.widget_values()


def _write(vals: dict[str, Any]) -> None:
    """Our keys back in the URL; the second side only when it applies."""
    mode = vals["map_compare"]
    URL.write({
        "map_persona": vals["map_persona"] or "",
        "map_compare": mode or "",
        "map_b_persona": vals["map_b_persona"] if mode == "persona" else "",
        "map_b_since": vals["map_b_since"] if mode == "period" else None,
        "map_b_until": vals["map_b_until"] if mode == "period" else None,
    })


# -- data ----------------------------------------------------------------------------------
def get_facts(ctx: PageContext, filters: Filters, who: str | None) -> journey_map.MapFacts:
    """The queries of the map of `who` under `filters`, cached by (filters, persona, data
    version) and not by language: a language switch redraws the map without a query."""
    return ctx.query(journey_map.map_facts, filters=filters, persona=who)


def get_map(ctx: PageContext, filters: Filters, who: str | None) -> journey_map.JourneyMap:
    """The map of `who` (None: everyone) under `filters` in the page's language, cached by
    data version (its facts are cached apart, without the language)."""
    def build(cur: Any, filters: Filters, *, persona: str | None, lang: str,
              notes_version: int) -> journey_map.JourneyMap:
        # notes_version is part of the cache key only: notes are saved through the store and
        # bump its data version, so the cached map follows them.
        facts = get_facts(ctx, filters, persona)
        # The notes of the persona the map shows (`facts.who`: also the sidebar's one persona
        # when the page picks none), which is the persona a note typed on it is saved under.
        return journey_map.assemble(
            facts, lang=lang, stages_df=ctx.stages_df, notes_df=ctx.store.notes(facts.who),
        )

    return ctx.query(build, filters=filters, persona=who, lang=ctx.lang,
                     notes_version=ctx.data_version)


@st.cache_data(show_spinner=False, max_entries=16)
def _export(kind: str, key: str, _jm: journey_map.JourneyMap, lang: str) -> bytes:
    if kind == "png":
        return map_export.to_png(_jm, lang)
    if kind == "svg":
        return map_export.to_svg(_jm, lang).encode("utf-8")
    return map_export.to_html(_jm, lang).encode("utf-8")


def lane_name(ctx: PageContext, lane: str) -> str:
    if lane.startswith("channel:"):
        return ctx.t("map.lane.channel", name=lane.split(":", 1)[1])
    if lane.startswith("device:"):
        return ctx.t("map.lane.device", name=lane.split(":", 1)[1])
    return ctx.t(f"map.lane.{lane}")


def draw_emotion(ctx: PageContext, jm: journey_map.JourneyMap, facts: journey_map.MapFacts,
                 *, height: int) -> None:
    """The emotion curve of `jm`: its scores by stage are the ones its facts already read
    (the same query under the same filters), never read again."""
    try:
        from journey.present import stat_charts
    except ImportError:  # pragma: no cover
        stat_charts = None
    metric = "nps" if any(s.score_metric == "nps" for s in jm.stages) else "csat"
    df = facts.nps_by_stage if metric == "nps" else facts.csat_by_stage
    if stat_charts is not None and not df.empty:
        # ends=True: the axis names its extremes (negative / positive), as on the slide.
        chart = cached_chart(stat_charts.emotion_curve, df, lang=ctx.lang,
                             labels=ctx.stage_labels(), metric=metric, height=height,
                             ends=True)
        show_chart(ctx, chart)
    else:
        st.text(ctx.t("map.no_answers"))


def save_note(store: Store, stage: str, persona: str | None, wkey: str, done: str) -> None:
    """A note is saved as soon as its box loses focus: Streamlit commits a text area on blur,
    which also happens when the user clicks a link to another page, and this callback runs
    at the start of the next run whatever page that run draws. So a typed note is never
    lost, without a Save button to forget."""
    store.set_note(stage, st.session_state.get(wkey) or "", persona)
    st.toast(done, icon=":material/cloud_done:")


def draw_card(ctx: PageContext, jm: journey_map.JourneyMap, *, key: str) -> None:
    """The persona card: who the map is about, how many, on which channels and devices.
    Lines from `map_export.card_lines`, the slide's own; persona names and descriptions are
    user text, so escaped (bold name) or plain text."""
    lines = map_export.card_lines(jm.card, ctx.lang)
    if not lines:
        return
    box = st.container(border=True, key=f"map_persona_card_{key}")
    box.markdown(f"**{md(lines[0])}**")
    for line in lines[1:]:
        box.text(line)


def draw_map(ctx: PageContext, jm: journey_map.JourneyMap, facts: journey_map.MapFacts, *,
             key: str, editable: bool) -> None:
    """The map with Streamlit elements: one column per stage, lanes as rows."""
    lang, ss = ctx.lang, st.session_state
    n = len(jm.stages)
    if n == 0:
        empty_state(ctx, "no_match")
        return
    big = ctx.workshop

    def lane(title: str) -> list[Any]:
        st.markdown(f"**{md(title)}**")
        return st.columns(n, gap="small")

    draw_card(ctx, jm, key=key)
    # Keyed for ui/typography.py: stage names sized to their column, never cut mid-word.
    cols = st.container(key=f"map_stage_heads_{key}").columns(n, gap="small")
    for c, s in zip(cols, jm.stages, strict=True):
        c.subheader(md(s.label), anchor=False)

    for c, s in zip(lane(ctx.t("map.lane_touchpoints")), jm.stages, strict=True):
        box = c.container(border=True)
        if not s.touchpoints:
            box.text(ctx.t("map.none"))
        for tp in s.touchpoints:
            box.text(tp.name)
            box.caption(md(journey_map.touchpoint_detail(tp, lang)))

    for c, s in zip(lane(ctx.t("map.lane_customers")), jm.stages, strict=True):
        delta = (ctx.t("map.to_next_short", pct=i18n.fmt_pct(s.conversion_to_next, lang, 0))
                 if s.conversion_to_next is not None else None)
        c.metric(ctx.t("map.customers_head"), i18n.fmt_int(s.customers, lang), delta=delta,
                 delta_color="off", delta_arrow="off", border=True)

    st.markdown(f"**{md(ctx.t('map.lane_emotion'))}**")
    draw_emotion(ctx, jm, facts, height=300 if big else 200)
    scores = st.columns(n, gap="small")
    for c, s in zip(scores, jm.stages, strict=True):
        c.text(map_export.score_text(s, lang))
    st.caption(ctx.t("map.curve_caption"))

    for c, s in zip(lane(ctx.t("map.lane_pain")), jm.stages, strict=True):
        box = c.container(border=True)
        for line in map_export.pain_lines(s, lang, chars=500):
            box.text(line)

    st.markdown(f"**{md(ctx.t('map.lane_opportunities'))}**")
    note_cols = st.columns(n, gap="small")
    for c, s in zip(note_cols, jm.stages, strict=True):
        if editable and not ctx.workshop:
            wkey = f"note_{key}_{jm.persona or ''}_{s.stage}"
            ss.setdefault(wkey, s.opportunity)
            c.text_area(ctx.t("map.note_label", stage=md(s.label)), key=wkey,
                        height=120, help=ctx.t("map.notes_help"), max_chars=2000,
                        on_change=save_note,
                        args=(ctx.store, s.stage, jm.persona, wkey, ctx.t("map.saved")))
        else:
            c.container(border=True).text(s.opportunity or "—")
        # The "fix first" table's top rows, apart from the team's note (never written into it).
        lines = map_export.suggestion_lines(s, lang)
        if lines:
            box = c.container(border=True)
            box.caption(ctx.t("attribution.suggested_title"))
            for line in lines:
                box.text(line)

    if editable and not ctx.workshop:
        st.caption(ctx.t("map.notes_autosave"))

    for c, s in zip(lane(ctx.t("map.lane_mix")), jm.stages, strict=True):
        box = c.container(border=True)
        for mix in (s.channel_mix, s.device_mix):
            if mix:
                box.text(", ".join(f"{name} {i18n.fmt_pct(share, lang, 0)}"
                                   for name, share in mix[:3]))

    show_caption(ctx.caption(filters=jm.filters, n=jm.n,
                             extra=i18n.fmt_date_range(jm.first_ts, jm.last_ts, lang)
                             if jm.first_ts else None))


def moved_table(ctx: PageContext, top: pd.DataFrame) -> Any:
    """What moved, B − A with its 95% margin; what could be noise is greyed out and says so."""
    lang = ctx.lang
    shown = pd.DataFrame({
        ctx.t("map.col_stage"): [ctx.stage_label(s) for s in top["stage"]],
        ctx.t("map.col_lane"): [lane_name(ctx, x) for x in top["lane"]],
        ctx.t("map.col_a"): [i18n.fmt_num(v, lang, 1) for v in top["value_a"]],
        ctx.t("map.col_b"): [i18n.fmt_num(v, lang, 1) for v in top["value_b"]],
        ctx.t("map.col_delta"): [
            ("▲ +" if d > 0 else "▼ ") + i18n.fmt_num(d, lang, 1) for d in top["delta"]
        ],
        ctx.t("map.col_margin"): [
            i18n.DASH if pd.isna(m) else "± " + i18n.fmt_num(m, lang, 1) for m in top["margin"]
        ],
        ctx.t("map.col_verdict"): [
            ctx.t("map.beyond_noise") if sig else ctx.t("map.could_be_noise")
            for sig in top["significant"]
        ],
    })
    grey = list(~top["significant"].astype(bool))
    return shown.style.apply(
        lambda row: ["color: #9e9e9e" if grey[row.name] else "" for _ in row], axis=1)


def summary_table(ctx: PageContext, jm: journey_map.JourneyMap,
                  moved: set[tuple[str, str]]) -> pd.DataFrame:
    """The comparable numbers of one map: lanes down, stages across (plain text cells)."""
    lang = ctx.lang
    values = journey_map.lane_values(jm)
    rows: dict[str, dict[str, str]] = {}
    for _, r in values.iterrows():
        name = lane_name(ctx, r["lane"])
        mark = " ◆" if (r["stage"], r["lane"]) in moved else ""
        cell = i18n.fmt_num(r["value"], lang, 0) + mark if pd.notna(r["value"]) else i18n.DASH
        rows.setdefault(name, {})[ctx.stage_label(r["stage"])] = cell
    order = [ctx.stage_label(s.stage) for s in jm.stages]
    return pd.DataFrame.from_dict(rows, orient="index").reindex(columns=order).fillna("")


def lane_columns(ctx: PageContext, table: pd.DataFrame) -> dict[str, Any]:
    """The lane's name pinned, the stages sharing the rest: every stage in view at 1440 px."""
    config: dict[str, Any] = {
        ctx.t("map.col_lane"): st.column_config.TextColumn(width=220, pinned=True)}
    for col in table.columns:
        config[str(col)] = st.column_config.TextColumn(width=120)
    return config


@st.cache_data(show_spinner=False, max_entries=8)
def _compare_export(kind: str, key: str, _a: journey_map.JourneyMap,
                    _b: journey_map.JourneyMap, lang: str) -> bytes:
    if kind == "png":
        return map_export.compare_png(_a, _b, lang)
    return map_export.compare_svg(_a, _b, lang).encode("utf-8")


def compare_downloads(ctx: PageContext, a: journey_map.JourneyMap, b: journey_map.JourneyMap,
                      diff: pd.DataFrame) -> None:
    """The two-persona comparison as one slide (PNG 16:9, SVG), what the CLI's
    `export-map --compare-persona` writes. Hidden in workshop mode (no controls there)."""
    if ctx.workshop:
        return  # projecting: no controls
    key = repr((a.filters, b.filters, ctx.lang, ctx.data_version))
    names = (map_export.side_name(a, ctx.lang), map_export.side_name(b, ctx.lang))
    st.markdown(f"**{md(ctx.t('map.export_compare'))}**")
    download_buttons(
        ctx, name=safe_stem("journey-map-compare", *names, ctx.lang),
        files=[
            (ctx.t("map.export_compare_png"), "png", "image/png",
             lambda: _compare_export("png", key, a, b, ctx.lang)),
            (ctx.t("map.export_compare_svg"), "svg", "image/svg+xml",
             lambda: _compare_export("svg", key, a, b, ctx.lang)),
        ],
    )


# -- the page --------------------------------------------------------------------------------
def render(ctx: PageContext) -> None:
    """Persona and comparison controls, the map (or two side by side), exports."""
    lang = ctx.lang
    st.title(ctx.t("page.journey_map"))
    with guard(ctx):
        if ctx.options.get("first_day") is None and not ctx.options.get("personas"):
            empty_state(ctx, "no_data")
            return
        vals = _state(ctx)
        _write(vals)
        persona = vals["map_persona"] or None

        jm = get_map(ctx, ctx.filters, persona)
        facts = get_facts(ctx, ctx.filters, persona)  # cached by get_map
        if jm.n == 0 and jm.responses == 0:
            show_caption(ctx.caption(filters=jm.filters, n=0))
            empty_state(ctx, "no_match")
            return

        st.subheader(md(jm.title), anchor=False)

        mode = vals["map_compare"]
        jm_b = facts_b = None
        side_b: tuple[Filters, str | None] | None = None
        if mode == "persona":
            # The second side adds a persona: the sidebar's other filters, that persona.
            side_b = (ctx.filters.replace(personas=()), vals["map_b_persona"] or None)
        elif mode == "period":
            side_b = (ctx.filters.replace(since=vals["map_b_since"],
                                          until=vals["map_b_until"]), persona)
        if side_b is not None:
            jm_b = get_map(ctx, *side_b)
            facts_b = get_facts(ctx, *side_b)

        if jm_b is None or facts_b is None:
            draw_map(ctx, jm, facts, key="a", editable=True)
        else:
            diff = journey_map.compare_maps(jm, jm_b)
            top = diff.head(10)
            moved = {(s, lane) for s, lane, sig in zip(
                top["stage"], top["lane"], top["significant"], strict=True) if sig}
            st.markdown(f"**{md(ctx.t('map.moved'))}**")
            if diff.empty:
                st.info(ctx.t("map.moved_none"))
            else:
                st.dataframe(moved_table(ctx, top), hide_index=True, width="stretch")
                st.caption(ctx.t("map.moved_note"))
            # One table, A and B in the same cell: every lane on one line for both sides, and
            # all five stages readable at 1440 px (two half-width tables were cut).
            both = paired(summary_table(ctx, jm, moved), summary_table(ctx, jm_b, moved),
                          mark=" ◆")
            st.markdown(f"**{md(ctx.t('map.paired'))}**")
            show_table(ctx, both.rename_axis(ctx.t("map.col_lane")).reset_index(),
                       column_config=lane_columns(ctx, both))
            st.caption(ctx.t("map.moved_mark"))
            if mode == "persona":
                compare_downloads(ctx, jm, jm_b, diff)
            left, right = st.columns(2, gap="large")
            for col, side, m, mf in ((left, "map.side_a", jm, facts),
                                     (right, "map.side_b", jm_b, facts_b)):
                with col:
                    st.markdown(f"**{md(ctx.t(side))} — {md(m.title)}**")
                    show_caption(ctx.caption(filters=m.filters, n=m.n))
                    if m.n == 0 and m.responses == 0:
                        empty_state(ctx, "no_match")
                        continue
                    draw_card(ctx, m, key=f"side_{side[-1]}")
                    draw_emotion(ctx, m, mf, height=180)
            with st.expander(ctx.t("page.journey_map") + " — " + ctx.t("map.side_a")):
                draw_map(ctx, jm, facts, key="a", editable=True)

        if not ctx.workshop:
            st.markdown(f"**{md(ctx.t('map.export'))}**")
            cache_key = repr((jm.filters, persona, lang, ctx.data_version))
            row = st.container(horizontal=True, gap="small")
            for kind, mime, label in (("png", "image/png", "map.export_png"),
                                      ("svg", "image/svg+xml", "map.export_svg"),
                                      ("html", "text/html", "map.export_html")):
                row.download_button(
                    ctx.t(label),
                    # Rendered only when clicked: vl-convert takes a second or two.
                    data=lambda kind=kind: _export(kind, cache_key, jm, lang),
                    file_name=download_name("journey-map", persona or "all", lang, ext=kind),
                    mime=mime, key=f"dl_map_{kind}",
                    icon=":material/download:", on_click="ignore",
                )

        # Snapshots: save this map, open an old one, what changed since (ui/snapshots.py).
        snapshot_panel(ctx, persona)


if __name__ == "__main__":
    render(current_context())
