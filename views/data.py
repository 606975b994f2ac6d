"""Data: import files, see what was imported, remove imports, edit the journey model."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st

from journey import i18n
from journey.analytics import metrics
from journey.db.store import StoreError
from journey.ingest import demo, formats, messages
from journey.ingest.importer import ImportReport, Preview, Problem
from ui import data_actions as actions
from ui import import_advice as advice
from ui import rules_editor
from ui.filenames import download_name
from ui.page import PageContext, current_context
from ui.tables import show_table
from ui.widgets import guard

md = i18n.md_escape
KIND_OPTIONS = ["auto", *formats.KINDS]
DELIMITERS = {"\t": "TAB", ";": ";", ",": ",", "|": "|"}


def _show_problems(ctx: PageContext, problems: list[Problem]) -> None:
    rows = [{
        ctx.t("data.col.problem"): p.text(ctx.lang, "app"),
        ctx.t("data.col.column"): p.column or "",
        ctx.t("data.col.count"): int(p.count or len(p.rows)),
        ctx.t("data.col.rows"): ", ".join(str(r) for r in p.rows[:10])
        + (" …" if len(p.rows) > 10 else ""),
        ctx.t("data.col.examples"): ", ".join(str(e) for e in p.examples[:5]),
    } for p in problems]
    if rows:
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch",
                     placeholder=i18n.DASH)


def _show_report(ctx: PageContext, name: str, report: ImportReport) -> None:
    """The import report in plain words; user text is shown as text, never as Markdown."""
    lang = ctx.lang
    dup = report.duplicate_of
    with st.container(border=True):
        st.markdown(f"**{md(name)}**")
        if dup:
            st.error(ctx.t(
                "data.report.duplicate", id=md(dup.get("import_id", "?")),
                file=md(dup.get("file_name", "?")),
                when=i18n.fmt_date(dup.get("imported_at"), lang),
            ), icon=":material/content_copy:")
        elif report.ok:
            st.success(ctx.t("data.report.ok", rows=i18n.fmt_int(report.rows_imported, lang),
                             id=md(report.import_id)), icon=":material/check_circle:")
        else:
            st.error(ctx.t("data.report.failed"), icon=":material/error:")
        if report.rows_skipped:
            st.warning(ctx.t("data.report.skipped", n=i18n.fmt_int(report.rows_skipped, lang)))
        _show_problems(ctx, report.problems)
        unmapped = report.unmapped_touchpoints
        if unmapped:
            st.warning(ctx.t("data.report.unmapped", n=i18n.fmt_int(len(unmapped), lang),
                             tab=ctx.t("data.tab.touchpoints")))
            st.text(", ".join(unmapped[:30]) + (" …" if len(unmapped) > 30 else ""))
        _show_placement(ctx, report)
        if report.new_stages:
            st.info(ctx.t("data.report.new_stages"))
            st.text(", ".join(report.new_stages))
        advice.demo_offer(ctx, report)
        with st.expander(ctx.t("data.report.full")):
            st.text(report.to_text(lang, "app"))


def _show_placement(ctx: PageContext, report: ImportReport) -> None:
    """How many of the file's survey answers were placed on their customer's latest event
    (or, for events, how many earlier answers now sit on this file's events)."""
    if not report.ok:
        return
    lang = ctx.lang
    if report.answers_without_place and report.placement == "none":
        st.info(ctx.t("data.report.placed_none",
                      count=i18n.fmt_int(report.answers_without_place, lang)),
                icon=":material/rate_review:")
    elif report.answers_without_place:
        st.info(ctx.t(
            "data.report.placed", placed=i18n.fmt_int(report.answers_placed, lang),
            count=i18n.fmt_int(report.answers_without_place, lang),
            left=i18n.fmt_int(report.answers_without_place - report.answers_placed, lang),
        ), icon=":material/rate_review:")
    elif report.answers_on_events:
        st.info(ctx.t("data.report.on_events",
                      count=i18n.fmt_int(report.answers_on_events, lang)),
                icon=":material/rate_review:")


@st.cache_data(show_spinner=False, max_entries=32)
def _preview(file_id: str, name: str, kind: str | None, mapping_key: str,
             _data: bytes, _mapping: dict[str, str] | None) -> Preview:
    return actions.preview_file(name, _data, kind=kind, mapping=_mapping)


def _flash(message: str) -> None:
    """Shown once, on the next run (after st.rerun)."""
    st.session_state["data_flash"] = message


# -- demo data ---------------------------------------------------------------------------
def _demo_section(ctx: PageContext) -> None:
    loaded = demo.demo_import(ctx.store)
    with st.container(border=True):
        if loaded:
            st.markdown(ctx.t("data.demo.present"))
            if st.button(ctx.t("data.demo.remove"), icon=":material/delete:", key="demo_rm"):
                actions.remove_import(ctx.store, int(loaded["import_id"]))
                _flash(ctx.t("data.demo.removed"))
                st.rerun()
        else:
            st.markdown(ctx.t("data.demo.absent"))
            if st.button(ctx.t("data.load_demo"), icon=":material/science:", key="demo_load"):
                with st.spinner(ctx.t("shell.demo.loading")):
                    actions.load_demo(ctx.store, ctx.lang)
                _flash(ctx.t("data.demo.loaded"))
                st.rerun()


# -- import -----------------------------------------------------------------------------
def _upload_card(ctx: PageContext, up: Any) -> tuple[Any, str | None, dict[str, str]]:
    """One uploaded file: its kind, what ingest detected, its first rows, the mapping."""
    ss = st.session_state
    st.markdown(f"#### {md(up.name)}")
    data = up.getvalue()
    fid = f"{up.file_id}"
    kind_choice = st.selectbox(
        ctx.t("data.kind"), KIND_OPTIONS, key=f"kind_{fid}",
        format_func=lambda k: ctx.t(f"data.kind.{k}"),
    )
    kind = None if kind_choice == "auto" else kind_choice
    user_mapping = ss.get(f"mapping_value_{fid}_{kind_choice}")
    pv = _preview(fid, up.name, kind, repr(sorted((user_mapping or {}).items())),
                  data, user_mapping)
    c = st.columns(4)
    c[0].metric(ctx.t("data.detected_kind"), ctx.t(f"data.kind.{pv.kind or 'auto'}"))
    # A metric's value is Markdown: what was read from the file is escaped.
    c[1].metric(ctx.t("data.layout"), md(pv.layout) or i18n.DASH)
    c[2].metric(ctx.t("data.encoding"), md(pv.encoding) or i18n.DASH)
    c[3].metric(ctx.t("data.delimiter"),
                md(DELIMITERS.get(pv.delimiter or "", repr(pv.delimiter) if pv.delimiter
                                  else i18n.DASH)))
    if pv.problems:
        st.warning(ctx.t("data.preview_problems"))
        _show_problems(ctx, pv.problems)
    if not pv.data.empty:
        # An empty cell of the file shows as a dash, not as Python's "None".
        st.dataframe(pv.data, hide_index=True, width="stretch", height=220,
                     placeholder=i18n.DASH)
    suggested = user_mapping if user_mapping is not None else pv.mapping
    targets = list(pv.targets or formats.ALL_TARGETS)
    targets += [t for t in suggested.values() if t not in targets]
    st.markdown(ctx.t("data.mapping"))
    edited = st.data_editor(
        actions.mapping_frame(pv.header, suggested),
        placeholder=i18n.DASH,  # a missing value, not Python's "None"
        key=f"mapping_{fid}_{kind_choice}",
        hide_index=True,
        disabled=["column"],
        column_config={
            "column": st.column_config.TextColumn(ctx.t("data.col.source")),
            "target": st.column_config.SelectboxColumn(
                ctx.t("data.col.target"), options=[actions.IGNORE, *targets],
                format_func=lambda f: ctx.t(f"data.target.{f or 'ignore'}"),
            ),
        },
        width="stretch",
    )
    mapping = actions.mapping_from_frame(edited)
    if mapping != suggested:
        # Remembered per file and kind: the preview re-reads with it on the next run.
        ss[f"mapping_value_{fid}_{kind_choice}"] = mapping
    advice.show_dry_run(ctx, up, fid, kind_choice, kind, pv.header, mapping)
    return up, kind, advice.with_ignored(pv.header, mapping)


def _import_section(ctx: PageContext) -> None:
    ss = st.session_state
    st.header(ctx.t("data.import"))
    # Set while a file imports: still set on the next run means the import was cancelled
    # (Cancel, or Streamlit's Stop, ended the run inside it; the store rolled back).
    cancelled = ss.pop("data_importing", None)
    for name, report in ss.pop("data_reports", []):
        _show_report(ctx, name, report)
    if cancelled is not None:
        st.warning(ctx.t("data.import_cancelled", name=md(cancelled)), icon=":material/cancel:")
    limits = actions.upload_limits()
    uploads = st.file_uploader(
        ctx.t("data.upload"), type=actions.UPLOAD_TYPES,
        accept_multiple_files=True, key="data_upload",
        # The uploader refuses what ingest would refuse anyway: one limit, two places (and
        # never more than the server itself accepts).
        max_upload_size=min(limits.max_mb, int(st.get_option("server.maxUploadSize"))),
        help=ctx.t("data.upload_help") + " " + ctx.t(
            "data.upload_limits", mb=i18n.fmt_int(limits.max_mb, ctx.lang),
            rows=i18n.fmt_int(limits.max_rows, ctx.lang),
            columns=i18n.fmt_int(limits.max_columns, ctx.lang),
            cell=i18n.fmt_int(limits.max_cell, ctx.lang),
            excel_mb=i18n.fmt_int(limits.max_excel_mb, ctx.lang)),
    )
    skip_bad = st.checkbox(ctx.t("data.skip_bad_rows"), key="data_skip_bad",
                           help=ctx.t("data.skip_bad_rows_help"))
    to_import: list[tuple[Any, str | None, dict[str, str]]] = []
    for up in uploads or []:
        with st.container(border=True), guard(ctx):
            to_import.append(_upload_card(ctx, up))
    if not to_import or not st.button(
            ctx.t("data.import_button", n=len(to_import)), type="primary",
            icon=":material/upload:", key="data_import"):
        return
    # A click on Cancel asks Streamlit for a new run: the running one stops at its next
    # progress update (the core reports between chunks and steps), the file's transaction
    # rolls back and its temp files go; the next run says so (`data_importing`).
    st.button(ctx.t("data.import_cancel"), icon=":material/cancel:", key="data_import_cancel")
    bar = st.progress(0.0, text=ctx.t("data.importing"))
    reports: list[tuple[str, ImportReport]] = []
    ss["data_reports"] = reports  # files done before a cancel are still reported
    for k, (up, kind, mapping) in enumerate(to_import):
        def progress(fraction: float, message: str = "", k: int = k,
                     name: str = up.name) -> None:
            total = (k + max(0.0, min(1.0, float(fraction)))) / len(to_import)
            # Progress text is Markdown, and the file name is the user's.
            step = messages.step_text(message, ctx.lang) if message else ""
            text = i18n.labelled(name, step, ctx.lang) if message else name
            bar.progress(total, text=md(text))

        ss["data_importing"] = up.name
        reports.append((up.name, actions.run_import(
            ctx.store, up.name, up.getvalue(), kind=kind, mapping=mapping,
            skip_bad_rows=skip_bad, progress=progress,
        )))
        ss.pop("data_importing", None)
    bar.progress(1.0, text=ctx.t("data.import_done"))
    st.rerun()  # every widget (sidebar options too) sees the new data version


# -- imports list -----------------------------------------------------------------------
def _imports_section(ctx: PageContext) -> None:
    ss, lang = st.session_state, ctx.lang
    st.header(ctx.t("data.imports"))
    imports = ctx.store.imports()
    if imports.empty:
        st.info(ctx.t("data.no_imports"))
        return
    pending = ss.get("data_confirm_remove")
    # Survey answers naming neither a stage nor a touchpoint, per import: how many sit on
    # their customer's latest event now (a later events file can place them).
    placed = ctx.query(metrics.placed_by_import)
    for row in imports.itertuples(index=False):
        iid = int(row.import_id)
        with st.container(border=True, horizontal=True, vertical_alignment="center"):
            st.text(f"#{iid} · {_file_name(ctx, row)}")
            st.caption(ctx.t(
                "data.import_line", kind=ctx.t(f"data.kind.{row.kind}"),
                rows=i18n.fmt_int(row.rows, lang), skipped=i18n.fmt_int(row.skipped, lang),
                when=i18n.fmt_date(row.imported_at, lang),
            ))
            if iid in placed:
                count, on_journey = placed[iid]
                st.caption(ctx.t("data.import_placed", placed=i18n.fmt_int(on_journey, lang),
                                 count=i18n.fmt_int(count, lang)))
            if pending != iid and st.button(ctx.t("data.remove"), key=f"rm_{iid}",
                                            icon=":material/delete:"):
                ss["data_confirm_remove"] = iid
                st.rerun()
        if pending == iid:
            with st.container(border=True):
                st.warning(ctx.t("data.confirm_remove", id=iid,
                                 rows=i18n.fmt_int(row.rows, lang)))
                st.text(str(row.file_name))
                b1, b2 = st.columns(2)
                if b1.button(ctx.t("data.confirm_yes"), key=f"rm_yes_{iid}", type="primary"):
                    actions.remove_import(ctx.store, iid)
                    ss.pop("data_confirm_remove", None)
                    _flash(ctx.t("data.removed", id=iid))
                    st.rerun()
                if b2.button(ctx.t("data.confirm_no"), key=f"rm_no_{iid}"):
                    ss.pop("data_confirm_remove", None)
                    st.rerun()


# -- backup ------------------------------------------------------------------------------
def _backup_section(ctx: PageContext) -> None:
    st.header(ctx.t("data.backup.title"))
    st.caption(ctx.t("data.backup.help"))
    st.download_button(
        ctx.t("data.backup.button"),
        # Copied only when clicked: a consistent snapshot, even while others use the app.
        data=lambda: actions.backup_bytes(ctx.store),
        file_name=download_name("parcours-backup", dt.date.today().isoformat(), ext="duckdb"),
        mime="application/octet-stream", icon=":material/backup:", key="data_backup",
        on_click="ignore",
    )


def _file_name(ctx: PageContext, row: Any) -> str:
    """The demo's stored name is English ("Demo data (seed 42, ...)"): it is said in the
    page's language instead."""
    return ctx.t("data.demo.file_name") if row.kind == "demo" else str(row.file_name)


def _read_only(ctx: PageContext) -> None:
    """Workshop mode: what was imported and the journey model, shown on the wall; no upload,
    no editor and no remove button within reach of a click during a workshop."""
    st.info(ctx.t("data.workshop_note"), icon=":material/visibility:")
    st.header(ctx.t("data.imports"))
    imports = ctx.store.imports()
    if imports.empty:
        st.info(ctx.t("data.no_imports"))
    else:
        show_table(ctx, pd.DataFrame({
            ctx.t("data.col.import"): [f"#{int(i)}" for i in imports["import_id"]],
            ctx.t("data.col.file"): [_file_name(ctx, r) for r in imports.itertuples()],
            ctx.t("data.kind"): [ctx.t(f"data.kind.{k}") for k in imports["kind"]],
            ctx.t("data.col.count"): imports["rows"].astype(int),
            ctx.t("data.col.imported_at"): [i18n.fmt_date(d, ctx.lang)
                                            for d in imports["imported_at"]],
        }))
    st.header(ctx.t("data.model"))
    tps = ctx.store.touchpoints()
    show_table(ctx, pd.DataFrame({
        ctx.t("overview.col.touchpoint"): tps["touchpoint"].astype(str),
        ctx.t("overview.col.stage"): [ctx.stage_label(s) for s in tps["stage"]],
        ctx.t("overview.col.channel"): tps["channel"].fillna("").astype(str),
    }))
    show_table(ctx, ctx.store.personas().fillna("").rename(columns={
        "persona": ctx.t("filter.persona"), "description": ctx.t("data.col.description")}))
    # The applied touchpoint rules, to read on the wall; editing them needs the normal view.
    st.header(ctx.t("rules_ui.title"))
    rules = rules_editor.rules_table(ctx)
    if rules.empty:
        st.info(ctx.t("rules_ui.none"))
    else:
        show_table(ctx, rules)


# -- the journey model editors ----------------------------------------------------------
def _touchpoints_tab(ctx: PageContext) -> None:
    rules_editor.bulk_stage(ctx)
    st.divider()
    st.caption(ctx.t("data.touchpoints_help"))
    tps = ctx.store.touchpoints()
    known = set(tps["touchpoint"])
    # Touchpoints seen in events but not mapped yet are listed too, so they can be mapped.
    extra = [t for t in ctx.options["touchpoints"] if t not in known]
    if extra:
        tps = pd.concat(
            [pd.DataFrame({"touchpoint": extra, "stage": None, "channel": None, "online": None}),
             tps], ignore_index=True,
        )
    edited = st.data_editor(
        tps[["touchpoint", "stage", "channel", "online"]],
        placeholder=i18n.DASH,  # a missing value, not Python's "None"
        key=f"ed_tp_{ctx.data_version}",
        hide_index=True,
        disabled=["touchpoint"],
        width="stretch",
        column_config={
            "touchpoint": st.column_config.TextColumn(ctx.t("overview.col.touchpoint")),
            "stage": st.column_config.SelectboxColumn(
                ctx.t("overview.col.stage"), options=list(ctx.stages_df["stage"]),
                format_func=ctx.stage_label),
            "channel": st.column_config.TextColumn(ctx.t("overview.col.channel")),
            "online": st.column_config.CheckboxColumn(ctx.t("data.col.online")),
        },
    )
    if st.button(ctx.t("data.save"), key="save_tp", icon=":material/save:"):
        actions.save_touchpoints(ctx.store, edited)
        _flash(ctx.t("data.saved"))
        st.rerun()


def _stages_tab(ctx: PageContext) -> None:
    st.caption(ctx.t("data.stages_help"))
    edited = st.data_editor(
        ctx.stages_df[["position", "stage", "label_en", "label_fr"]],
        placeholder=i18n.DASH,  # a missing value, not Python's "None"
        key=f"ed_st_{ctx.data_version}",
        hide_index=True,
        num_rows="dynamic",
        width="stretch",
        column_config={
            "position": st.column_config.NumberColumn(ctx.t("data.col.position"), step=1),
            "stage": st.column_config.TextColumn(ctx.t("data.col.stage_key"), required=True),
            "label_en": st.column_config.TextColumn(ctx.t("data.col.label_en")),
            "label_fr": st.column_config.TextColumn(ctx.t("data.col.label_fr")),
        },
    )
    if st.button(ctx.t("data.save"), key="save_st", icon=":material/save:"):
        try:
            actions.save_stages(ctx.store, edited)
        except StoreError as exc:
            st.error(md(exc.text(ctx.lang, "app")), icon=":material/error:")
        else:
            _flash(ctx.t("data.saved"))
            st.rerun()


def _personas_tab(ctx: PageContext) -> None:
    st.caption(ctx.t("data.personas_help"))
    edited = st.data_editor(
        ctx.store.personas(),
        placeholder=i18n.DASH,  # a missing value, not Python's "None"
        key=f"ed_pe_{ctx.data_version}",
        hide_index=True,
        num_rows="dynamic",
        width="stretch",
        column_config={
            "persona": st.column_config.TextColumn(ctx.t("filter.persona"), required=True),
            "description": st.column_config.TextColumn(ctx.t("data.col.description")),
        },
    )
    if st.button(ctx.t("data.save"), key="save_pe", icon=":material/save:"):
        actions.save_personas(ctx.store, edited)
        _flash(ctx.t("data.saved"))
        st.rerun()


def _answers_tab(ctx: PageContext) -> None:
    """How survey answers without a stage sit on the journey, and the setting that decides."""
    from journey.analytics import scope

    counts = ctx.query(metrics.answer_placement)
    lang = ctx.lang
    st.caption(ctx.t("data.answers_help"))
    st.markdown(ctx.t(
        "data.answers_counts", answers=i18n.fmt_int(counts["answers"], lang),
        unplaced=i18n.fmt_int(counts["unplaced"], lang),
        placed=i18n.fmt_int(counts["placed"], lang)))
    choice = st.radio(
        ctx.t("data.answers_setting"), list(scope.PLACEMENTS),
        index=list(scope.PLACEMENTS).index(counts["setting"]), key="data_answer_placement",
        format_func=lambda v: ctx.t(
            "data.answers.latest_event" if v == scope.PLACEMENTS[0] else "data.answers.none"),
    )
    if choice != counts["setting"] and st.button(ctx.t("data.save"), key="save_placement",
                                                 icon=":material/save:"):
        actions.save_answer_placement(ctx.store, choice)
        _flash(ctx.t("data.saved"))
        st.rerun()


def _fast_filters_section(ctx: PageContext) -> None:
    """The store's fast-filters setting: a toggle, its trade-off, and the build it starts."""
    st.header(ctx.t("data.fast_filters.title"))
    now = actions.fast_filters_status(ctx.store)
    on = st.toggle(ctx.t("data.fast_filters.toggle"), value=now.on, key="data_fast_filters")
    st.caption(ctx.t("data.fast_filters.help"))
    if now.on and not now.built:
        st.info(ctx.t("data.fast_filters.not_built"), icon=":material/hourglass_empty:")
    if on != now.on:
        doing = "data.fast_filters.building" if on else "data.fast_filters.dropping"
        with st.spinner(ctx.t(doing)):
            actions.save_fast_filters(ctx.store, on)
        _flash(ctx.t("data.fast_filters.on" if on else "data.fast_filters.off"))
        st.rerun()


def render(ctx: PageContext) -> None:
    """Demo data, import, the list of imports, and the journey model's editors."""
    st.title(ctx.t("page.data"))
    if ctx.workshop:
        with guard(ctx):
            _read_only(ctx)
        return
    st.caption(ctx.t("data.intro"))
    with guard(ctx):
        _demo_section(ctx)
    if st.session_state.get("data_flash"):
        st.success(st.session_state.pop("data_flash"), icon=":material/check_circle:")
    _import_section(ctx)
    with guard(ctx):
        _imports_section(ctx)
    with guard(ctx):
        _backup_section(ctx)
    with guard(ctx):
        rules_editor.render_rules(ctx)
    st.header(ctx.t("data.model"))
    tabs = st.tabs([ctx.t("data.tab.touchpoints"), ctx.t("data.tab.stages"),
                    ctx.t("data.tab.personas"), ctx.t("data.tab.answers")])
    for tab, draw in zip(tabs, (_touchpoints_tab, _stages_tab, _personas_tab, _answers_tab),
                         strict=True):
        with tab, guard(ctx):
            draw(ctx)
    with guard(ctx):
        _fast_filters_section(ctx)


if __name__ == "__main__":
    render(current_context())
