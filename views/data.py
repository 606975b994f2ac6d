"""Data: import files, see what was imported, remove imports, edit the journey model."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from journey import i18n
from journey.db.store import StoreError
from journey.ingest import demo, formats
from ui import data_actions as actions
from ui.context import get_context, guard

ctx = get_context()
lang = ctx.lang
store = ctx.store
ss = st.session_state

st.title(ctx.t("page.data"))
st.caption(ctx.t("data.intro"))


def _first(obj: Any, *names: str, default: Any = None) -> Any:
    # ingest's Preview/ImportReport may be dataclasses or dicts; read either.
    for name in names:
        if isinstance(obj, dict) and name in obj:
            return obj[name]
        if hasattr(obj, name):
            return getattr(obj, name)
    return default


def _show_problems(problems: list[Any]) -> None:
    rows = []
    for p in problems or []:
        rows_list = _first(p, "rows", default=[]) or []
        examples = _first(p, "examples", default=[]) or []
        rows.append({
            ctx.t("data.col.problem"): p.text(lang) if hasattr(p, "text")
            else str(_first(p, "message", default=p)),
            ctx.t("data.col.column"): str(_first(p, "column", default="") or ""),
            ctx.t("data.col.count"): int(_first(p, "count", default=len(rows_list)) or 0),
            ctx.t("data.col.rows"): ", ".join(str(r) for r in list(rows_list)[:10])
            + (" …" if len(rows_list) > 10 else ""),
            ctx.t("data.col.examples"): ", ".join(str(e) for e in list(examples)[:5]),
        })
    if rows:
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


def _show_report(name: str, report: Any) -> None:
    """The import report in plain words; user text is shown as text, never as Markdown."""
    dup = _first(report, "duplicate_of")
    ok = bool(_first(report, "ok", default=False))
    with st.container(border=True):
        st.markdown(f"**{actions.md_escape(name)}**")
        if dup:
            st.error(ctx.t(
                "data.report.duplicate",
                id=_first(dup, "import_id", default="?"),
                file=actions.md_escape(_first(dup, "file_name", default="?")),
                when=i18n.fmt_date(_first(dup, "imported_at"), lang),
            ), icon=":material/content_copy:")
        elif ok:
            st.success(ctx.t(
                "data.report.ok",
                rows=i18n.fmt_int(_first(report, "rows_imported", default=0), lang),
                id=_first(report, "import_id", default="?"),
            ), icon=":material/check_circle:")
        else:
            st.error(ctx.t("data.report.failed"), icon=":material/error:")
        skipped = int(_first(report, "rows_skipped", default=0) or 0)
        if skipped:
            st.warning(ctx.t("data.report.skipped", n=i18n.fmt_int(skipped, lang)))
        _show_problems(_first(report, "problems", default=[]))
        unmapped = list(_first(report, "unmapped_touchpoints", default=[]) or [])
        if unmapped:
            st.warning(ctx.t("data.report.unmapped", n=i18n.fmt_int(len(unmapped), lang)))
            st.text(", ".join(str(u) for u in unmapped[:30])
                    + (" …" if len(unmapped) > 30 else ""))
        new_stages = list(_first(report, "new_stages", default=[]) or [])
        if new_stages:
            st.info(ctx.t("data.report.new_stages"))
            st.text(", ".join(str(s) for s in new_stages))
        to_text = getattr(report, "to_text", None)
        if callable(to_text):
            with st.expander(ctx.t("data.report.full")):
                st.text(to_text(lang))


# -- demo data ---------------------------------------------------------------------------
with guard(ctx):
    demo = demo.demo_import(store)
    with st.container(border=True):
        if demo:
            st.markdown(ctx.t("data.demo.present"))
            if st.button(ctx.t("data.demo.remove"), icon=":material/delete:", key="demo_rm"):
                store.remove_import(int(demo["import_id"]))
                # Removing the demo must not make the app load it again at once.
                store.set_setting("demo_autoload", "off")
                ss["data_flash"] = ctx.t("data.demo.removed")
                st.rerun()
        else:
            st.markdown(ctx.t("data.demo.absent"))
            if st.button(ctx.t("data.load_demo"), icon=":material/science:", key="demo_load"):
                with st.spinner(ctx.t("shell.demo.loading")):
                    demo.load_sample(store, customers=5000)
                ss["data_flash"] = ctx.t("data.demo.loaded")
                st.rerun()

if ss.get("data_flash"):
    st.success(ss.pop("data_flash"), icon=":material/check_circle:")

# -- import -----------------------------------------------------------------------------
st.header(ctx.t("data.import"))
for name, report in ss.pop("data_reports", []):
    _show_report(name, report)

uploads = st.file_uploader(
    ctx.t("data.upload"),
    type=["csv", "tsv", "txt", "gz", "xlsx"],
    accept_multiple_files=True,
    key="data_upload",
    help=ctx.t("data.upload_help"),
)
skip_bad = st.checkbox(ctx.t("data.skip_bad_rows"), key="data_skip_bad",
                       help=ctx.t("data.skip_bad_rows_help"))

KIND_OPTIONS = ["auto", *formats.KINDS]


@st.cache_data(show_spinner=False, max_entries=32)
def _preview(file_id: str, name: str, kind: str | None, mapping_key: str,
             _data: bytes, _mapping: dict[str, str] | None) -> Any:
    return actions.preview_file(name, _data, kind=kind, mapping=_mapping)


to_import: list[tuple[Any, str | None, dict[str, str] | None]] = []
for up in uploads or []:
    with st.container(border=True), guard(ctx):
        st.markdown(f"#### {actions.md_escape(up.name)}")
        data = up.getvalue()
        fid = f"{up.file_id}"
        kind_choice = st.selectbox(
            ctx.t("data.kind"), KIND_OPTIONS, key=f"kind_{fid}",
            format_func=lambda k: ctx.t(f"data.kind.{k}"),
        )
        kind = None if kind_choice == "auto" else kind_choice
        edited_key = f"mapping_{fid}_{kind_choice}"
        user_mapping = ss.get(f"mapping_value_{fid}_{kind_choice}")
        pv = _preview(fid, up.name, kind, repr(sorted((user_mapping or {}).items())),
                      data, user_mapping)
        c = st.columns(4)
        c[0].metric(ctx.t("data.detected_kind"),
                    ctx.t(f"data.kind.{_first(pv, 'kind', default='auto') or 'auto'}"))
        c[1].metric(ctx.t("data.layout"), str(_first(pv, "layout", default="?")))
        c[2].metric(ctx.t("data.encoding"), str(_first(pv, "encoding", default="?")))
        delim = _first(pv, "delimiter", default="?")
        c[3].metric(ctx.t("data.delimiter"),
                    {"\t": "TAB", ";": ";", ",": ",", "|": "|"}.get(delim, repr(delim)))
        problems = _first(pv, "problems", default=[]) or []
        if problems:
            st.warning(ctx.t("data.preview_problems"))
            _show_problems(problems)
        frame = _first(pv, "rows", "frame", "df", "data", default=None)
        if isinstance(frame, pd.DataFrame):
            st.dataframe(frame, hide_index=True, width="stretch", height=220)
        columns = list(_first(pv, "columns", "header", default=[]) or [])
        if not columns and isinstance(frame, pd.DataFrame):
            columns = [str(x) for x in frame.columns]
        suggested = user_mapping if user_mapping is not None else (
            _first(pv, "mapping", "suggested_mapping", default={}) or {})
        targets = list(_first(pv, "targets", default=[]) or formats.ALL_TARGETS)
        targets += [t for t in (suggested or {}).values() if t not in targets]
        st.markdown(ctx.t("data.mapping"))
        edited = st.data_editor(
            actions.mapping_frame(columns, suggested),
            key=edited_key,
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
        if mapping != (suggested or {}):
            # Remembered per file and kind: the preview re-reads with it on the next run.
            ss[f"mapping_value_{fid}_{kind_choice}"] = mapping
        to_import.append((up, kind, mapping))

if to_import:
    if st.button(ctx.t("data.import_button", n=len(to_import)), type="primary",
                 icon=":material/upload:", key="data_import"):
        reports = []
        bar = st.progress(0.0, text=ctx.t("data.importing"))
        for k, (up, kind, mapping) in enumerate(to_import):
            def progress(fraction: float, message: str = "", k: int = k,
                         name: str = up.name) -> None:
                total = (k + max(0.0, min(1.0, float(fraction)))) / len(to_import)
                bar.progress(total, text=f"{name}: {message}" if message else name)

            try:
                report = actions.run_import(
                    store, up.name, up.getvalue(), kind=kind, mapping=mapping,
                    skip_bad_rows=skip_bad, progress=progress,
                )
            except StoreError as exc:
                report = {"ok": False, "problems": [{"message": str(exc)}]}
            except Exception as exc:  # noqa: BLE001 - never a traceback on the Data page
                report = {"ok": False, "problems": [{"message": str(exc)[:300]}]}
            reports.append((up.name, report))
        bar.progress(1.0, text=ctx.t("data.import_done"))
        ss["data_reports"] = reports
        st.rerun()  # every widget (sidebar options too) sees the new data version

# -- imports list -----------------------------------------------------------------------
st.header(ctx.t("data.imports"))
with guard(ctx):
    imports = store.imports()
    if imports.empty:
        st.info(ctx.t("data.no_imports"))
    else:
        pending = ss.get("data_confirm_remove")
        for row in imports.itertuples(index=False):
            iid = int(row.import_id)
            with st.container(border=True, horizontal=True, vertical_alignment="center"):
                st.text(f"#{iid} · {row.file_name}")
                st.caption(ctx.t(
                    "data.import_line", kind=ctx.t(f"data.kind.{row.kind}"),
                    rows=i18n.fmt_int(row.rows, lang), skipped=i18n.fmt_int(row.skipped, lang),
                    when=i18n.fmt_date(row.imported_at, lang),
                ))
                if pending != iid:
                    if st.button(ctx.t("data.remove"), key=f"rm_{iid}",
                                 icon=":material/delete:"):
                        ss["data_confirm_remove"] = iid
                        st.rerun()
            if pending == iid:
                with st.container(border=True):
                    st.warning(ctx.t("data.confirm_remove", id=iid,
                                     rows=i18n.fmt_int(row.rows, lang)))
                    st.text(str(row.file_name))
                    b1, b2 = st.columns(2)
                    if b1.button(ctx.t("data.confirm_yes"), key=f"rm_yes_{iid}",
                                 type="primary"):
                        store.remove_import(iid)
                        if row.kind == "demo":
                            store.set_setting("demo_autoload", "off")
                        ss.pop("data_confirm_remove", None)
                        ss["data_flash"] = ctx.t("data.removed", id=iid)
                        st.rerun()
                    if b2.button(ctx.t("data.confirm_no"), key=f"rm_no_{iid}"):
                        ss.pop("data_confirm_remove", None)
                        st.rerun()

# -- the journey model editors ----------------------------------------------------------
st.header(ctx.t("data.model"))
tab_tp, tab_st, tab_pe = st.tabs(
    [ctx.t("data.tab.touchpoints"), ctx.t("data.tab.stages"), ctx.t("data.tab.personas")]
)

with tab_tp, guard(ctx):
    st.caption(ctx.t("data.touchpoints_help"))
    tps = store.touchpoints()
    known = set(tps["touchpoint"])
    # Touchpoints seen in events but not mapped yet are listed too, so they can be mapped.
    extra = [t for t in ctx.options["touchpoints"] if t not in known]
    if extra:
        tps = pd.concat(
            [pd.DataFrame({"touchpoint": extra, "stage": None, "channel": None, "online": None}),
             tps], ignore_index=True,
        )
    stage_keys = list(ctx.stages_df["stage"])
    edited_tp = st.data_editor(
        tps[["touchpoint", "stage", "channel", "online"]],
        key=f"ed_tp_{ctx.data_version}",
        hide_index=True,
        disabled=["touchpoint"],
        width="stretch",
        column_config={
            "touchpoint": st.column_config.TextColumn(ctx.t("overview.col.touchpoint")),
            "stage": st.column_config.SelectboxColumn(
                ctx.t("overview.col.stage"), options=stage_keys, format_func=ctx.stage_label),
            "channel": st.column_config.TextColumn(ctx.t("overview.col.channel")),
            "online": st.column_config.CheckboxColumn(ctx.t("data.col.online")),
        },
    )
    if st.button(ctx.t("data.save"), key="save_tp", icon=":material/save:"):
        store.set_touchpoints(actions.touchpoint_rows(edited_tp))
        ss["data_flash"] = ctx.t("data.saved")
        st.rerun()

with tab_st, guard(ctx):
    st.caption(ctx.t("data.stages_help"))
    stages = ctx.stages_df[["position", "stage", "label_en", "label_fr"]]
    edited_st = st.data_editor(
        stages,
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
            store.set_stages(actions.stage_rows(edited_st))
        except StoreError as exc:
            st.error(str(exc))
        else:
            ss["data_flash"] = ctx.t("data.saved")
            st.rerun()

with tab_pe, guard(ctx):
    st.caption(ctx.t("data.personas_help"))
    personas = store.personas()
    edited_pe = st.data_editor(
        personas,
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
        store.set_personas(actions.persona_rows(edited_pe))
        ss["data_flash"] = ctx.t("data.saved")
        st.rerun()
