"""What the Data page says around an import beyond the raw report: the dry run of an upload
(kind, layout, mapping, rows to import, rows left out and why, stages suggested), the
report's fixes as one-click choices, the offer to remove the demo, the demo/yours banner.

No rules here: the dry run, the fixes and the counts come from `journey.ingest`; this module
only shows them and turns a click into the mapping, checkbox or kind the page already has.
"""

from __future__ import annotations

import os
from typing import Any

import streamlit as st

from journey import i18n
from journey.db.store import Store
from journey.ingest import demo, messages
from journey.ingest.importer import ImportReport
from journey.ingest.report import Fix
from ui import data_actions as actions
from ui.cancel import rerun_requested

IGNORE = "ignore"
SKIP_KEY = "data_skip_bad"  # the page's "Skip bad rows" checkbox


def with_ignored(columns: list[str], mapping: dict[str, str]) -> dict[str, str]:
    """The editor's mapping with every column left empty said out loud (`ignore`): a
    suggested column the user emptied is then really left out, as `--map col=ignore` does."""
    return {c: mapping.get(c, IGNORE) for c in columns}


DRY_RUNS = "data_dry_runs"  # session state: finished dry runs by file, kind, mapping, data
DRY_RUNS_KEPT = 16


def _dry_run(name: str, store: Store, data: bytes, kind: str | None,
             mapping: dict[str, str], progress: Any, cancel: Any) -> ImportReport:
    from journey.ingest import importer

    try:
        path = actions.spool(name, data)
    except OSError as exc:  # the temp folder is full or not writable
        return actions.failed_report(name, exc)
    try:
        return importer.import_file(store, path, kind=kind, mapping=mapping, dry_run=True,
                                    file_name=name, progress=progress, cancel=cancel)
    finally:
        os.unlink(path)


def _cancel_check(key: tuple[Any, ...]) -> None:
    """Cancel clicked: the next runs show the check as cancelled instead of starting it."""
    st.session_state[f"dry_cancelled_{key[0]}"] = key


def _checked(ctx: Any, up: Any, key: tuple[Any, ...], kind: str | None,
             mapping: dict[str, str]) -> ImportReport | None:
    """The dry run of this upload as it stands (file, kind, mapping, data version): from the
    session's finished ones, or run now under a progress bar with a Cancel button. None when
    the user cancelled it (the page then offers to run it again)."""
    ss = st.session_state
    done: dict[tuple[Any, ...], ImportReport] = ss.setdefault(DRY_RUNS, {})
    if key in done:
        return done[key]
    fid = key[0]
    if ss.get(f"dry_cancelled_{fid}") == key:
        st.warning(ctx.t("mends.dry_run.cancelled", name=i18n.md_escape(up.name)),
                   icon=":material/cancel:")
        if st.button(ctx.t("mends.dry_run.again"), key=f"dry_again_{fid}",
                     icon=":material/refresh:"):
            ss.pop(f"dry_cancelled_{fid}", None)
            st.rerun()
        return None
    # Reading a whole file can take minutes (a big CSV, a workbook near its limit): the
    # check reports its steps, and a click on Cancel asks Streamlit for a new run, which
    # stops this one at its next progress update (a callback marks it cancelled first).
    # Between updates, one long DuckDB statement is interrupted as soon as a rerun is asked.
    slot = st.empty()  # the button and the bar go when the check is done
    with slot.container():
        st.button(ctx.t("mends.dry_run.cancel"), key=f"dry_cancel_{fid}",
                  icon=":material/cancel:", on_click=_cancel_check, args=(key,))
        bar = st.progress(0.0, text=ctx.t("mends.dry_run.checking",
                                          name=i18n.md_escape(up.name)))

    def progress(fraction: float, message: str = "") -> None:
        step = messages.step_text(message, ctx.lang) if message else ""
        text = i18n.labelled(up.name, step, ctx.lang) if message else up.name
        bar.progress(max(0.0, min(1.0, float(fraction))), text=i18n.md_escape(text))

    report = _dry_run(up.name, ctx.store, up.getvalue(), kind, mapping, progress,
                      rerun_requested())
    slot.empty()  # with a rerun pending, Streamlit stops this run here
    if report.problems and report.problems[0].code == "cancelled":
        return None  # never kept: the next run decides (cancelled, or checked again)
    if len(done) >= DRY_RUNS_KEPT:
        done.pop(next(iter(done)))
    done[key] = report
    return report


def _apply(fix: Fix, mapping_key: str, editor_key: str, kind_key: str,
           current: dict[str, str]) -> None:
    """A fix clicked: change what the page's own controls hold (before they are drawn)."""
    ss = st.session_state
    if fix.code == "map":
        ss[mapping_key] = {**current, **fix.mapping}
        ss.pop(editor_key, None)  # the editor redraws from the new mapping
    elif fix.code == "skip_bad_rows":
        ss[SKIP_KEY] = True
    elif fix.code == "kind":
        ss[kind_key] = fix.params["kind"]


def _fix_buttons(ctx: Any, fixes: list[Fix], keys: tuple[str, str, str],
                 current: dict[str, str], prefix: str) -> None:
    for i, fix in enumerate(fixes):
        if fix.code not in ("map", "skip_bad_rows", "kind"):
            continue
        st.button(i18n.md_escape(fix.text(ctx.lang, "app")), key=f"{prefix}_{i}",
                  icon=":material/build:", on_click=_apply, args=(fix, *keys, current))


def show_dry_run(ctx: Any, up: Any, fid: str, kind_choice: str, kind: str | None,
                 columns: list[str], mapping: dict[str, str]) -> None:
    """Under an upload: what importing it now would do, and one click per fix."""
    lang = ctx.lang
    full = with_ignored(columns, mapping)
    key = (fid, up.name, kind, repr(sorted(full.items())), ctx.data_version)
    report = _checked(ctx, up, key, kind, full)
    if report is None:
        return
    keys = (f"mapping_value_{fid}_{kind_choice}", f"mapping_{fid}_{kind_choice}", f"kind_{fid}")
    if report.ok:
        st.success(ctx.t(
            "data.advice.would_import", rows=i18n.fmt_int(report.rows_imported, lang),
            kind=ctx.t(f"data.kind.{report.kind}"),
            layout=i18n.md_escape(report.layout or i18n.DASH),
        ), icon=":material/task_alt:")
    else:
        st.error(ctx.t("data.advice.would_refuse"), icon=":material/block:")
    for k, problem in enumerate(report.problems):
        st.markdown(f"- {i18n.md_escape(problem.text(lang, 'app'))}")
        _fix_buttons(ctx, problem.fixes, keys, mapping, f"fix_{fid}_{k}")
    if not report.ok:
        _fix_buttons(ctx, report.fixes, keys, mapping, f"fixall_{fid}")
    if report.rows_present:
        st.caption(ctx.t("data.advice.present", n=i18n.fmt_int(report.rows_present, lang)))
    # Survey answers naming neither a stage nor a touchpoint: where importing would put them.
    for line in report.placement_lines(lang):
        st.caption(i18n.md_escape(line))
    for k, note in enumerate(report.notes):
        st.caption(i18n.md_escape(note.text(lang, "app")))
        _fix_buttons(ctx, note.fixes, keys, mapping, f"note_{fid}_{k}")
    if report.stages_suggested:
        pairs = ", ".join(f"{tp} → {ctx.stage_label(stage)}"
                          for tp, stage in report.stages_suggested.items())
        st.caption(ctx.t("data.advice.stages", pairs=i18n.md_escape(pairs)))


def demo_offer(ctx: Any, report: ImportReport) -> None:
    """After a real import over the demo: say the figures mix both, offer to remove it."""
    if not (report.ok and report.demo):
        return
    iid = int(report.demo["import_id"])
    st.info(ctx.t("data.advice.demo_mixed"), icon=":material/science:")
    if st.button(ctx.t("data.demo.remove"), key=f"demo_rm_after_{report.import_id}",
                 icon=":material/delete:"):
        actions.remove_import(ctx.store, iid)
        st.session_state["data_flash"] = ctx.t("data.demo.removed")
        st.rerun()


def demo_banner(share: dict[str, Any] | None, lang: str) -> str:
    """The shell's banner: demo only, or demo and yours side by side with their counts."""
    if not share or not any(share["yours"].values()):
        return i18n.t("shell.demo.banner", lang)
    d, y = share["demo"], share["yours"]
    return i18n.t(
        "data.advice.banner_mixed", lang,
        demo_customers=i18n.fmt_int(d["customers"], lang),
        demo_events=i18n.fmt_int(d["events"], lang),
        demo_responses=i18n.fmt_int(d["responses"], lang),
        your_customers=i18n.fmt_int(y["customers"], lang),
        your_events=i18n.fmt_int(y["events"], lang),
        your_responses=i18n.fmt_int(y["responses"], lang),
    )


def demo_share(store: Store) -> dict[str, Any] | None:
    return demo.demo_share(store)
