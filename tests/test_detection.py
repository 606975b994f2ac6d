"""Each detection rule of the importer on hand-made files, with its counter-example."""

from __future__ import annotations

import datetime as dt
import gzip
from pathlib import Path

import pytest

from journey.db.store import Store
from journey.ingest import columns, formats, importer, known_events, mixed_encoding

T = dt.datetime


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "t.duckdb")
    yield s
    s.close()


def _layout_mapping(rows: list[list[str]]) -> tuple[formats.Layout, formats.Suggestion]:
    layout = formats.detect_layout(rows, ",")
    return layout, formats.suggest(layout, rows[1 + layout.extra_header_rows:])


def _csv(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def _all(store: Store, sql: str) -> list[tuple]:
    return store.cursor().execute(sql).fetchall()


# -- missing values -------------------------------------------------------------------------
def test_missing_values_in_any_case() -> None:
    values = ["NA", "n/a", "null", "NaN", "-", "", " ", "na", "#N/A", "0", "None", "-1"]
    assert columns.present(values) == ["0", "None", "-1"]


def test_na_is_missing_when_loading(store: Store, tmp_path: Path) -> None:
    text = "customer,nps,comment\nc1,9,NA\nc2,NA,Great\nc3,N/A,-\nc4,10,null\n"
    report = importer.import_file(store, _csv(tmp_path, "s.csv", text))
    assert report.ok, report.to_text()
    assert _all(store, "SELECT customer_id, nps, comment FROM responses ORDER BY 1") == [
        ("c1", 9, None), ("c2", None, "Great"), ("c3", None, None), ("c4", 10, None),
    ]


# -- scores: scale and meaning ----------------------------------------------------------------
def test_multiple_choice_codes_named_q1_are_not_nps() -> None:
    rows = [["customer", "Q1"]] + [[f"c{i}", str(1 + i % 5)] for i in range(20)]
    _, s = _layout_mapping(rows)
    assert s.mapping == {"customer": "customer_id"}


def test_nps_by_name_needs_its_0_to_10_scale() -> None:
    good = [["customer", "Likelihood to recommend"]] + [[f"c{i}", str(i % 11)] for i in range(20)]
    assert _layout_mapping(good)[1].mapping["Likelihood to recommend"] == "nps"
    slider = [["customer", "Recommendation (0-100)"]] + [
        [f"c{i}", str(i * 5)] for i in range(20)
    ]
    _, s = _layout_mapping(slider)
    assert "nps" not in s.mapping.values()
    assert s.notes[0]["code"] == "note_score_scale" and s.notes[0]["found_high"] == 95


def test_satisfaction_1_to_10_is_not_csat_but_1_to_5_is() -> None:
    ten = [["customer", "satisfaction"]] + [[f"c{i}", str(1 + i % 10)] for i in range(20)]
    _, s = _layout_mapping(ten)
    assert "csat" not in s.mapping.values()
    assert (s.notes[0]["found_low"], s.notes[0]["found_high"]) == (1, 10)
    five = [["customer", "satisfaction"]] + [[f"c{i}", str(1 + i % 5)] for i in range(20)]
    assert _layout_mapping(five)[1].mapping["satisfaction"] == "csat"


def test_explicit_score_names_keep_bad_values_visible() -> None:
    # 'nps' says what it is: its bad values are reported row by row, never silently dropped.
    rows = [["customer", "nps"]] + [[f"c{i}", "11"] for i in range(20)]
    assert _layout_mapping(rows)[1].mapping["nps"] == "nps"


def test_nps_question_wording_in_a_survey_layout() -> None:
    rows = [
        ["Respondent ID", "Start Date", "End Date", "Q", "Which shop?"],
        ["", "", "", "Response", "Response"],
    ] + [[str(100 + i), "", "01/02/2024 10:00:00 AM", str(i % 11), str(1 + i % 4)]
         for i in range(12)]
    rows[0][3] = "How likely are you to recommend us to a colleague?"
    layout, s = _layout_mapping(rows)
    assert layout.name == "surveymonkey"
    assert s.mapping[rows[0][3]] == "nps" and "Which shop?" not in s.mapping


# -- verbatims ------------------------------------------------------------------------------
def test_closed_answers_are_not_verbatims() -> None:
    rows = [["customer", "nps", "feedback"]] + [
        [f"c{i}", "9", ["Agree", "Strongly agree", "Aagree"][i % 3]] for i in range(12)
    ]
    _, s = _layout_mapping(rows)
    assert "comment" not in s.mapping.values()
    assert s.notes == [{"code": "note_closed_comment", "column": "feedback", "distinct": 3,
                        "answers": 12}]


def test_free_text_under_a_generic_name_is_a_verbatim_codes_are_not() -> None:
    text = [["customer", "nps", "text"]] + [
        [f"c{i}", "9", f"the board number {i} is slow to load"] for i in range(6)
    ]
    assert _layout_mapping(text)[1].mapping["text"] == "comment"
    codes = [["customer", "nps", "text"]] + [[f"c{i}", "9", f"X{i}"] for i in range(6)]
    assert "text" not in _layout_mapping(codes)[1].mapping


# -- customer id ----------------------------------------------------------------------------
def test_the_customer_column_is_the_filled_one_per_row(store: Store, tmp_path: Path) -> None:
    text = (
        "event_name,user_id,client_id,event_timestamp\n"
        "page_view,,111.222,1709648521000000\n"
        "purchase,member9,111.222,1709648522000000\n"
    )
    report = importer.import_file(store, _csv(tmp_path, "ga4.csv", text))
    assert report.ok and report.layout == "ga4", report.to_text()
    assert _all(store, "SELECT customer_id, touchpoint FROM events ORDER BY ts") == [
        ("111.222", "page_view"), ("member9", "purchase"),
    ]
    assert "the first of user_id, client_id that is filled" in report.to_text()


def test_a_fully_filled_id_needs_no_fallback() -> None:
    rows = [["user_id", "user_session", "event_time", "event_type"]] + [
        [f"u{i}", f"s{i}", "2024-01-01 10:00:00", "view"] for i in range(5)
    ]
    assert [c for c, t in _layout_mapping(rows)[1].mapping.items() if t == "customer_id"] == [
        "user_id"
    ]


# -- kinds ----------------------------------------------------------------------------------
@pytest.mark.parametrize("header", [
    ["case:concept:name", "concept:name", "time:timestamp"],
    ["CaseID", "ActivityID", "CompleteTimestamp"],
    ["user_id", "event_type", "event_time"],
])
def test_event_logs_by_their_usual_names(header: list[str]) -> None:
    rows = [header, ["1", "register", "2010-12-30 14:32:00+01:00"]]
    layout, s = _layout_mapping(rows)
    assert sorted(s.mapping.values()) == ["customer_id", "touchpoint", "ts"]
    assert formats.detect_kind(set(s.mapping.values()), layout) == "events"


def test_an_activity_with_a_time_is_never_a_touchpoint_map() -> None:
    rows = [["Activity", "Quand"], ["register", "2010-12-30 14:32:00"]]
    layout, s = _layout_mapping(rows)
    assert s.mapping == {"Activity": "touchpoint", "Quand": "ts"}
    assert formats.detect_kind(set(s.mapping.values()), layout) == "events"  # needs a customer
    tp = [["Activity", "stage"], ["register", "awareness"]]
    layout, s = _layout_mapping(tp)
    assert formats.detect_kind(set(s.mapping.values()), layout) == "touchpoints"


def test_event_log_without_customer_is_refused_naming_the_fix(
    store: Store, tmp_path: Path
) -> None:
    path = _csv(tmp_path, "a.csv", "Activity,Quand\nregister,2010-12-30 14:32:00\n")
    report = importer.import_file(store, path)
    assert not report.ok and report.kind == "events"
    assert "No customer column found" in report.to_text()
    assert "--map 'Your column=customer_id'" in report.to_text()


# -- layouts --------------------------------------------------------------------------------
def test_qualtrics_legacy_and_2016_layouts() -> None:
    legacy = [
        ["\ufeffV1", "V2", "V8", "V9", "Q1", "Q2", ""],
        ["ResponseID", "ResponseSet", "StartDate", "EndDate", "Pick one", "Tell us more", ""],
        ["R_1", "Default", "2017-07-18 08:28:09", "2017-07-18 08:28:48", "2", "So slow!", ""],
    ]
    layout, s = _layout_mapping(legacy)
    assert (layout.name, layout.extra_header_rows) == ("qualtrics_legacy", 1)
    assert s.mapping == {"ResponseID": "customer_id", "EndDate": "ts", "Q2": "comment"}
    insights = [
        ["ResponseID", "EndDate", "Q1"],
        ["ResponseID", "EndDate", "How do you feel?"],
        ["{'ImportId': 'responseId'}", "{'ImportId': 'endDate'}", "{'ImportId': 'QID1'}"],
        ["R_1", "2016-06-24 14:27:08", "3"],
    ]
    layout, s = _layout_mapping(insights)
    assert (layout.name, layout.extra_header_rows) == ("qualtrics_2016", 2)
    assert layout.import_ids["Q1"] == "QID1"


def test_qualtrics_time_zone_stored_in_utc(store: Store, tmp_path: Path) -> None:
    text = (
        "RecordedDate,ResponseId,Q1\n"
        "Recorded Date,Response ID,How likely are you to recommend us?\n"
        '"{""ImportId"":""recordedDate"",""timeZone"":""America/Denver""}",'
        '"{""ImportId"":""_recordId""}","{""ImportId"":""QID1""}"\n'
        "2025-11-04 08:31:47,R_1,9\n"
    )
    report = importer.import_file(store, _csv(tmp_path, "q.csv", text))
    assert report.ok, report.to_text()
    assert _all(store, "SELECT ts, nps FROM responses") == [(T(2025, 11, 4, 15, 31, 47), 9)]
    assert "time zone (America/Denver" in report.to_text()


# -- revenue and stages ---------------------------------------------------------------------
def test_price_times_quantity_on_purchases_only(store: Store, tmp_path: Path) -> None:
    text = (
        "customer,date,event,price,quantity\n"
        "c1,2024-01-01 10:00,view_item,20,\n"
        "c1,2024-01-01 10:05,add_to_cart,20,2\n"
        "c1,2024-01-01 10:09,purchase,20,2\n"
        "c2,2024-01-02 10:00,Achat,5.5,\n"
    )
    report = importer.import_file(store, _csv(tmp_path, "e.csv", text))
    assert report.ok, report.to_text()
    assert _all(store, "SELECT touchpoint, revenue FROM events ORDER BY ts") == [
        ("view_item", None), ("add_to_cart", None), ("purchase", 40.0), ("Achat", 5.5),
    ]
    assert "'price' × 'quantity' on purchase events only (2 rows)" in report.to_text()


def test_a_revenue_column_counts_as_it_is(store: Store, tmp_path: Path) -> None:
    text = "customer,date,event,revenue\nc1,2024-01-01,Newsletter,3\n"
    report = importer.import_file(store, _csv(tmp_path, "e.csv", text))
    assert _all(store, "SELECT revenue FROM events") == [(3.0,)]
    assert "Revenue: the amounts in 'revenue'." in report.to_text()


def test_stages_suggested_never_override_the_users(store: Store, tmp_path: Path) -> None:
    store.set_touchpoints([("purchase", "retention", None, None)])  # the user's choice
    text = (
        "customer,date,event,stage\n"
        "c1,2024-01-01 10:00,page_view,\n"
        "c1,2024-01-01 10:01,add_to_cart,advocacy\n"
        "c1,2024-01-01 10:02,purchase,\n"
        "c1,2024-01-01 10:03,begin_checkout,\n"
    )
    report = importer.import_file(store, _csv(tmp_path, "e.csv", text))
    assert report.stages_suggested == {
        "begin_checkout": "consideration", "page_view": "awareness",
    }
    assert dict(_all(store, "SELECT touchpoint, stage FROM touchpoints")) == {
        "purchase": "retention", "add_to_cart": "advocacy", "page_view": "awareness",
        "begin_checkout": "consideration",
    }


def test_known_events_only_purchases_convert() -> None:
    assert known_events.suggested_stage("Ajout au panier") == "consideration"
    assert known_events.suggested_stage("begin_checkout") == "consideration"  # not bought yet
    assert known_events.suggested_stage("PURCHASE") == "purchase"
    assert known_events.suggested_stage("my_custom_event") is None
    assert known_events.is_purchase("achat") and not known_events.is_purchase("refund")


# -- encodings ------------------------------------------------------------------------------
def test_cp850_inside_cp1252_is_repaired_where_unambiguous() -> None:
    raw = (
        "d\x82tach\x82 ; pour \x82change ; m\x88me ; caf\xe9 ; 15\x80 ; pr\x82f\x82r\x82 ; "
        "fin\x85 "
    ).encode("latin-1")
    dec = mixed_encoding.Decoder(mixed_encoding.is_mixed(*mixed_encoding.evidence(raw)))
    text = dec.decode(raw[:9]) + dec.decode(raw[9:], final=True)  # cut inside a word
    assert text == "détaché ; pour échange ; même ; café ; 15€ ; préféré ; fin… "
    assert (dec.stats.repaired, dec.stats.unsure) == (7, 1)
    assert dec.stats.unsure_examples == ["'fin…'"]


def test_plain_cp1252_is_left_alone() -> None:
    raw = "l’avis du client – c’est 15€… Œuvre".encode("cp1252")
    found = mixed_encoding.evidence(raw)
    assert not mixed_encoding.is_mixed(*found)
    dec = mixed_encoding.Decoder(False)
    assert dec.decode(raw, final=True) == "l’avis du client – c’est 15€… Œuvre"
    assert dec.stats.repaired == dec.stats.unsure == 0


def test_undefined_cp1252_bytes_never_become_control_characters(
    store: Store, tmp_path: Path
) -> None:
    path = tmp_path / "c.csv"
    path.write_bytes(b"customer,date,page\nc1,2024-01-01,\x90cole\n")
    report = importer.import_file(store, path)
    assert report.ok and _all(store, "SELECT touchpoint FROM events") == [("École",)]
    assert any(n.code == "note_encoding_repaired" for n in report.notes)


# -- duplicates by content ------------------------------------------------------------------
EVENTS = (
    "customer,date,event\n"
    "c1,2024-01-01 10:00,Home\n"
    "c1,2024-01-01 10:00,Home\n"
    "c2,2024-01-02 11:00,Cart\n"
)


def test_a_gzipped_copy_is_a_duplicate(store: Store, tmp_path: Path) -> None:
    first = importer.import_file(store, _csv(tmp_path, "e.csv", EVENTS))
    assert first.ok
    gz = tmp_path / "e.csv.gz"
    gz.write_bytes(gzip.compress(EVENTS.encode()))
    again = importer.import_file(store, gz)
    assert not again.ok and again.duplicate_of["import_id"] == first.import_id
    assert "python -m journey remove 1" in again.to_text()
    assert store.info()["events"] == 3


def test_an_overlapping_reexport_adds_only_new_rows(store: Store, tmp_path: Path) -> None:
    assert importer.import_file(store, _csv(tmp_path, "a.csv", EVENTS)).ok
    more = EVENTS + "c1,2024-01-01 10:00,Home\nc3,2024-01-03 09:00,Home\n"
    report = importer.import_file(store, _csv(tmp_path, "b.csv", more))
    assert report.ok, report.to_text()
    # The file holds (c1, 10:00, Home) three times and the store twice: one more lands.
    assert (report.rows_imported, report.rows_present, report.present_in) == (2, 3, [1])
    assert "3 rows already in the store (import 1) were left out" in report.to_text()
    assert _all(store, "SELECT customer_id, count(*) FROM events GROUP BY 1 ORDER BY 1") == [
        ("c1", 3), ("c2", 1), ("c3", 1),
    ]


def test_survey_reexport_does_not_count_old_answers_twice(
    store: Store, tmp_path: Path
) -> None:
    old = "id,nps,comment\nr1,9,Great\nr2,3,Slow\n"
    assert importer.import_file(store, _csv(tmp_path, "a.csv", old)).ok
    new = old + "r3,10,Fast\n"
    report = importer.import_file(store, _csv(tmp_path, "b.csv", new))
    assert report.ok and report.rows_imported == 1 and report.rows_present == 2
    assert _all(store, "SELECT count(*), count(DISTINCT customer_id) FROM responses") == [(3, 3)]


# -- advice ---------------------------------------------------------------------------------
def test_skip_advice_says_what_it_drops_and_works(store: Store, tmp_path: Path) -> None:
    text = "customer,nps\n" + "".join(f"c{i},{i % 10}\n" for i in range(9)) + "c9,dix\n"
    path = _csv(tmp_path, "n.csv", text)
    report = importer.import_file(store, path)
    assert not report.ok
    assert "--skip-bad-rows (leaves out 1 of 10 rows)" in report.to_text()
    fixed = importer.import_file(store, path, skip_bad_rows=True)
    assert fixed.ok and fixed.rows_imported == 9


def test_when_most_rows_fail_the_advice_is_the_mapping(store: Store, tmp_path: Path) -> None:
    text = "customer,date,page,revenue\n" + "".join(
        f"c{i},2024-01-0{1 + i % 9},Page,{'cher' if i % 4 else 3}\n" for i in range(8)
    )
    path = _csv(tmp_path, "r.csv", text)
    report = importer.import_file(store, path)
    assert not report.ok and report.fixes == []  # no --skip-bad-rows: it would drop 6 of 8
    fix = report.problems[0].fixes[0]
    assert fix.mapping == {"revenue": "ignore"}
    assert "--map 'revenue=ignore'" in report.to_text()
    fixed = importer.import_file(store, path, mapping=fix.mapping)
    assert fixed.ok and fixed.rows_imported == 8


def test_dry_run_reports_and_writes_nothing(store: Store, tmp_path: Path) -> None:
    before = store.info()
    report = importer.import_file(store, _csv(tmp_path, "e.csv", EVENTS), dry_run=True)
    assert report.ok and report.dry_run and report.import_id is None
    assert report.rows_imported == 3 and report.kind == "events"
    assert report.to_text().startswith("Dry run of 'e.csv': 3 events rows would be imported")
    assert store.info() == before


def test_french_survey_score_and_date_found_by_default(store: Store, tmp_path: Path) -> None:
    # Seen in the browser: these two columns were mapped to nothing and the scores dropped.
    text = (
        "Horodateur;Adresse e-mail;Note de recommandation (0-10);Qu'est-ce qui vous a plu ?\n"
        "05/03/2024 14:30:00;a@example.fr;9;Le conseil en magasin\n"
        "13/03/2024 09:12:00;b@example.fr;4;Trop d'attente en caisse\n"
    )
    report = importer.import_file(store, _csv(tmp_path, "enquete.csv", text))
    assert report.ok, report.to_text()
    assert report.mapping["Note de recommandation (0-10)"] == "nps"
    assert report.mapping["Horodateur"] == "ts"
    assert _all(store, "SELECT customer_id, ts, nps, comment FROM responses ORDER BY ts") == [
        ("a@example.fr", T(2024, 3, 5, 14, 30), 9, "Le conseil en magasin"),
        ("b@example.fr", T(2024, 3, 13, 9, 12), 4, "Trop d'attente en caisse"),
    ]


def test_the_whole_mapping_sent_back_changes_nothing(store: Store, tmp_path: Path) -> None:
    # The app sends the full (unchanged) mapping: a price must still count on purchases only.
    text = (
        "user_id,event_time,event_type,price\n"
        "u1,2024-01-01 10:00:00,view,30\n"
        "u1,2024-01-01 10:05:00,purchase,30\n"
    )
    path = _csv(tmp_path, "e.csv", text)
    pv = importer.preview(path)
    report = importer.import_file(store, path, mapping=dict(pv.mapping))
    assert report.ok and _all(store, "SELECT sum(revenue) FROM events") == [(30.0,)]


def test_c1_characters_in_utf8_text_are_repaired(store: Store, tmp_path: Path) -> None:
    # 'l’accueil' from a Windows text decoded as Latin-1 then saved as UTF-8: U+0092.
    path = tmp_path / "u.csv"
    path.write_bytes("customer,nps,comment\nc1,9,l\u0092accueil\n".encode())
    report = importer.import_file(store, path)
    assert report.ok, report.to_text()
    assert _all(store, "SELECT comment FROM responses") == [("l’accueil",)]
    assert any(n.code == "note_c1_repaired" for n in report.notes)
