"""The Variants & loops page under AppTest: the shown values are the analytics' own."""

from __future__ import annotations

from journey import i18n
from journey.analytics import repeats, variants
from journey.analytics.filters import Filters
from journey.db.store import Store

PAGE = "views/variants.py"


def _problems(at) -> list[str]:
    return [str(e.value) for e in at.exception] + [str(e.value) for e in at.error]


def test_variants_loops_and_repeats_on_demo_data(app_test, demo_db):
    at = app_test(demo_db, page=PAGE)
    assert not _problems(at)
    assert at.title[0].value == i18n.t("page.variants", "en")
    with Store(demo_db) as s:
        expected = variants.variants(s.cursor(), Filters(), top=10)
        loops = repeats.loops(s.cursor(), Filters())
        contacts = repeats.repeat_contacts(s.cursor(), Filters())
        rnps = repeats.repeater_nps(s.cursor(), Filters())
    shown = at.dataframe[0].value
    assert list(shown["Customers"]) == [i18n.fmt_int(v, "en") for v in expected["customers"]]
    first = expected.iloc[0]
    assert shown["Journey"].iloc[0] == " → ".join(first["path"])
    if expected.iloc[-1]["kind"] == "other":
        assert shown["Journey"].iloc[-1] == f"Other variants ({expected.iloc[-1]['variants']})"
    looping = loops[loops["customers_repeating"] > 0]
    assert list(at.dataframe[1].value["Looping"]) == [
        i18n.fmt_int(v, "en") for v in looping["customers_repeating"]]
    table = at.dataframe[2].value
    assert table["Touchpoint"].iloc[0] == "All service touchpoints"
    assert list(table["Repeating"]) == [
        i18n.fmt_int(v, "en") for v in contacts["customers_repeating"]]
    with Store(demo_db) as s:
        who = repeats.repeaters(s.cursor(), Filters())
    listed = at.dataframe[4].value
    assert list(listed["Customer"]) == list(who["customer_id"])
    assert list(listed["Repeats"]) == [i18n.fmt_int(v, "en") for v in who["repeats"]]
    texts = [t.value for t in at.text]
    assert any(t.startswith("Repeating customers: ") and f"n = {rnps['repeaters']['n']}" in t
               for t in texts) or rnps["repeaters"]["n"] == 0
    assert any(t.startswith("Difference: ") for t in texts) or rnps["delta"] is None


def test_the_window_changes_the_repeats(app_test, demo_db):
    at = app_test(demo_db, page=PAGE, query_params={"variants_window": "1", "variants_top": "3"})
    assert not _problems(at)
    with Store(demo_db) as s:
        contacts = repeats.repeat_contacts(s.cursor(), Filters(), window_days=1)
        expected = variants.variants(s.cursor(), Filters(), top=3)
    assert len(at.dataframe[0].value) == len(expected) == 4
    assert list(at.dataframe[2].value["Repeating"]) == [
        i18n.fmt_int(v, "en") for v in contacts["customers_repeating"]]
    assert "Repeat contacts within the window (1 d)" in [h.value for h in at.subheader]


def test_french_and_workshop_mode(app_test, demo_db):
    at = app_test(demo_db, page=PAGE, query_params={"lang": "fr", "workshop": "1"})
    assert not _problems(at)
    assert at.title[0].value == "Variantes et boucles"
    # Projected tables, no controls.
    assert len(at.table) >= 3 and not at.number_input
    assert "Parcours" in at.table[0].value.columns



def test_the_team_names_its_service_touchpoints(app_test, writable_demo_db):
    with Store(writable_demo_db) as s:
        by_name = repeats.service_touchpoints(s.cursor())
    assert by_name == ["Chatbot", "Customer service", "Hotline"]  # the English demo's
    at = app_test(writable_demo_db, page=PAGE)
    pick = at.multiselect(key="variants_service")
    assert sorted(pick.value) == by_name
    pick.set_value(["Hotline"]).run()
    assert not _problems(at)
    with Store(writable_demo_db) as s:
        assert repeats.service_touchpoints(s.cursor()) == ["Hotline"]
        contacts = repeats.repeat_contacts(s.cursor(), Filters())
    table = at.dataframe[2].value
    assert list(table["Touchpoint"]) == ["All service touchpoints", "Hotline"]
    assert list(table["Repeating"]) == [
        i18n.fmt_int(v, "en") for v in contacts["customers_repeating"]]
    # Emptied: back to the names.
    at.multiselect(key="variants_service").set_value([]).run()
    assert not _problems(at)
    assert sorted(at.multiselect(key="variants_service").value) == by_name
