"""The import report says how many of a file's survey answers were placed on a customer's
latest event (issue #10, item 4): on the command line, in the report's text (EN and FR) and
in the numbers the Data page shows. Every count below is worked out by hand from the files.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from journey.analytics import metrics, scope
from journey.cli import main
from journey.db.store import Store
from journey.ingest import importer

NNBSP = "\u202f"

EVENTS = (
    "customer_id,timestamp,touchpoint,stage\n"
    "a,2026-03-01 10:00:00,Ad,awareness\n"
    "a,2026-03-02 10:00:00,Product page,consideration\n"
    "b,2026-03-01 10:00:00,Ad,awareness\n"
)
# a 10 after Product page: placed there. a 5 before any event of a: not placed.
# b 3 after Ad: placed there. z 7: no events at all, not placed. b 8 names its stage: it is
# not one of the answers without a place. So 4 without a place, 2 placed, 2 left.
SURVEY = (
    "customer_id,timestamp,stage,nps\n"
    "a,2026-03-03 09:00:00,,10\n"
    "a,2026-02-01 09:00:00,,5\n"
    "b,2026-03-05 09:00:00,,3\n"
    "z,2026-03-05 09:00:00,,7\n"
    "b,2026-03-02 09:00:00,purchase,8\n"
)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "t.duckdb")
    yield s
    s.close()


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_survey_file_reports_its_placed_answers(store: Store, tmp_path: Path) -> None:
    assert importer.import_file(store, write(tmp_path, "ev.csv", EVENTS)).ok
    report = importer.import_file(store, write(tmp_path, "survey.csv", SURVEY))
    assert report.ok and report.kind == "responses", report.to_text()
    assert (report.placement, report.answers_without_place, report.answers_placed) == (
        "latest_event", 4, 2)
    text = report.to_text("en")
    assert ("2 of the 4 answers that name neither a stage nor a touchpoint were placed on "
            "their customer’s latest event at or before the answer; 2 stay without a stage "
            "(no event of their customer by then).") in text
    fr = report.to_text("fr")
    assert (f"2 des 4 réponses qui ne nomment ni étape ni point de contact ont été placées "
            f"sur le dernier événement de leur client à la date de la réponse ou "
            f"avant{NNBSP}; 2 restent sans étape") in fr
    # The same numbers as the Data page's tab (the whole store holds this one survey).
    assert metrics.answer_placement(store.cursor()) == {
        "setting": "latest_event", "answers": 5, "unplaced": 4, "placed": 2}


def test_a_dry_run_says_what_would_be_placed(store: Store, tmp_path: Path) -> None:
    assert importer.import_file(store, write(tmp_path, "ev.csv", EVENTS)).ok
    report = importer.import_file(store, write(tmp_path, "survey.csv", SURVEY), dry_run=True)
    assert report.ok and (report.answers_without_place, report.answers_placed) == (4, 2)
    assert "2 of the 4 answers that name neither a stage nor a touchpoint would be placed" in (
        report.to_text("en"))
    assert store.cursor().execute("SELECT COUNT(*) FROM responses").fetchone() == (0,)


def test_with_placement_off_the_report_says_they_stay_without_a_stage(
        store: Store, tmp_path: Path) -> None:
    assert importer.import_file(store, write(tmp_path, "ev.csv", EVENTS)).ok
    store.set_setting(scope.PLACEMENT_SETTING, "none")
    report = importer.import_file(store, write(tmp_path, "survey.csv", SURVEY))
    assert (report.placement, report.answers_without_place, report.answers_placed) == (
        "none", 4, 0)
    assert ("4 answers name neither a stage nor a touchpoint; they stay without a stage, "
            "because the answer placement setting is “Leave them without a stage”") in (
        report.to_text("en"))


def test_events_after_the_survey_place_its_answers(store: Store, tmp_path: Path) -> None:
    # The survey first: no journey yet, nothing placed; then the events file places 2.
    first = importer.import_file(store, write(tmp_path, "survey.csv", SURVEY))
    assert (first.answers_without_place, first.answers_placed) == (4, 0)
    assert "0 of the 4 answers" in first.to_text("en")
    assert metrics.placed_by_import(store.cursor()) == {first.import_id: (4, 0)}
    events = importer.import_file(store, write(tmp_path, "ev.csv", EVENTS))
    assert events.ok and events.answers_on_events == 2
    # The Data page's list of imports follows: the survey's answers are placed now.
    assert metrics.placed_by_import(store.cursor()) == {first.import_id: (4, 2)}
    assert ("2 survey answers that name neither a stage nor a touchpoint are now placed on "
            "events of this file") in events.to_text("en")
    # A second events file whose events come after every answer places nothing new.
    later = importer.import_file(store, write(
        tmp_path, "ev2.csv", "customer_id,timestamp,touchpoint,stage\n"
        "a,2026-04-01 10:00:00,Ad,awareness\n"))
    assert later.ok and later.answers_on_events == 0
    assert "now placed" not in later.to_text("en")


def test_the_command_line_prints_the_count(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "cli.duckdb")
    assert main(["import", "--db", db, str(write(tmp_path, "ev.csv", EVENTS))]) == 0
    capsys.readouterr()
    assert main(["import", "--db", db, str(write(tmp_path, "survey.csv", SURVEY))]) == 0
    out = capsys.readouterr().out
    assert "2 of the 4 answers that name neither a stage nor a touchpoint were placed" in out
