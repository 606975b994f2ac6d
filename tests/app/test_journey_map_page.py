"""The journey map page under AppTest: demo and empty stores, persona from the URL, notes,
comparison, workshop mode."""

from __future__ import annotations

import pandas as pd
import pytest

from journey import i18n
from journey.analytics.filters import Filters
from journey.analytics.journey_map import build_map
from journey.db.store import Store

PAGE = "views/journey_map.py"


def _problems(at) -> list[str]:
    return [str(e.value) for e in at.exception] + [str(e.value) for e in at.error]


def _map(db: str, persona: str | None, lang: str = "en", **filters):
    with Store(db) as s:
        return build_map(s.cursor(), Filters(**filters), lang=lang, persona=persona,
                         stages_df=s.stages(), notes_df=s.notes(persona))


def test_demo_store_all_customers(app_test, demo_db):
    at = app_test(demo_db, page=PAGE)
    assert not _problems(at)
    jm = _map(demo_db, None)
    assert [m.value for m in at.metric] == [i18n.fmt_int(s.customers, "en") for s in jm.stages]
    headers = [h.value for h in at.subheader]
    for s in jm.stages:
        assert s.label in headers
    assert len(at.text_area) == len(jm.stages)  # one opportunity note per stage
    assert any("n =" in c.value for c in at.caption)  # the caption gives n


def test_persona_from_url_in_french(app_test, demo_db):
    at = app_test(demo_db, page=PAGE, query_params={"map_persona": "Busy parent", "lang": "fr"})
    assert not _problems(at)
    jm = _map(demo_db, "Busy parent", "fr")
    assert at.selectbox[0].value == "Busy parent"
    assert [m.value for m in at.metric] == [i18n.fmt_int(s.customers, "fr") for s in jm.stages]
    assert "Sensibilisation" in [h.value for h in at.subheader]
    texts = [t.value for t in at.text]
    assert jm.stages[0].touchpoints[0].name in texts


def test_changing_the_persona_changes_the_numbers(app_test, demo_db):
    at = app_test(demo_db, page=PAGE)
    before = [m.value for m in at.metric]
    at.selectbox[0].set_value("Cautious senior").run()
    assert not _problems(at)
    after = [m.value for m in at.metric]
    assert after != before
    jm = _map(demo_db, "Cautious senior")
    assert after == [i18n.fmt_int(s.customers, "en") for s in jm.stages]
    assert at.query_params.get("map_persona") in ("Cautious senior", ["Cautious senior"])


def test_a_typed_note_is_saved_without_a_button(app_test, writable_demo_db):
    at = app_test(writable_demo_db, page=PAGE, query_params={"map_persona": "Deal hunter"})
    assert not _problems(at)
    # No Save button: the note is saved when the box commits its value (on blur).
    assert not [b for b in at.button if b.key and b.key.startswith("save_note_")]
    at.text_area[2].input("Promo code at checkout").run()
    assert not _problems(at)
    assert [t.value for t in at.toast] == [i18n.t("map.saved", "en")]
    with Store(writable_demo_db) as s:
        notes = s.notes("Deal hunter").set_index("stage")["note"].to_dict()
        stage = s.stages()["stage"].iloc[2]
        assert notes == {stage: "Promo code at checkout"}
        assert s.notes(None).empty


def test_a_note_on_the_sidebars_one_persona_comes_back(app_test, writable_demo_db):
    # One persona in the sidebar and none on the page: the map shows that persona, the note
    # is saved under it, and a new visit must read it back from there (it used to read the
    # notes of "all customers" and show an empty box).
    link = {"persona": "Deal hunter"}
    at = app_test(writable_demo_db, page=PAGE, query_params=link)
    assert not _problems(at)
    at.text_area[1].input("Fewer form fields").run()
    assert not _problems(at)
    with Store(writable_demo_db) as s:
        stage = s.stages()["stage"].iloc[1]
        assert s.notes("Deal hunter").set_index("stage")["note"].to_dict() == {
            stage: "Fewer form fields"}
    again = app_test(writable_demo_db, page=PAGE, query_params=link)
    assert not _problems(again)
    assert again.text_area[1].value == "Fewer form fields"
    assert again.text_area[0].value == ""


def test_compare_two_personas_shows_the_moved_values(app_test, demo_db):
    at = app_test(demo_db, page=PAGE, query_params={
        "map_persona": "Busy parent", "map_compare": "persona",
        "map_b_persona": "Cautious senior",
    })
    assert not _problems(at)
    moved = at.dataframe[0].value
    assert len(moved) > 0
    # The biggest move in the demo: how much of a stage happens on a phone.
    assert "mobile" in str(moved.iloc[0].tolist())
    # Then one table for both sides: a lane per line, "A → B" in every stage's cell.
    both = at.dataframe[1].value
    jm = _map(demo_db, "Busy parent")
    assert list(both.columns) == ["Lane", *[s.label for s in jm.stages]]
    assert both.iloc[0, 0] == "Reach (% of first stage)" and both.iloc[0, 1] == "100 → 100"


def test_compare_two_periods(app_test, demo_db):
    at = app_test(demo_db, page=PAGE, query_params={
        "map_compare": "period", "map_b_since": "2026-04-01", "map_b_until": "2026-06-30",
    })
    assert not _problems(at)
    assert len(at.dataframe) >= 1


def test_workshop_mode_has_no_controls(app_test, demo_db):
    at = app_test(demo_db, page=PAGE, query_params={
        "map_persona": "Busy parent", "lang": "fr", "workshop": "1",
    })
    assert not _problems(at)
    assert len(at.selectbox) == 0 and len(at.text_area) == 0
    jm = _map(demo_db, "Busy parent", "fr")
    assert [m.value for m in at.metric] == [i18n.fmt_int(s.customers, "fr") for s in jm.stages]


@pytest.mark.parametrize("query", [{}, {"map_persona": "Nobody"}])
def test_empty_store_shows_an_empty_state(app_test, empty_db, query):
    at = app_test(empty_db, page=PAGE, query_params=query)
    assert not _problems(at)
    assert len(at.info) >= 1
    assert len(at.metric) == 0


def test_filters_that_match_nothing(app_test, demo_db):
    at = app_test(demo_db, page=PAGE, query_params={"since": "2031-01-01"})
    assert not _problems(at)
    assert len(at.info) >= 1
    # A day after the data is read as its last day (the date pickers' bound): the map of that
    # day, with the numbers of the core.
    with Store(demo_db) as s:
        last = pd.Timestamp(s.info()["last_event"]).date()
    assert at.session_state["sb_since"] == last
    jm = _map(demo_db, None, since=last)
    assert [m.value for m in at.metric] == [i18n.fmt_int(s.customers, "en") for s in jm.stages]


def test_filters_that_really_match_nothing(app_test, demo_db):
    at = app_test(demo_db, page=PAGE, query_params={
        "since": "2026-06-30", "until": "2026-06-30", "persona": "Cautious senior",
        "device": "tablet", "outcome": "converted"})
    assert not _problems(at)
    no_match = i18n.t("shell.empty.no_match", "en", button="Reset filters")
    assert no_match in [i.value for i in at.info]
    assert not at.metric and not at.text_area
    assert at.caption[0].value.endswith("Converted journeys · n = 0")


def test_the_sidebar_persona_is_the_maps_persona_and_title(app_test, demo_db):
    at = app_test(demo_db, page=PAGE, query_params={"persona": "Busy parent"})
    assert not _problems(at)
    jm = _map(demo_db, None, personas=("Busy parent",))
    assert [m.value for m in at.metric] == [i18n.fmt_int(s.customers, "en") for s in jm.stages]
    assert "Journey map — Busy parent" in [h.value for h in at.subheader]
    assert "Journey map — all customers" not in [h.value for h in at.subheader]


def test_a_page_persona_never_contradicts_the_sidebar(app_test, demo_db):
    at = app_test(demo_db, page=PAGE, query_params={
        "persona": "Busy parent", "map_persona": "Cautious senior"})
    assert not _problems(at)
    warning = i18n.t("map.persona_outside", "en", persona="Cautious senior",
                     personas="Busy parent")
    assert warning in [w.value for w in at.warning]
    # The map is the sidebar's: Busy parent's numbers, Busy parent's title.
    jm = _map(demo_db, None, personas=("Busy parent",))
    assert [m.value for m in at.metric] == [i18n.fmt_int(s.customers, "en") for s in jm.stages]
    assert "Journey map — Busy parent" in [h.value for h in at.subheader]
    # Its control only offers the sidebar's personas.
    assert at.selectbox(key="w_map_persona").options == ["The sidebar’s personas (Busy parent)",
                                                         "Busy parent"]


def test_comparison_shows_margins_and_what_could_be_noise(app_test, demo_db):
    at = app_test(demo_db, page=PAGE, query_params={
        "map_persona": "Busy parent", "map_compare": "persona",
        "map_b_persona": "Cautious senior"})
    assert not _problems(at)
    moved = at.dataframe[0].value
    if hasattr(moved, "data"):  # a Styler
        moved = moved.data
    assert list(moved.columns)[-2:] == ["Margin (95%)", "Beyond the noise?"]
    assert all(str(m).startswith("± ") for m in moved["Margin (95%)"])
    assert set(moved["Beyond the noise?"]) <= {"yes", "could be noise"}
    # Significant moves come first.
    verdicts = list(moved["Beyond the noise?"])
    assert verdicts == sorted(verdicts, key=lambda v: v != "yes")


def test_workshop_link_keeps_every_parameter(app_test, demo_db):
    at = app_test(demo_db, page=PAGE, query_params={
        "persona": "Busy parent", "map_compare": "persona"})
    at.selectbox(key="w_map_b_persona").set_value("Deal hunter").run()
    assert not _problems(at)
    links = [pl.proto.query_string for pl in at.get("page_link")
             if pl.proto.label == i18n.t("shell.workshop.enter", "en")]
    assert len(links) == 1
    link = links[0]
    for part in ("workshop=1", "persona=Busy+parent", "map_compare=persona",
                 "map_b_persona=Deal+hunter"):
        assert part in link, link
