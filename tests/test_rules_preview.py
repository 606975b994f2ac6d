"""The rules UI's core: the preview of rules not yet applied, rule-set versions and Undo, bulk
stage assignment and the setup checklist, each on the hand-made events of test_rules.py with
counts worked out by hand below."""

from __future__ import annotations

import pytest
from small_store import small_store
from test_rules import COLS, EVENTS, MAP

from journey.analytics import rules_preview, setup
from journey.db.rules import Rule, RuleError, matching_names
from journey.db.store import Store, StoreError

# A: session_start, view (/product/42), view (/product/7), scroll, cart, purchase
# B: session_start, view (/help), scroll
HIDE = Rule("touchpoint", "one_of", "session_start|scroll", "hide")
PRODUCT = Rule("page_location", "url_path", "/product/*", "touchpoint", r"Product \1",
               only_for="view")


@pytest.fixture
def store(tmp_path):
    s = small_store(tmp_path / "p.duckdb", events=EVENTS, event_columns=COLS, touchpoints=MAP)
    yield s
    s.close()


def _journeys(store: Store) -> list[tuple]:
    return store.cursor().execute(
        "SELECT customer_id, seq, touchpoint, stage FROM journey_events ORDER BY customer_id, seq"
    ).fetchall()


def test_preview_counts_before_and_after(store):
    version = store.data_version
    pv = rules_preview.preview(store.cursor(), [HIDE, PRODUCT])
    assert not pv.sampled and (pv.customers, pv.events) == (2, 9)
    # Rule 1 hides 2 session_start + 2 scroll; rule 2 renames A's two product views
    # (B's /help is no product page).
    assert pv.per_rule.to_dict("list") == {"rule": [1, 2], "matched": [4, 2],
                                           "decisive": [4, 2]}
    rows = {(r.before, r.after): (r.events, r.customers) for r in pv.changes.itertuples()}
    assert rows == {
        ("scroll", None): (2, 2), ("session_start", None): (2, 2),
        ("view", "Product 42"): (1, 1), ("view", "Product 7"): (1, 1),
        ("view", "view"): (1, 1), ("cart", "cart"): (1, 1), ("purchase", "purchase"): (1, 1),
    }
    # Changed rows come first.
    assert all(r.before != r.after for r in pv.changes.head(4).itertuples())
    assert (pv.hidden_before, pv.hidden_after) == (0, 4)
    assert (pv.touchpoints_before, pv.touchpoints_after) == (5, 5)
    # Sankeys: 2 journeys each; now both start at session_start, after A starts at
    # "Product 42" and B at "view", which ends there (a drop-off at step 2).
    before, after = pv.sankey_before, pv.sankey_after
    assert before["journeys"] == after["journeys"] == 2
    first = {n["name"]: n["customers"] for n in before["nodes"] if n["step"] == 1}
    assert first == {"session_start": 2}
    first = {n["name"]: n["customers"] for n in after["nodes"] if n["step"] == 1}
    assert first == {"Product 42": 1, "view": 1}
    drops = [n for n in after["nodes"] if n["kind"] == "dropoff"]
    assert [(n["step"], n["customers"]) for n in drops] == [(2, 1)]
    # A preview writes nothing.
    assert store.rules() == [] and store.data_version == version


def test_preview_of_the_applied_rules_changes_nothing(store):
    store.set_rules([HIDE, PRODUCT])
    pv = rules_preview.preview(store.cursor(), [HIDE, PRODUCT])
    assert (pv.hidden_before, pv.hidden_after) == (4, 4)
    assert all(r.before == r.after for r in pv.changes.itertuples())


def test_preview_samples_whole_journeys_of_big_stores(store):
    pv = rules_preview.preview(store.cursor(), [HIDE], max_events=5)
    # 5 events * 2 customers / 9 events -> 1 customer, with all of their events.
    assert pv.sampled and pv.customers == 1 and pv.events in (6, 3)
    assert (pv.all_customers, pv.all_events) == (2, 9)


def test_preview_of_a_bad_rule_says_which_and_writes_nothing(store):
    version = store.data_version
    with pytest.raises(RuleError) as err:
        rules_preview.preview(store.cursor(), [HIDE, Rule("touchpoint", "regex", "(a+)+",
                                                          "hide")])
    assert err.value.text("en").startswith("Rule 2: ")
    assert store.data_version == version


def test_preview_binds_rule_text_as_data(store):
    sneaky = "x'); DROP TABLE events; --"
    pv = rules_preview.preview(store.cursor(), [
        Rule("touchpoint", "equals", "view", "touchpoint", sneaky),
        Rule(sneaky, "equals", sneaky, "hide")])
    assert pv.per_rule["matched"].tolist() == [3, 0]
    assert sneaky in set(pv.changes["after"])
    assert store.info()["events"] == 9


# -- versions and Undo ---------------------------------------------------------------------
def test_every_change_keeps_the_previous_set_and_undo_walks_back(store):
    original = _journeys(store)
    assert store.rule_versions() == 0 and store.undo_rules() is None
    store.set_rules([HIDE])
    hidden = _journeys(store)
    store.set_rules([HIDE, PRODUCT])
    store.set_rules([HIDE, PRODUCT])  # the same rules again: nothing to undo
    assert store.rule_versions() == 2
    version = store.data_version
    assert store.undo_rules() == [HIDE]
    assert store.rules() == [HIDE] and _journeys(store) == hidden
    assert store.data_version > version  # every page sees the change
    assert store.undo_rules() == []
    assert store.rules() == [] and _journeys(store) == original
    assert store.rule_versions() == 0 and store.undo_rules() is None


def test_versions_survive_reopening(store, tmp_path):
    store.set_rules([HIDE])
    store.close()
    with Store(tmp_path / "p.duckdb") as again:
        assert again.rule_versions() == 1
        assert again.undo_rules() == []


# -- bulk stage assignment -------------------------------------------------------------------
def test_bulk_assignment_sets_the_stage_and_keeps_the_rest(store):
    assert store.assign_stage(["session_start", "scroll", "scroll"], "awareness") == 2
    assert store.assign_stage(["Product page"], "purchase") == 1
    tps = store.touchpoints().set_index("touchpoint")
    assert tps.loc["session_start", "stage"] == "awareness"
    assert tps.loc["scroll", "stage"] == "awareness"
    # Its channel and online flag stay as they were.
    assert tuple(tps.loc["Product page", ["stage", "channel", "online"]]) == (
        "purchase", "web", True)
    assert store.cursor().execute(
        "SELECT count(*) FROM journey_events WHERE stage IS NULL").fetchone()[0] == 0


def test_bulk_assignment_refuses_bad_input_and_changes_nothing(store):
    version = store.data_version
    with pytest.raises(StoreError) as err:
        store.assign_stage(["scroll"], "nowhere")
    assert "nowhere" in err.value.text("en") and "awareness" in err.value.text("en")
    with pytest.raises(StoreError):
        store.assign_stage([], "awareness")
    assert store.data_version == version


def test_wildcard_picks_touchpoints_ignoring_case():
    names = ["Product page", "product list", "Cart", "My products"]
    assert matching_names(names, "wildcard", "Product*") == ["Product page", "product list"]
    assert matching_names(names, "wildcard", "*product*") == [
        "Product page", "product list", "My products"]
    with pytest.raises(RuleError):
        matching_names(names, "regex", "(a+)+")


# -- the setup checklist ----------------------------------------------------------------------
def test_checklist_counts_by_hand(store):
    check = setup.checklist(store.cursor())
    # session_start (2 events) and scroll (2 events) have no stage; one purchase converts.
    assert (check["events"], check["touchpoints"]) == (9, 5)
    assert (check["unstaged_touchpoints"], check["unstaged_events"]) == (2, 4)
    assert (check["converting_events"], check["items"]) == (1, ["unstaged"])
    assert setup.unstaged_touchpoints(store.cursor()) == ["scroll", "session_start"]
    store.set_rules([HIDE])
    assert setup.checklist(store.cursor())["items"] == []
    # The purchase loses its stage: nothing converts any more.
    store.assign_stage(["purchase"], None)
    check = setup.checklist(store.cursor())
    assert check["items"] == ["unstaged", "no_conversion"]
    assert (check["unstaged_touchpoints"], check["unstaged_events"]) == (1, 1)
    store.set_setting("conversion_stage", "checkout")
    check = setup.checklist(store.cursor())
    assert not check["conversion_known"] and "no_conversion" in check["items"]


def test_checklist_of_a_store_without_events(tmp_path):
    with Store(tmp_path / "e.duckdb") as empty:
        assert setup.checklist(empty.cursor())["items"] == ["no_events"]


def test_attribute_names_are_the_kept_columns(store):
    assert rules_preview.attribute_names(store.cursor()) == ["page_location"]


def test_cli_undo(store, tmp_path, capsys):
    from journey.cli import main

    store.set_rules([HIDE])
    store.close()
    db = str(tmp_path / "p.duckdb")
    assert main(["rules", "undo", "--db", db]) == 0
    assert "Back to the previous rules: 0 rules; 9 events in journeys." in capsys.readouterr().out
    assert main(["rules", "undo", "--db", db]) == 1
    assert "Nothing to undo" in capsys.readouterr().err


# -- capture groups: our `\1`, Spark's `$1` --------------------------------------------------
def test_capture_groups_in_the_users_syntax_and_in_sparks():
    from journey.db.rules import compile_rule, spark_rewrite

    rule = Rule("page_location", "url_path", "/product/*", "touchpoint", r"Product \1")
    assert compile_rule(rule).rewrite == r"Product \1"
    assert spark_rewrite(r"Product \1") == "Product $1"
    # A literal backslash and a dollar sign stay literal on both sides.
    stored = compile_rule(Rule("touchpoint", "regex", "^(a)(b)$", "touchpoint",
                               r"Price \ $5 \2")).rewrite
    assert stored == r"Price \\ $5 \2"
    assert spark_rewrite(stored) == r"Price \\ \$5 $2"
