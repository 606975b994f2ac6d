"""The Data page's rules editor in the app: write a rule, preview it, apply, see Flows change,
undo; refused patterns; ready-made sets, reorder, remove; the rules file; bulk stage
assignment; the Overview setup checklist; workshop mode read-only. Expected counts are
counted straight from the imported rows, not by the code under test."""

from __future__ import annotations

import json

from journey import i18n
from journey.db.rules import Rule
from journey.db.store import Store
from ui import data_actions

KIOSKS = (
    b"customer_id,timestamp,touchpoint,channel,device\n"
    b"K-1,2026-03-01 10:00,Kiosk A,store,in-store\n"
    b"K-1,2026-03-01 10:05,Kiosk B,store,in-store\n"
    b"K-2,2026-03-02 11:00,Kiosk A,store,in-store\n"
)


def _count(db: str, sql: str) -> int:
    with Store(db) as store:
        return int(store.cursor().execute(sql).fetchone()[0])


def _texts(at) -> list[str]:
    return [t.value for t in at.text]


def _sankey_names(at) -> set[str]:
    spec = json.loads(at.get("echarts_chart")[0].proto.spec)
    return {d["label"]["formatter"] for d in spec["series"][0]["data"]}


def _add(at, kind: str, pattern: str, action: str, value: str | None = None) -> None:
    at.selectbox(key="rule_field").set_value("touchpoint")
    at.selectbox(key="rule_kind").set_value(kind)
    at.text_input(key="rule_pattern").set_value(pattern)
    at.selectbox(key="rule_action").set_value(action)
    at.run()
    if value is not None:
        at.text_input(key="rule_value").set_value(value)
    at.button(key="rule_add").click().run()


def test_write_preview_apply_flows_change_then_undo(app_test, writable_demo_db) -> None:
    db = writable_demo_db
    product = _count(db, "SELECT count(*) FROM events WHERE touchpoint = 'Product page'")
    customers = _count(db, "SELECT count(DISTINCT customer_id) FROM events "
                           "WHERE touchpoint = 'Product page'")
    events = _count(db, "SELECT count(*) FROM events")
    at = app_test(db, page="views/flows.py")
    assert "Product page" in _sankey_names(at)
    at.switch_page("views/data.py").run()
    _add(at, "wildcard", "product*", "touchpoint", "Product details")
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any("“product*”" in t and "Product details" in t for t in _texts(at))
    assert at.warning[0].value.startswith("These rules are not applied yet")
    # The preview, before anything is stored: one rule matching every product page view.
    per_rule = at.dataframe[0].value
    assert per_rule.iloc[0, 1:].tolist() == [product, product]
    changes = at.dataframe[1].value
    assert changes.iloc[0].tolist() == ["Product page", "Product details", product, customers]
    assert len(at.get("echarts_chart")) == 2
    with Store(db) as store:
        assert store.rules() == []
    # Apply: one action, and the Flows page shows the new name at once.
    at.button(key="rules_apply").click().run()
    assert not at.exception
    assert at.success[0].value == (
        f"1 rules applied: {i18n.fmt_int(events, 'en')} events in journeys.")
    with Store(db) as store:
        assert store.rules() == [Rule("touchpoint", "wildcard", "product*", "touchpoint",
                                      "Product details")]
    at.switch_page("views/flows.py").run()
    names = _sankey_names(at)
    assert "Product details" in names and "Product page" not in names
    # Undo: the previous (empty) rule set is back, and so is the old name.
    at.switch_page("views/data.py").run()
    at.button(key="rules_undo").click().run()
    assert at.success[0].value.startswith("The previous rules are back (0 rules)")
    with Store(db) as store:
        assert store.rules() == [] and store.rule_versions() == 0
    at.switch_page("views/flows.py").run()
    assert "Product page" in _sankey_names(at)


def test_a_hostile_pattern_is_refused_with_the_fix_and_changes_nothing(
        app_test, writable_demo_db) -> None:
    at = app_test(writable_demo_db, page="views/data.py")
    _add(at, "regex", "(a+)+$", "hide")
    assert not at.exception
    assert "repeats a group that itself repeats" in at.error[0].value
    assert not any(t.startswith("1. ") for t in _texts(at))  # nothing added to the draft
    at.text_input(key="rule_pattern").set_value("(?=look)ahead").run()
    at.button(key="rule_add").click().run()
    assert "is not valid" in at.error[0].value
    with Store(writable_demo_db) as store:
        assert store.rules() == [] and store.rule_versions() == 0


def test_ready_made_set_reorder_remove_discard(app_test, writable_demo_db) -> None:
    at = app_test(writable_demo_db, page="views/data.py")
    at.selectbox(key="rule_set").set_value("ecommerce").run()
    at.button(key="rule_use").click().run()
    lines = [t for t in _texts(at) if t[:1].isdigit() and ". when " in t]
    assert len(lines) == 8 and "[E-commerce" in lines[0]
    first, second = lines[0].split(". ", 1)[1], lines[1].split(". ", 1)[1]
    at.button(key="rule_down_0").click().run()
    lines = [t for t in _texts(at) if t[:1].isdigit() and ". when " in t]
    assert lines[0] == f"1. {second}" and lines[1] == f"2. {first}"
    at.button(key="rule_rm_0").click().run()
    lines = [t for t in _texts(at) if t[:1].isdigit() and ". when " in t]
    assert len(lines) == 7 and lines[0] == f"1. {first}"
    at.button(key="rules_discard").click().run()
    assert not [t for t in _texts(at) if ". when " in t]
    with Store(writable_demo_db) as store:
        assert store.rules() == []


def test_rules_file_loads_into_the_draft_and_a_wrong_file_is_refused(
        app_test, writable_demo_db) -> None:
    rules = [Rule("touchpoint", "equals", "Chatbot", "hide"),
             Rule("touchpoint", "one_of", "Cart|Checkout", "stage", "purchase")]
    at = app_test(writable_demo_db, page="views/data.py")
    at.get("file_uploader")[1].upload("rules.csv", data_actions.rules_file(rules), "text/csv")
    at.run()
    at.button(key="rules_load").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    lines = [t for t in _texts(at) if ". when " in t]
    assert len(lines) == 2 and "“Chatbot”" in lines[0]
    at.get("file_uploader")[1].upload("other.csv", b"name,value\nx,1\n", "text/csv")
    at.run()
    at.button(key="rules_load").click().run()
    assert "This rules file cannot be read" in at.error[0].value
    assert len([t for t in _texts(at) if ". when " in t]) == 2  # the draft is unchanged
    with Store(writable_demo_db) as store:
        assert store.rules() == []


def test_checklist_then_bulk_assignment_by_wildcard(app_test, writable_demo_db) -> None:
    db = writable_demo_db
    at = app_test(db)
    assert not any(s.value == "Before the journey map can be drawn" for s in at.subheader)
    with Store(db) as store:
        assert data_actions.run_import(store, "kiosks.csv", KIOSKS).ok
    at.run()
    # Kiosk A (2 events) and Kiosk B (1 event) have no stage.
    assert any(s.value == "Before the journey map can be drawn" for s in at.subheader)
    assert any(w.value.startswith("2 touchpoints have no stage (3 events)")
               for w in at.warning), [w.value for w in at.warning]
    at.switch_page("views/data.py").run()
    at.text_input(key="bulk_pattern").set_value("kiosk*").run()
    assert any(c.value.startswith("2 touchpoints match: Kiosk A, Kiosk B") for c in at.caption)
    at.selectbox(key="bulk_stage").set_value("retention")
    at.button(key="bulk_assign").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.success[0].value == "2 touchpoints are now in the stage Retention."
    with Store(db) as store:
        tps = store.touchpoints().set_index("touchpoint")
        assert tps.loc[["Kiosk A", "Kiosk B"], "stage"].tolist() == ["retention"] * 2
    at.switch_page("views/overview.py").run()
    assert not any(s.value == "Before the journey map can be drawn" for s in at.subheader)


def test_bulk_assignment_with_nothing_picked_changes_nothing(app_test, writable_demo_db):
    at = app_test(writable_demo_db, page="views/data.py")
    version = Store(writable_demo_db).data_version
    at.checkbox(key="bulk_only_unstaged").uncheck()
    at.text_input(key="bulk_pattern").set_value("nothing-like-this*").run()
    at.button(key="bulk_assign").click().run()
    assert at.error[0].value.startswith("Pick touchpoints in the list")
    with Store(writable_demo_db) as store:
        assert store.data_version == version


def test_workshop_mode_shows_the_rules_but_no_editor(app_test, writable_demo_db) -> None:
    with Store(writable_demo_db) as store:
        store.set_rules([Rule("touchpoint", "equals", "Chatbot", "hide")])
    at = app_test(writable_demo_db, page="views/data.py", query_params={"workshop": "1"})
    assert not at.exception
    keys = {b.key for b in at.button}
    assert not keys & {"rule_add", "rule_use", "rules_apply", "rules_undo", "bulk_assign"}
    assert "Touchpoint rules" in [h.value for h in at.header]
