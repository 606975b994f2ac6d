"""Conformance over the real exports in ../shared/real-exports (never copied here).

Each file is imported with no flags, through the CLI and as an upload's bytes, and gives
the figures computed here independently of Parcours (csv module, DuckDB on the file), or is
refused with a message naming the exact fix. The figures hand-checked in the issue are
pinned as well.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from journey.analytics import metrics
from journey.analytics.filters import Filters
from journey.cli import main
from journey.db.store import Store
from journey.ingest import importer

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "real-exports"
pytestmark = pytest.mark.skipif(
    not REAL.is_dir(), reason="the real exports (../shared/real-exports) are not here"
)
MISSING = {"", "NA", "N/A", "NULL", "NAN", "-"}  # compared upper-cased: 'n/a' is N/A


def _missing(value: str) -> bool:
    return value.strip().upper() in MISSING


def _rows(name: str, encoding: str = "utf-8-sig") -> list[list[str]]:
    text = (REAL / name).read_bytes().decode(encoding)
    return list(csv.reader(io.StringIO(text, newline="")))


def _nps(scores: list[int]) -> tuple[float, int]:
    promoters = sum(1 for s in scores if s >= 9)
    detractors = sum(1 for s in scores if s <= 6)
    return round(100 * (promoters - detractors) / len(scores), 2), len(scores)


def _file_sql(sql: str, name: str) -> list[tuple]:
    con = duckdb.connect()
    path = str(REAL / name)
    query = sql.replace("FILE", "read_csv($p, all_varchar=true)")
    return con.execute(query, {"p": path}).fetchall()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(tmp_path / "real.duckdb")
    yield s
    s.close()


def _import(store: Store, name: str, **kw: object) -> importer.ImportReport:
    return importer.import_file(store, REAL / name, **kw)


def _overview(store: Store) -> dict:
    return metrics.overview(store.cursor(), Filters())


def _one(store: Store, sql: str, params: list | None = None) -> object:
    return store.cursor().execute(sql, params or []).fetchone()[0]


# -- surveys -------------------------------------------------------------------------------
def test_benavent_french_nps(store: Store) -> None:
    rows = _rows("nps_benavent_fr.csv", "latin-1")
    header, data = rows[0], rows[1:]
    nps_col, text_col = header.index("nps"), header.index("explication")
    expected = _nps([int(r[nps_col]) for r in data if not _missing(r[nps_col])])
    verbatims = sum(1 for r in data if not _missing(r[text_col]))
    assert expected == (53.42, 13_612) and verbatims == 3_838  # NA and 'na' are no answer

    report = _import(store, "nps_benavent_fr.csv")
    assert report.ok and report.kind == "responses", report.to_text()
    assert report.rows_imported == len(data) == 13_954
    ov = _overview(store)
    assert (round(ov["nps"], 2), ov["nps_n"]) == expected
    assert _one(store, "SELECT count(comment) FROM responses") == verbatims
    assert _one(store, "SELECT count(*) FROM responses WHERE comment IN ('NA', 'N/A')") == 0
    # 'satisfaction' answers 1-10: not a CSAT 1-5, left out and said so.
    assert _one(store, "SELECT count(csat) FROM responses") == 0
    assert "'satisfaction' reads like CSAT by its name, but its answers go from 1 to 10" in (
        report.to_text()
    )
    # cp850 bytes inside the cp1252 text: repaired (0x82 is é), no control characters left.
    assert "pour échange" in _one(
        store, "SELECT comment FROM responses WHERE customer_id = '3466'"
    )
    assert _one(
        store, "SELECT count(*) FROM responses WHERE regexp_matches(comment, '[\\x80-\\x9f]')"
    ) == 0
    assert any(n.code == "note_encoding_repaired" for n in report.notes)


def test_miro_nps_with_verbatims(store: Store) -> None:
    rows = _rows("nps_miro_feedback.csv")
    header, data = rows[0], rows[1:]
    expected = _nps([int(r[header.index("NPS_Score")]) for r in data])
    verbatims = sum(1 for r in data if r[header.index("text")].strip())
    assert expected == (60.32, 441) and verbatims == 441

    report = _import(store, "nps_miro_feedback.csv")
    assert report.ok, report.to_text()
    ov = _overview(store)
    assert (round(ov["nps"], 2), ov["nps_n"]) == expected
    assert _one(store, "SELECT count(comment) FROM responses") == verbatims
    # Identical rows inside one file are answers, not duplicates.
    assert len(data) - len({tuple(r) for r in data}) == 15
    assert ov["responses"] == 441


def test_qualtrics_multiple_choice_is_not_nps(store: Store) -> None:
    rows = _rows("qualtrics_qualtRics_sample.csv")
    header, answer = rows[0], rows[3]
    report = _import(store, "qualtrics_qualtRics_sample.csv")
    assert report.ok and report.layout == "qualtrics", report.to_text()
    got = store.cursor().execute("SELECT customer_id, ts, nps, comment FROM responses").fetchall()
    assert got == [(
        answer[header.index("ResponseId")],
        dt.datetime.fromisoformat(answer[header.index("RecordedDate")]),
        None,  # Q1 = 2 is a multiple-choice code, not an NPS of -100
        answer[header.index("Q2")],
    )]
    assert got[0][3] == "Hello World!"


def test_qualtrics_legacy_is_the_same_answer(store: Store) -> None:
    legacy = _import(store, "qualtrics_qualtRics_sample_legacy.csv")
    assert legacy.ok and legacy.layout == "qualtrics_legacy", legacy.to_text()
    assert store.cursor().execute("SELECT customer_id, comment FROM responses").fetchall() == [
        ("R_2YPOQ602ER1jkf1", "Hello World!")
    ]
    # The same survey exported the 2017 way holds the same answer: nothing new to count.
    again = _import(store, "qualtrics_qualtRics_sample.csv")
    assert not again.ok and again.rows_present == 1 and again.present_in == [legacy.import_id]
    assert "already in the store" in again.to_text()
    assert _one(store, "SELECT count(*) FROM responses") == 1


def test_qualtrics_without_scores_is_refused_with_the_fix(store: Store) -> None:
    for name, layout in (("qualtrics_impressive_climate.csv", "qualtrics"),
                         ("qualtrics_qualtricstools_no_basis_insights.csv", "qualtrics_2016")):
        report = _import(store, name)
        assert not report.ok and report.layout == layout, report.to_text()
        assert report.kind == "responses"  # never taken for events
        assert [p.code for p in report.problems] == ["no_score"]
        assert "To fix it: --map 'Your column=nps'" in report.to_text()
    assert store.info()["responses"] == 0


def test_impressive_climate_closed_text_is_not_a_comment(store: Store) -> None:
    report = _import(store, "qualtrics_impressive_climate.csv")
    note = next(n for n in report.notes if n.code == "note_closed_comment")
    assert note.column == "Attention"  # "I pay attention", repeated


def test_surveymonkey_open_ended_columns(store: Store) -> None:
    rows = _rows("surveymonkey_monkeyreadr_test_responses.csv")
    header, sub, data = rows[0], rows[1], rows[2:]
    open_ended = [i for i in range(len(header))
                  if sub[i] == "Open-Ended Response" or (not header[i] and sub[i])]
    assert open_ended == [9, 15, 17, 19]
    expected = {
        r[0]: "\n\n".join(r[i].strip() for i in open_ended if not _missing(r[i])) or None
        for r in data
    }
    report = _import(store, "surveymonkey_monkeyreadr_test_responses.csv")
    assert report.ok and report.rows_imported == len(data) == 16, report.to_text()
    got = dict(store.cursor().execute("SELECT customer_id, comment FROM responses").fetchall())
    assert got == expected
    assert _one(store, "SELECT count(*) FROM responses WHERE comment ILIKE '%agree'") == 0


# -- event logs ----------------------------------------------------------------------------
def test_helpdesk_event_log(store: Store) -> None:
    data = _rows("helpdesk_event_log.csv")[1:]
    assert (len(data), len({r[0] for r in data})) == (13_710, 3_804)
    report = _import(store, "helpdesk_event_log.csv")
    assert report.ok and report.kind == "events", report.to_text()
    assert report.mapping == {"CaseID": "customer_id", "CompleteTimestamp": "ts",
                              "ActivityID": "touchpoint"}
    ov = _overview(store)
    assert (ov["events"], ov["customers"]) == (13_710, 3_804)


@pytest.mark.parametrize("name", ["pm4py_running_example.csv", "pm4py_roadtraffic100traces.csv"])
def test_process_mining_logs_are_events_in_utc(store: Store, name: str) -> None:
    rows = _rows(name)
    header, data = rows[0], rows[1:]
    case, ts = header.index("case:concept:name"), header.index("time:timestamp")
    first = min(dt.datetime.fromisoformat(r[ts]).astimezone(dt.UTC) for r in data)
    report = _import(store, name)
    assert report.ok and report.kind == "events", report.to_text()  # not a touchpoint map
    ov = _overview(store)
    assert (ov["events"], ov["customers"]) == (len(data), len({r[case] for r in data}))
    assert _one(store, "SELECT min(ts) FROM events") == first.replace(tzinfo=None)
    assert any(n.code == "note_utc" for n in report.notes)
    assert ov["revenue"] == 0.0  # fines and costs are not money from purchases


def test_rees46_revenue_and_conversion(store: Store) -> None:
    (customers, converted, revenue), = _file_sql(
        "SELECT count(DISTINCT user_id), count(DISTINCT user_id) FILTER "
        "(WHERE event_type = 'purchase'), round(sum(price::DOUBLE) FILTER "
        "(WHERE event_type = 'purchase'), 2) FROM FILE", "rees46_ecommerce_2019oct_head.csv"
    )
    assert (customers, converted, revenue) == (1_747, 48, 14_786.59)
    report = _import(store, "rees46_ecommerce_2019oct_head.csv")
    assert report.ok and report.rows_imported == 5_000, report.to_text()
    assert report.stages_suggested == {
        "cart": "consideration", "purchase": "purchase", "view": "consideration"
    }
    ov = _overview(store)
    assert (ov["customers"], ov["converted"], round(ov["revenue"], 2)) == (
        customers, converted, revenue
    )
    assert "'price' counted on purchase events only (54 rows)" in report.to_text()


def test_ga4_id_per_row_and_purchase_converts(store: Store) -> None:
    (events, customers, converted), = _file_sql(
        "SELECT count(*), count(DISTINCT coalesce(user_id, client_id)), count(DISTINCT "
        "coalesce(user_id, client_id)) FILTER (WHERE event_name = 'purchase') FROM FILE",
        "ga4_tagassistant_events.csv",
    )
    assert (events, customers, converted) == (55, 2, 2)
    report = _import(store, "ga4_tagassistant_events.csv")
    assert report.ok and report.layout == "ga4", report.to_text()
    assert [c for c, t in report.mapping.items() if t == "customer_id"] == ["user_id", "client_id"]
    ov = _overview(store)
    assert (ov["events"], ov["customers"], ov["converted"]) == (events, customers, converted)


def test_ga4_items_refused_then_the_fix_works(store: Store) -> None:
    report = _import(store, "ga4_obfuscated_sample_items.csv")
    assert not report.ok and report.problems[0].code == "no_touchpoint_items"
    fix = report.problems[0].fixes[0]
    assert "--map 'item_name=touchpoint'" in report.to_text()
    (rows, customers, revenue), = _file_sql(
        "SELECT count(*), count(DISTINCT user_pseudo_id), round(sum(item_revenue::DOUBLE), 2) "
        "FROM FILE", "ga4_obfuscated_sample_items.csv"
    )
    fixed = _import(store, "ga4_obfuscated_sample_items.csv", mapping=fix.mapping)
    assert fixed.ok, fixed.to_text()
    ov = _overview(store)
    assert (ov["events"], ov["customers"], round(ov["revenue"], 2)) == (rows, customers, revenue)


# -- every file, as a user would: CLI with no flags, and the browser's upload path ----------
FILES = sorted(p.name for p in REAL.glob("*.csv")) if REAL.is_dir() else []
REFUSED = {
    "ga4_obfuscated_sample_items.csv": "--map 'item_name=touchpoint'",
    "qualtrics_impressive_climate.csv": "--map 'Your column=nps'",
    "qualtrics_qualtricstools_no_basis_insights.csv": "--map 'Your column=nps'",
}


@pytest.mark.parametrize("name", FILES)
def test_cli_and_upload_agree(tmp_path: Path, name: str, capsys: pytest.CaptureFixture) -> None:
    db = str(tmp_path / "cli.duckdb")
    code = main(["import", "--db", db, str(REAL / name)])
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    if name in REFUSED:
        assert code == 1 and REFUSED[name] in out.err
    else:
        assert code == 0, out.err
    with Store(tmp_path / "upload.duckdb") as upload:
        report = importer.import_file(upload, (REAL / name).read_bytes(), file_name=name)
        assert report.ok == (code == 0)
        up = upload.info()
    with Store(db) as cli:
        assert cli.info()["events"] == up["events"]
        assert cli.info()["responses"] == up["responses"]
        assert cli.info()["customers"] == up["customers"]
    assert len(FILES) == 13


def test_stored_report_is_json(store: Store) -> None:
    report = _import(store, "rees46_ecommerce_2019oct_head.csv")
    stored = json.loads(store.import_report(report.import_id))
    assert stored["stages_suggested"]["purchase"] == "purchase"
    assert stored["notes"][0]["message"]
