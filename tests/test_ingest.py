"""End-to-end imports of small hand-written files in every supported layout."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from journey.cli import main
from journey.db.store import EVENT_ID_STRIDE, Store
from journey.ingest import importer

T = dt.datetime


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "t.duckdb")
    yield s
    s.close()


def write(tmp_path: Path, name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
    return path


def rows(store: Store, sql: str, params: list | None = None) -> list[tuple]:
    return store.cursor().execute(sql, params or []).fetchall()


EVENTS = (
    "user_id,timestamp,event,channel,stage,revenue\n"
    "u1,2024-03-05 10:00:00,Home page,web,Awareness,\n"
    "u1,2024-03-05T10:05:00Z,Cart,web,Achat,19.90\n"
    "u2,2024-03-06 09:00:00+02:00,Hotline,phone,Onboarding,\n"
)


def test_generic_events(store: Store, tmp_path: Path) -> None:
    report = importer.import_file(store, write(tmp_path, "ev.csv", EVENTS))
    assert report.ok, report.to_text()
    assert (report.kind, report.layout, report.delimiter) == ("events", "generic", ",")
    assert report.rows_imported == 3 and report.rows_skipped == 0
    assert report.mapping == {"user_id": "customer_id", "timestamp": "ts", "event": "touchpoint",
                              "channel": "channel", "stage": "stage", "revenue": "revenue"}
    assert report.new_stages == ["Onboarding"]
    got = rows(store, "SELECT event_id, customer_id, ts, touchpoint, stage, revenue FROM events "
                      "ORDER BY event_id")
    base = report.import_id * EVENT_ID_STRIDE
    assert got == [
        (base + 1, "u1", T(2024, 3, 5, 10, 0), "Home page", "awareness", None),
        (base + 2, "u1", T(2024, 3, 5, 10, 5), "Cart", "purchase", 19.9),
        (base + 3, "u2", T(2024, 3, 6, 7, 0), "Hotline", "Onboarding", None),  # UTC
    ]
    assert rows(store, "SELECT stage, position FROM stages WHERE stage='Onboarding'") == [
        ("Onboarding", 6)
    ]
    assert rows(store, "SELECT touchpoint, stage, import_id FROM touchpoints ORDER BY 1") == [
        ("Cart", "purchase", report.import_id),
        ("Home page", "awareness", report.import_id),
        ("Hotline", "Onboarding", report.import_id),
    ]
    stored = json.loads(store.import_report(report.import_id))
    assert stored["rows_imported"] == 3 and stored["layout"] == "generic"
    assert "Imported 'ev.csv' as import 1: 3 events rows" in report.to_text()


def test_unmapped_touchpoints_listed(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "e.csv", "customer,date,touchpoint\nc1,2024-01-02,Chatbot\n")
    report = importer.import_file(store, path)
    assert report.ok and report.unmapped_touchpoints == ["Chatbot"]
    assert "not mapped to a stage yet" in report.to_text()


def test_french_excel_cp1252(store: Store, tmp_path: Path) -> None:
    text = (
        "Identifiant client;Horodatage;Point de contact;Étape;Canal;Appareil;Montant\n"
        "c1;05/03/2024 14:30;Caisse magasin;Achat;magasin;en magasin;1 234,50\n"
        "c2;13/03/2024;Réseaux sociaux;Considération;social;mobile;12,5\n"
        "c3;01/04/2024 08:00:15;Été promo;Fidélisation;e-mail;ordinateur;\n"
    )
    report = importer.import_file(store, write(tmp_path, "fr.csv", text, "cp1252"))
    assert report.ok, report.to_text()
    assert (report.layout, report.encoding, report.delimiter) == ("french_excel", "cp1252", ";")
    assert report.date_formats == {"Horodatage": "dd/mm/yyyy"}
    assert report.decimal_comma == ["Montant"]
    got = rows(store, "SELECT customer_id, ts, touchpoint, stage, channel, device, revenue "
                      "FROM events ORDER BY event_id")
    # 'Montant' is an amount, so it is money received only on the purchase (stage Achat):
    # the 12,50 on a social-media visit is not revenue.
    assert got == [
        ("c1", T(2024, 3, 5, 14, 30), "Caisse magasin", "purchase", "magasin", "en magasin",
         1234.5),
        ("c2", T(2024, 3, 13), "Réseaux sociaux", "consideration", "social", "mobile", None),
        ("c3", T(2024, 4, 1, 8, 0, 15), "Été promo", "retention", "e-mail", "ordinateur", None),
    ]
    assert [n.code for n in report.notes] == ["note_revenue_purchases"]
    assert "'Montant' counted on purchase events only (1 rows)" in report.to_text()


def test_ambiguous_dates_french_vs_us(store: Store, tmp_path: Path) -> None:
    fr = write(tmp_path, "fr.csv", "client;date;page\nc1;03/04/2024;A\n")
    us = write(tmp_path, "us.csv", "customer,date,page\nc1,03/04/2024,A\n")
    assert importer.import_file(store, fr).date_formats == {"date": "dd/mm/yyyy"}
    assert importer.import_file(store, us).date_formats == {"date": "mm/dd/yyyy"}
    assert sorted(r[0] for r in rows(store, "SELECT ts FROM events")) == [
        T(2024, 3, 4), T(2024, 4, 3)
    ]
    # A day above 12 proves mm/dd even in a file that looks French.
    proof = write(tmp_path, "p.csv", "client;date;page\nc1;03/04/2024;A\nc2;12/31/2024;B\n")
    report = importer.import_file(store, proof)
    assert report.ok and report.date_formats == {"date": "mm/dd/yyyy"}


def test_epoch_dates(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "e.csv", "customer,ts,touchpoint\nc1,1709648521,A\nc2,1709648522,B\n")
    report = importer.import_file(store, path)
    assert report.date_formats == {"ts": "epoch seconds"}
    assert rows(store, "SELECT min(ts) FROM events") == [(T(2024, 3, 5, 14, 22, 1),)]
    path = write(tmp_path, "m.csv", "customer,ts,touchpoint\nc1,1709648521250,A\n")
    assert importer.import_file(store, path).date_formats == {"ts": "epoch milliseconds"}


def test_ga4_flattened(store: Store, tmp_path: Path) -> None:
    text = (
        "event_date,event_timestamp,event_name,user_pseudo_id,user_id,device.category,"
        "traffic_source.medium,traffic_source.source\n"
        "20240305,1709648521123456,page_view,pseudo1,,mobile,organic,google\n"
        "20240305,1709648522000000,add_to_cart,pseudo1,member9,desktop,cpc,google\n"
    )
    report = importer.import_file(store, write(tmp_path, "ga4.csv", text))
    assert report.ok and report.layout == "ga4"
    assert report.date_formats == {"event_timestamp": "epoch microseconds"}
    assert report.mapping["user_id"] == report.mapping["user_pseudo_id"] == "customer_id"
    assert rows(store, "SELECT customer_id, ts, touchpoint, device, channel FROM events "
                       "ORDER BY event_id") == [
        ("pseudo1", T(2024, 3, 5, 14, 22, 1, 123456), "page_view", "mobile", "organic"),
        ("member9", T(2024, 3, 5, 14, 22, 2), "add_to_cart", "desktop", "cpc"),
    ]


QUALTRICS = (
    'StartDate,EndDate,Status,RecordedDate,ResponseId,Finished,Q1,Q1_NPS_GROUP,Q2,customer_id,'
    'stage\n'
    'Start Date,End Date,Response Type,Recorded Date,Response ID,Finished,'
    '"How likely are you to recommend us to a friend?",Q1 - Group,"Why?\nTell us",customer_id,'
    'stage\n'
    + ",".join(['"{""ImportId"":""x""}"'] * 11) + "\n"
    "2024-03-01 10:00:00,2024-03-01 10:05:00,0,2024-03-01 10:05:01,R_1,1,9,Promoter,"
    "Great,c1,Achat\n"
    "2024-03-02 10:00:00,2024-03-02 10:05:00,0,2024-03-02 10:05:01,R_2,1,3,Detractor,"
    '"Slow, late",c2,retention\n'
)


def test_qualtrics(store: Store, tmp_path: Path) -> None:
    report = importer.import_file(store, write(tmp_path, "q.csv", QUALTRICS))
    assert report.ok, report.to_text()
    assert (report.layout, report.kind, report.rows_imported) == ("qualtrics", "responses", 2)
    assert report.mapping == {"RecordedDate": "ts", "customer_id": "customer_id",
                              "stage": "stage", "Q1": "nps", "Q2": "comment"}
    got = rows(store, "SELECT response_id % 4294967296, customer_id, ts, stage, nps, comment "
                      "FROM responses ORDER BY response_id")
    assert got == [
        (1, "c1", T(2024, 3, 1, 10, 5, 1), "purchase", 9, "Great"),
        (2, "c2", T(2024, 3, 2, 10, 5, 1), "retention", 3, "Slow, late"),
    ]


def test_qualtrics_bad_nps_row_numbers_count_data_rows(store: Store, tmp_path: Path) -> None:
    bad = QUALTRICS.replace(",3,Detractor", ",11,Detractor")
    report = importer.import_file(store, write(tmp_path, "q.csv", bad))
    assert not report.ok
    assert report.problems[0].rows == [2] and report.problems[0].examples == ["11"]


def test_surveymonkey(store: Store, tmp_path: Path) -> None:
    text = (
        "Respondent ID,Collector ID,Start Date,End Date,"
        "How likely is it that you would recommend us to a friend?,What is the main reason?\n"
        ",,,,Response,Open-Ended Response\n"
        "114,9,03/05/2024 02:00:00 PM,03/05/2024 02:22:01 PM,10,Fast delivery\n"
        "115,9,03/13/2024 09:00:00 AM,03/13/2024 09:01:00 AM,6,\n"
    )
    report = importer.import_file(store, write(tmp_path, "sm.csv", text))
    assert report.ok, report.to_text()
    assert (report.layout, report.kind, report.rows_imported) == ("surveymonkey", "responses", 2)
    assert report.date_formats == {"End Date": "mm/dd/yyyy"}
    assert rows(store, "SELECT customer_id, ts, nps, comment FROM responses ORDER BY 1") == [
        ("114", T(2024, 3, 5, 14, 22, 1), 10, "Fast delivery"),
        ("115", T(2024, 3, 13, 9, 1), 6, None),
    ]


def test_xlsx(store: Store, tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Client", "Date", "Point de contact", "Montant"])
    ws.append(["c1", dt.datetime(2024, 3, 5, 14, 30), "Boutique", 12.5])
    ws.append(["c2", dt.datetime(2024, 3, 6), "Site web", 3])
    path = tmp_path / "export.xlsx"
    wb.save(path)
    # An amount on events none of which is a purchase is not revenue: left out, and the
    # report names the flag that says "every row is a sale".
    dry = importer.import_file(store, path, dry_run=True)
    assert dry.ok and dry.encoding == "xlsx" and dry.rows_imported == 2
    note = next(n for n in dry.notes if n.code == "note_revenue_no_purchases")
    assert note.fixes[0].mapping == {"Montant": "revenue"}
    assert "--map 'Montant=revenue'" in dry.to_text()
    assert store.info()["events"] == 0  # a dry run writes nothing
    report = importer.import_file(store, path, mapping=note.fixes[0].mapping)
    assert report.ok, report.to_text()
    assert rows(store, "SELECT customer_id, ts, touchpoint, revenue FROM events ORDER BY 1") == [
        ("c1", T(2024, 3, 5, 14, 30), "Boutique", 12.5),
        ("c2", T(2024, 3, 6), "Site web", 3.0),
    ]


@pytest.mark.parametrize(
    ("encoding", "delimiter", "bom"),
    [("utf-8", "\t", b"\xef\xbb\xbf"), ("utf-16", "|", b""), ("latin-1", ";", b""),
     ("utf-8", ",", b"")],
)
def test_encodings_and_delimiters(
    store: Store, tmp_path: Path, encoding: str, delimiter: str, bom: bytes
) -> None:
    text = delimiter.join(["client", "date", "étape", "page"]) + "\n"
    text += delimiter.join(["Zoé", "2024-03-05", "Achat", "Panier"]) + "\n"
    report = importer.import_file(store, write(tmp_path, "f.csv", bom + text.encode(encoding)))
    assert report.ok, report.to_text()
    assert report.delimiter == delimiter
    assert rows(store, "SELECT customer_id, stage, touchpoint FROM events") == [
        ("Zoé", "purchase", "Panier")
    ]


def test_gzip_by_content(store: Store, tmp_path: Path) -> None:
    data = gzip.compress(EVENTS.encode())
    assert importer.import_file(store, write(tmp_path, "ev.csv.gz", data)).rows_imported == 3
    # gzip'd cp1252 without the .gz extension: found by its magic bytes
    fr = "client;date;page\nc1;05/03/2024;Caisse café\n".encode("cp1252")
    report = importer.import_file(store, write(tmp_path, "fr.csv", gzip.compress(fr)))
    assert report.ok and report.encoding == "cp1252"
    assert ("Caisse café",) in rows(store, "SELECT touchpoint FROM events")


def test_bytes_upload_with_progress(store: Store) -> None:
    seen: list[float] = []
    report = importer.import_file(
        store, EVENTS.encode(), file_name="upload.csv", progress=lambda f, m: seen.append(f)
    )
    assert report.ok and report.file_name == "upload.csv"
    assert seen[0] == 0.0 and seen[-1] == 1.0 and seen == sorted(seen)


def test_customers_persona_and_attributes(store: Store, tmp_path: Path) -> None:
    text = 'customer_id,segment,city,"age ""years"""\nc1,Busy parent,Lyon,41\nc2,,Paris,\n'
    report = importer.import_file(store, write(tmp_path, "c.csv", text))
    assert report.ok and report.kind == "customers"
    got = rows(store, "SELECT customer_id, persona, attributes FROM customers ORDER BY 1")
    assert got[0][:2] == ("c1", "Busy parent")
    assert json.loads(got[0][2]) == {"city": "Lyon", 'age "years"': "41"}
    assert json.loads(got[1][2]) == {"city": "Paris", 'age "years"': None}
    assert rows(store, "SELECT persona FROM personas") == [("Busy parent",)]


def test_touchpoint_map(store: Store, tmp_path: Path) -> None:
    text = "touchpoint,stage,channel,online\nHotline,Fidélisation,phone,non\nApp,advocacy,app,yes\n"
    report = importer.import_file(store, write(tmp_path, "tp.csv", text))
    assert report.ok and report.kind == "touchpoints"
    assert rows(store, "SELECT touchpoint, stage, channel, online FROM touchpoints ORDER BY 1") == [
        ("App", "advocacy", "app", True), ("Hotline", "retention", "phone", False),
    ]


def test_mapping_override_and_quoted_header(store: Store, tmp_path: Path) -> None:
    text = 'Who "really",When,What,date\nc1,2024-01-02 10:00,Visit,garbage\n'
    mapping = {'Who "really"': "customer_id", "When": "ts", "What": "touchpoint"}
    report = importer.import_file(store, write(tmp_path, "m.csv", text), mapping=mapping)
    assert report.ok, report.to_text()
    assert report.mapping == mapping  # 'date' is no longer used for ts
    assert rows(store, "SELECT customer_id, ts FROM events") == [("c1", T(2024, 1, 2, 10))]


def test_forced_kind(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "c.csv", "customer,date,touchpoint\nc1,2024-01-01,A\n")
    report = importer.import_file(store, path, kind="customers")
    assert report.ok and report.kind == "customers"
    assert rows(store, "SELECT count(*) FROM events") == [(0,)]


def test_duplicate_refused_and_remove(store: Store, tmp_path: Path) -> None:
    before = store.info()
    path = write(tmp_path, "ev.csv", EVENTS)
    first = importer.import_file(store, path)
    assert first.ok
    again = importer.import_file(store, write(tmp_path, "copy.csv", EVENTS))
    assert not again.ok and again.duplicate_of["import_id"] == first.import_id
    assert "already imported as import 1 ('ev.csv'" in again.to_text()
    assert store.info()["events"] == 3
    # Remove brings the counts back (stages it added stay: they may be in use elsewhere).
    assert store.remove_import(first.import_id)
    after = store.info()
    for key in ("events", "customers", "responses", "touchpoints", "imports", "personas"):
        assert after[key] == before[key], key


def test_skip_bad_rows(store: Store, tmp_path: Path) -> None:
    text = "customer,nps\nc1,9\nc2,11\nc3,7.5\nc4,10\n"
    report = importer.import_file(store, write(tmp_path, "n.csv", text), skip_bad_rows=True)
    assert report.ok and report.rows_imported == 2 and report.rows_skipped == 2
    assert report.problems[0].rows == [2, 3]
    assert rows(store, "SELECT customer_id, nps, response_id % 4294967296 FROM responses "
                       "ORDER BY 1") == [("c1", 9, 1), ("c4", 10, 4)]
    assert json.loads(store.import_report(report.import_id))["rows_skipped"] == 2


def test_skip_ragged_rows_keeps_file_row_numbers(store: Store, tmp_path: Path) -> None:
    text = "customer,date,page\nc1,2024-01-01,A\nc2,2024-01-02\nc3,2024-01-03,C,extra\nc4,x,D\n"
    report = importer.import_file(store, write(tmp_path, "r.csv", text), skip_bad_rows=True)
    assert report.ok and report.rows_imported == 1 and report.rows_skipped == 3
    ragged = next(p for p in report.problems if p.code == "ragged")
    dates = next(p for p in report.problems if p.code == "bad_dates")
    assert ragged.rows == [2, 3] and dates.rows == [4] and dates.examples == ["x"]


def test_preview(tmp_path: Path) -> None:
    pv = importer.preview(write(tmp_path, "q.csv", QUALTRICS), rows=1)
    assert (pv.layout, pv.kind, pv.encoding) == ("qualtrics", "responses", "utf-8")
    assert pv.mapping["Q1"] == "nps" and pv.targets == importer.TARGETS["responses"]
    assert list(pv.data["customer_id"]) == ["c1"] and not pv.problems
    bad = importer.preview(b"\x89PNG\r\n\x1a\n0000", file_name="x.csv")
    assert bad.problems and "PNG image" in bad.problems[0].message


def test_cli_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "cli.duckdb")
    good = write(tmp_path, "ev.csv", EVENTS)
    bad = write(tmp_path, "bad.csv", "name,date,page\nx,2024-01-01,Home\n")
    assert main(["import", "--db", db, str(good)]) == 0
    assert "3 events rows" in capsys.readouterr().out
    assert main(["import", "--db", db, str(bad)]) == 1
    err = capsys.readouterr().err
    assert "No customer column found. Columns are: name, date, page." in err
    assert "Traceback" not in err
    mapped = ["import", "--db", db, str(bad), "--map", "name=customer_id"]
    assert main(mapped) == 0


def test_french_report(store: Store, tmp_path: Path) -> None:
    text = "client;nps\nc1;9\nc2;11\nc3;8\nc4;dix\n"
    report = importer.import_file(store, write(tmp_path, "enquête.csv", text))
    assert not report.ok
    assert report.to_text("fr") == (
        "«\u202fenquête.csv\u202f» refusé\u202f: rien n’a été importé.\n"
        "Colonnes utilisées\u202f: «\u202fclient\u202f» → customer_id, «\u202fnps\u202f» → nps.\n"
        "  - La colonne «\u202fnps\u202f» contient 2 valeurs hors de 0–10 (lignes 2, 4\u202f: "
        "«\u202f11\u202f», «\u202fdix\u202f»). Le NPS doit être un nombre entier de 0 à 10. "
        "Corrigez-les dans le fichier.\n"
        "La ligne 1 est la première ligne de données sous l’en-tête.\n"
        "Pour importer quand même les bonnes lignes\u202f: --skip-bad-rows (laisse de côté 2 "
        "lignes sur 4)."
    )
    # The app words the same fix as its checkbox, not as a flag.
    assert report.to_text("fr", surface="app").endswith(
        "cochez «\u202fIgnorer les lignes en erreur\u202f» (laisse de côté 2 lignes sur 4)."
    )
    # The stored/English message is unchanged by asking for French.
    assert report.problems[0].message.startswith("Column 'nps' has 2 values outside 0–10")
    ok = importer.import_file(store, write(tmp_path, "ok.csv", "client;nps\nc1;9\n"))
    assert ok.to_text("fr").startswith(
        f"«\u202fok.csv\u202f» importé (import {ok.import_id})\u202f: 1 lignes de réponses"
    )


def test_touchpoints_of_an_import_come_from_its_rows(store: Store, tmp_path: Path) -> None:
    first = "customer,date,touchpoint,stage\nc1,2024-01-01,Cart,purchase\n"
    assert importer.import_file(store, write(tmp_path, "a.csv", first)).ok
    second = "customer,date,touchpoint\nc2,2024-01-02,Cart\nc2,2024-01-03,Chatbot\n"
    report = importer.import_file(store, write(tmp_path, "b.csv", second))
    assert report.ok and report.unmapped_touchpoints == ["Chatbot"]
    assert rows(store, "SELECT touchpoint, stage, import_id FROM touchpoints ORDER BY 1") == [
        ("Cart", "purchase", 1), ("Chatbot", None, report.import_id),
    ]


@pytest.mark.skipif(
    os.environ.get("PARCOURS_BIG_TESTS") != "1", reason="set PARCOURS_BIG_TESTS=1 to run"
)
def test_big_file_imports_in_bounded_memory(tmp_path: Path) -> None:
    """A ~50 MB export imports whole, and the importing process's memory stays bounded
    (measured in a child process, so this test's own allocations do not count)."""
    import duckdb

    path = tmp_path / "big.csv"
    duckdb.connect().execute(
        "COPY (SELECT 'c' || (i % 50000) AS customer_id, TIMESTAMP '2024-01-01' + "
        "to_seconds(i * 13) AS timestamp, 'touchpoint ' || (i * 7 % 23) AS touchpoint, "
        "['web', 'app', 'email'][1 + i % 3] AS channel FROM range(1200000) t(i)) "
        f"TO '{path}' (HEADER)"
    )
    size_mb = path.stat().st_size / 1e6
    assert size_mb > 50
    code = (
        "import resource, sys\n"
        "from journey.ingest import importer\n"
        "from journey.db.store import Store\n"
        "peak = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024\n"
        "store, seen = Store(sys.argv[1]), []\n"
        "hook = store._after_change\n"
        "store._after_change = lambda cur, **kw: (seen.append(peak()), hook(cur, **kw))\n"
        "r = importer.import_file(store, sys.argv[2])\n"
        "assert r.ok and r.rows_imported == 1_200_000, r.to_text()\n"
        "print(seen[0], peak())\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "big.duckdb"), str(path)],
        capture_output=True, text=True, check=True, cwd=Path(__file__).resolve().parent.parent,
    )
    ingest_mb, whole_mb = (int(x) for x in out.stdout.split()[-2:])
    # Streamed through DuckDB: never the whole file in Python objects (that would be
    # many times the file size); the typed rows wait in DuckDB's buffer (spilled to disk
    # past its memory_limit). The derived refresh on commit (journey/derived.py) is
    # measured apart: it grows with the store, not with the file.
    print(f"peak RSS: ingest {ingest_mb} MB, with derived refresh {whole_mb} MB")
    assert ingest_mb < 200 + 4 * size_mb, ingest_mb


def test_cli_dry_run_and_demo_advice(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from journey.ingest import demo

    db = tmp_path / "cli.duckdb"
    with Store(db) as s:
        demo.load_sample(s, customers=30)
        before = s.info()
    good = write(tmp_path, "ev.csv", EVENTS)
    assert main(["import", "--db", str(db), "--dry-run", str(good)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Dry run of 'ev.csv': 3 events rows would be imported")
    assert "demo" not in out  # nothing was mixed in yet
    with Store(db) as s:
        assert s.info() == before
    assert main(["import", "--db", str(db), str(good)]) == 0
    out = capsys.readouterr().out
    assert "The store also holds the demo data (import 1)" in out
    assert "To keep only yours: python -m journey remove 1." in out


def test_info_counts_demo_and_yours(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from journey.ingest import demo

    db = tmp_path / "mix.duckdb"
    with Store(db) as s:
        demo.load_sample(s, customers=30)
        assert importer.import_file(s, write(tmp_path, "ev.csv", EVENTS)).ok
        share = demo.demo_share(s)
        demo_events = s.info()["events"] - 3
    assert share["yours"] == {"events": 3, "responses": 0, "customers": 2}
    assert share["demo"]["events"] == demo_events and share["demo"]["customers"] == 30
    assert main(["info", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "of which yours  3 events, 0 responses, 2 customers" in out
    assert "remove the demo: python -m journey remove 1" in out
