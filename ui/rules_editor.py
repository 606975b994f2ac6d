"""The Data page's touchpoint rules editor, its preview, Apply / Undo, and the bulk stage
assignment of the touchpoints tab.

The rules being edited (the *draft*) live in the session until Apply: nothing is written
while one adds, removes, reorders or loads rules, and the preview shows what the draft would
change against the rules applied now. Apply stores the draft in one transaction that
re-derives every journey and moves the data version, so every page (and every cached
figure, keyed by that version) shows the new journeys on its next run. Undo puts back the
rule set before the last change (the store keeps earlier sets: journey/db/rules.py).

Every rule text shown here goes through st.text or a table cell (never Markdown), or
`md_escape` when it sits inside a message.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from journey import i18n
from journey.analytics import rules_preview
from journey.db import rules as rules_db
from journey.db.rules import Rule, RuleError
from journey.db.store import StoreError
from journey.ingest import rule_sets
from journey.present import flow_charts
from ui import data_actions as actions
from ui.filenames import download_name, safe_stem
from ui.page import PageContext

md = i18n.md_escape
DRAFT = "rules_draft"  # session: {"base": the stored rules it started from, "rules": [...]}
FLASH = "data_flash"  # the Data page's one-shot success message
BASE_FIELDS = list(rules_db.BASE_FIELDS)
SANKEY_HEIGHT = 360


def _flash(message: str) -> None:
    st.session_state[FLASH] = message


def draft(ctx: PageContext) -> list[Rule]:
    """The rules being edited. Started from the stored rules, and started again when those
    change (an Apply, an Undo, another session or the command line)."""
    stored = ctx.store.rules()
    state = st.session_state.get(DRAFT)
    if not isinstance(state, dict) or state.get("base") != stored:
        state = {"base": stored, "rules": list(stored)}
        st.session_state[DRAFT] = state
    return state["rules"]


def _set_draft(rules: list[Rule]) -> None:
    st.session_state[DRAFT]["rules"] = list(rules)


def describe(ctx: PageContext, rule: Rule) -> str:
    """One rule in words, plain text: "page_location URL path pattern “/product/*” → set
    touchpoint: Product \\1"."""
    kind = ctx.t(f"rules_ui.kind.{rule.kind}") if rule.kind in rules_db.KINDS else rule.kind
    action = (ctx.t(f"rules_ui.action.{rule.action}") if rule.action in rules_db.ACTIONS
              else rule.action)
    text = ctx.t("rules_ui.rule_line", field=rule.field, kind=kind, pattern=rule.pattern,
                 action=action)
    if rule.action == "stage" and rule.value:
        text = i18n.labelled(text, ctx.stage_label(rule.value), ctx.lang)
    elif rule.action != "hide" and rule.value:
        text = i18n.labelled(text, rule.value, ctx.lang)
    if rule.only_for:
        text += " " + ctx.t("rules_ui.only_for_note", names=rule.only_for)
    if rule.rule_set:
        text += f" [{ctx.t(f'rules_ui.set.{rule.rule_set}')}]" \
            if rule.rule_set in rule_sets.SETS else f" [{rule.rule_set}]"
    return text


def _fields(ctx: PageContext) -> list[str]:
    """Columns a condition can read: the base fields and the attributes kept at import."""
    kept = ctx.query(rules_preview.attribute_names)
    return BASE_FIELDS + [k for k in kept if k not in BASE_FIELDS]


# -- the list ------------------------------------------------------------------------------
def _move(i: int, j: int) -> None:
    rules = list(st.session_state[DRAFT]["rules"])
    rules[i], rules[j] = rules[j], rules[i]
    _set_draft(rules)


def _remove(i: int) -> None:
    rules = list(st.session_state[DRAFT]["rules"])
    del rules[i]
    _set_draft(rules)


def _list(ctx: PageContext, rules: list[Rule]) -> None:
    if not rules:
        st.info(ctx.t("rules_ui.none"), icon=":material/rule:")
        return
    for i, rule in enumerate(rules):
        with st.container(border=True, horizontal=True, vertical_alignment="center"):
            st.text(f"{i + 1}. {describe(ctx, rule)}")
            st.button("↑", key=f"rule_up_{i}", disabled=i == 0, on_click=_move,
                      args=(i, i - 1), help=ctx.t("rules_ui.up"))
            st.button("↓", key=f"rule_down_{i}", disabled=i == len(rules) - 1,
                      on_click=_move, args=(i, i + 1), help=ctx.t("rules_ui.down"))
            st.button("✕", key=f"rule_rm_{i}", on_click=_remove, args=(i,),
                      help=ctx.t("rules_ui.remove"))


# -- adding ----------------------------------------------------------------------------------
def _add_form(ctx: PageContext, rules: list[Rule]) -> None:
    st.subheader(ctx.t("rules_ui.add_title"))
    c = st.columns([2, 2, 3])
    field = c[0].selectbox(ctx.t("rules_ui.field"), _fields(ctx), key="rule_field",
                           accept_new_options=True, help=ctx.t("rules_ui.field_help"))
    kind = c[1].selectbox(ctx.t("rules_ui.kind"), list(rules_db.KINDS), key="rule_kind",
                          format_func=lambda k: ctx.t(f"rules_ui.kind.{k}"))
    pattern = c[2].text_input(ctx.t("rules_ui.pattern"), key="rule_pattern",
                              help=ctx.t("rules_ui.pattern_help"))
    c = st.columns([2, 2, 3])
    action = c[0].selectbox(ctx.t("rules_ui.action"), list(rules_db.ACTIONS),
                            key="rule_action",
                            format_func=lambda a: ctx.t(f"rules_ui.action.{a}"))
    value: str | None = None
    if action == "stage":
        value = c[1].selectbox(ctx.t("rules_ui.value"), list(ctx.stages_df["stage"]),
                               key="rule_value_stage", format_func=ctx.stage_label)
    elif action == "online":
        value = c[1].selectbox(ctx.t("rules_ui.value"), ["online", "offline"],
                               key="rule_value_online",
                               format_func=lambda v: ctx.t(f"rules_ui.online.{v}"))
    elif action != "hide":
        value = c[1].text_input(ctx.t("rules_ui.value"), key="rule_value",
                                help=ctx.t("rules_ui.value_help"))
    only_for = c[2].text_input(ctx.t("rules_ui.only_for"), key="rule_only_for",
                               help=ctx.t("rules_ui.only_for_help"))
    if st.button(ctx.t("rules_ui.add"), key="rule_add", icon=":material/add:"):
        rule = Rule(str(field or ""), kind, (pattern or "").strip(), action,
                    (value or "").strip() or None, (only_for or "").strip() or None)
        try:
            rules_db.compiled_rows(ctx.store.cursor(), [*rules, rule])
        except RuleError as exc:
            st.error(md(exc.text(ctx.lang)), icon=":material/error:")
            return
        _set_draft([*rules, rule])
        st.rerun()


def _ready_made(ctx: PageContext, rules: list[Rule]) -> None:
    with st.container(horizontal=True, vertical_alignment="bottom"):
        name = st.selectbox(ctx.t("rules_ui.set"), sorted(rule_sets.SETS), key="rule_set",
                            format_func=lambda s: ctx.t(f"rules_ui.set.{s}"))
        if st.button(ctx.t("rules_ui.use"), key="rule_use", icon=":material/playlist_add:",
                     help=ctx.t("rules_ui.use_help")):
            conversion = ctx.store.get_setting("conversion_stage", "purchase") or "purchase"
            added = rule_sets.rule_set(name, set(ctx.stages_df["stage"]), conversion)
            _set_draft([r for r in rules if r.rule_set != name] + added)
            st.rerun()


def _file(ctx: PageContext, rules: list[Rule]) -> None:
    c = st.columns(2)
    with c[0]:
        st.download_button(
            ctx.t("rules_ui.export"), data=actions.rules_file(rules),
            file_name=download_name("parcours-rules", ext="csv"), mime="text/csv",
            icon=":material/download:", key="rules_export", on_click="ignore",
            help=ctx.t("rules_ui.export_help"))
    with c[1]:
        up = st.file_uploader(ctx.t("rules_ui.import"), type=["csv"], key="rules_upload",
                              help=ctx.t("rules_ui.import_help"))
        if up is not None and st.button(ctx.t("rules_ui.import_button"), key="rules_load",
                                        icon=":material/upload:"):
            try:
                loaded = actions.rules_from_file(up.getvalue())
                rules_db.compiled_rows(ctx.store.cursor(), loaded)
            except RuleError as exc:
                st.error(md(exc.text(ctx.lang)), icon=":material/error:")
                return
            except StoreError as exc:
                st.error(ctx.t("rules_ui.file_bad", error=md(exc.text(ctx.lang, "app"))),
                         icon=":material/error:")
                return
            _set_draft(loaded)
            st.rerun()


# -- preview ---------------------------------------------------------------------------------
@st.cache_data(show_spinner=False, max_entries=16)
def _preview(path: str, data_version: int, key: str, _store: Any,
             _rules: list[Rule]) -> rules_preview.RulesPreview:
    cur = _store.cursor()
    try:
        return rules_preview.preview(cur, _rules)
    finally:
        cur.close()


def _preview_section(ctx: PageContext, rules: list[Rule], pending: bool) -> None:
    lang = ctx.lang
    st.subheader(ctx.t("rules_ui.preview_title"))
    try:
        pv = _preview(str(ctx.store.path), ctx.data_version, repr(rules), ctx.store, rules)
    except RuleError as exc:
        st.error(md(exc.text(lang)), icon=":material/error:")
        return
    if not pv.all_events:
        st.info(ctx.t("rules_ui.preview_no_events"))
        return
    if pv.sampled:
        st.caption(ctx.t("rules_ui.preview_sample", customers=i18n.fmt_int(pv.customers, lang),
                         events=i18n.fmt_int(pv.events, lang),
                         all=i18n.fmt_int(pv.all_events, lang)))
    else:
        st.caption(ctx.t("rules_ui.preview_all", customers=i18n.fmt_int(pv.customers, lang),
                         events=i18n.fmt_int(pv.events, lang)))
    if not pending:
        st.caption(ctx.t("rules_ui.preview_same"))
    row = st.container(horizontal=True, gap="medium")
    row.metric(ctx.t("rules_ui.m_hidden"), ctx.t(
        "rules_ui.before_after", before=i18n.fmt_int(pv.hidden_before, lang),
        after=i18n.fmt_int(pv.hidden_after, lang)), border=True,
        help=ctx.t("rules_ui.m_hidden_help"))
    row.metric(ctx.t("rules_ui.m_touchpoints"), ctx.t(
        "rules_ui.before_after", before=i18n.fmt_int(pv.touchpoints_before, lang),
        after=i18n.fmt_int(pv.touchpoints_after, lang)), border=True,
        help=ctx.t("rules_ui.m_touchpoints_help"))
    if rules:
        st.dataframe(pd.DataFrame({
            ctx.t("rules_ui.col.rule"): [f"{i + 1}. {describe(ctx, r)}"
                                         for i, r in enumerate(rules)],
            ctx.t("rules_ui.col.matched"): pv.per_rule["matched"].astype(int),
            ctx.t("rules_ui.col.decisive"): pv.per_rule["decisive"].astype(int),
        }), hide_index=True, width="stretch", placeholder=i18n.DASH)
        st.caption(ctx.t("rules_ui.per_rule_note"))
    hidden = ctx.t("rules_ui.hidden")
    changes = pv.changes.head(40)
    st.dataframe(pd.DataFrame({
        ctx.t("rules_ui.col.before"): [hidden if v is None else v for v in changes["before"]],
        ctx.t("rules_ui.col.after"): [hidden if v is None else v for v in changes["after"]],
        ctx.t("rules_ui.col.events"): changes["events"].astype(int),
        ctx.t("rules_ui.col.customers"): changes["customers"].astype(int),
    }), hide_index=True, width="stretch", placeholder=i18n.DASH)
    c = st.columns(2)
    for col, title_key, sk, key in ((c[0], "rules_ui.sankey_before", pv.sankey_before,
                                     "rules_sankey_before"),
                                    (c[1], "rules_ui.sankey_after", pv.sankey_after,
                                     "rules_sankey_after")):
        with col:
            title = ctx.t(title_key)
            if not sk.get("nodes"):
                st.info(ctx.t("rules_ui.sankey_empty"))
                continue
            option = flow_charts.sankey_option(sk, lang=lang, title=title,
                                               file_name=safe_stem("parcours-rules", key))
            st.echarts_chart(option, key=key, height=SANKEY_HEIGHT, alt=title)


# -- apply / undo ----------------------------------------------------------------------------
def _actions(ctx: PageContext, rules: list[Rule], pending: bool) -> None:
    lang = ctx.lang
    versions = ctx.store.rule_versions()
    with st.container(horizontal=True):
        if st.button(ctx.t("rules_ui.apply"), key="rules_apply", type="primary",
                     disabled=not pending, icon=":material/done_all:",
                     help=ctx.t("rules_ui.apply_help")):
            try:
                with st.spinner(ctx.t("rules_ui.applying")):
                    n = actions.apply_rules(ctx.store, rules)
            except RuleError as exc:
                st.error(md(exc.text(lang)), icon=":material/error:")
                return
            _flash(ctx.t("rules_ui.applied", n=i18n.fmt_int(len(rules), lang),
                         events=i18n.fmt_int(n, lang)))
            st.rerun()
        if st.button(ctx.t("rules_ui.undo"), key="rules_undo", disabled=versions == 0,
                     icon=":material/undo:",
                     help=ctx.t("rules_ui.undo_help", n=i18n.fmt_int(versions, lang))):
            back = actions.undo_rules(ctx.store)
            if back is not None:
                _flash(ctx.t("rules_ui.undone", n=i18n.fmt_int(len(back), lang)))
            st.rerun()
        if st.button(ctx.t("rules_ui.discard"), key="rules_discard", disabled=not pending,
                     icon=":material/close:"):
            st.session_state.pop(DRAFT, None)
            st.rerun()


def render_rules(ctx: PageContext) -> None:
    """The rules section of the Data page (never in workshop mode: the page returns first)."""
    st.header(ctx.t("rules_ui.title"))
    st.caption(ctx.t("rules_ui.intro"))
    rules = draft(ctx)
    pending = rules != st.session_state[DRAFT]["base"]
    if pending:
        st.warning(ctx.t("rules_ui.pending"), icon=":material/edit_note:")
    _list(ctx, rules)
    _ready_made(ctx, rules)
    _add_form(ctx, rules)
    _file(ctx, rules)
    _preview_section(ctx, rules, pending)
    _actions(ctx, rules, pending)


def rules_table(ctx: PageContext) -> pd.DataFrame:
    """The applied rules as a read-only table (workshop mode)."""
    rules = ctx.store.rules()
    return pd.DataFrame({ctx.t("rules_ui.col.rule"): [f"{i + 1}. {describe(ctx, r)}"
                                                      for i, r in enumerate(rules)]})


# -- bulk stage assignment -------------------------------------------------------------------
def bulk_stage(ctx: PageContext) -> None:
    """Many touchpoints into one stage at once: picked in a list and/or by a wildcard."""
    from journey.analytics import setup

    lang = ctx.lang
    st.subheader(ctx.t("rules_ui.bulk_title"))
    unstaged = ctx.query(setup.unstaged_touchpoints)
    only = st.checkbox(ctx.t("rules_ui.bulk_only_unstaged",
                             n=i18n.fmt_int(len(unstaged), lang)),
                       key="bulk_only_unstaged", value=bool(unstaged))
    names = list(unstaged) if only else list(ctx.options["touchpoints"])
    c = st.columns([3, 2, 2])
    picked = c[0].multiselect(ctx.t("rules_ui.bulk_pick"), names, key="bulk_pick")
    pattern = c[1].text_input(ctx.t("rules_ui.bulk_pattern"), key="bulk_pattern",
                              help=ctx.t("rules_ui.bulk_pattern_help"))
    stage = c[2].selectbox(ctx.t("overview.col.stage"), list(ctx.stages_df["stage"]),
                           key="bulk_stage", format_func=ctx.stage_label)
    matched: list[str] = []
    if (pattern or "").strip():
        try:
            matched = rules_db.matching_names(names, "wildcard", pattern.strip())
        except RuleError as exc:
            st.error(md(exc.text(lang)), icon=":material/error:")
            return
        shown = ", ".join(matched[:12]) + (" …" if len(matched) > 12 else "")
        st.caption(ctx.t("rules_ui.bulk_matches", n=i18n.fmt_int(len(matched), lang),
                         names=md(shown)))
    chosen = sorted(set(picked) | set(matched))
    if st.button(ctx.t("rules_ui.bulk_assign", n=i18n.fmt_int(len(chosen), lang)),
                 key="bulk_assign", icon=":material/done:"):
        if not chosen:
            st.error(ctx.t("rules_ui.bulk_nothing"), icon=":material/error:")
            return
        try:
            n = actions.assign_stage(ctx.store, chosen, stage)
        except StoreError as exc:
            st.error(md(exc.text(lang, "app")), icon=":material/error:")
            return
        _flash(ctx.t("rules_ui.bulk_done", n=i18n.fmt_int(n, lang),
                     stage=md(ctx.stage_label(stage))))
        st.session_state.pop("bulk_pick", None)
        st.rerun()
