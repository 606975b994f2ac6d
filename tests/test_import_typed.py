"""The import's fast paths. The typed-first read (loader.Loader._typed_table): a file whose
values all convert is read with DuckDB's own types; a file with a value that does not (or a
text value with spaces around it) is read again as text. Either way the report and the
imported values are exactly those of the text path (`loader.TYPED_FIRST = False`). And the
C1 scan skipping ASCII blocks (readers._has_c1)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from journey.db.store import Store
from journey.ingest import importer, loader

T = dt.datetime
_CREATE = loader.Loader._create_typed  # the real read, wrapped by each import's spy


def _import(tmp_path: Path, name: str, data: bytes, typed_first: bool,
            monkeypatch: pytest.MonkeyPatch, **kw: object) -> tuple[dict, list[tuple], list]:
    """(report, events, what each read of the file was) for one import into a new store."""
    monkeypatch.setattr(loader, "TYPED_FIRST", typed_first)
    reads: list[tuple[dict, bool]] = []
    def spy(self: loader.Loader, typed: dict, trim: bool) -> None:
        reads.append(({t: v[1] for t, v in typed.items()}, trim))
        _CREATE(self, typed, trim)

    monkeypatch.setattr(loader.Loader, "_create_typed", spy)
    path = tmp_path / name
    path.write_bytes(data)
    store = Store(tmp_path / f"{name}.{typed_first}.duckdb")
    try:
        report = importer.import_file(store, path, **kw)
        events = store.cursor().execute(
            "SELECT event_id, customer_id, ts, touchpoint, channel, revenue, attributes "
            "FROM events ORDER BY event_id").fetchall()
    finally:
        store.close()
    # Everything the report holds (rows, examples, params, fixes) and what it says, EN and FR.
    out = dataclasses.asdict(report)
    out["text"] = (report.to_text("en"), report.to_text("fr"))
    return out, events, reads


def both(tmp_path: Path, name: str, data: bytes, monkeypatch: pytest.MonkeyPatch,
         **kw: object) -> tuple[dict, list[tuple], list]:
    """Import through both paths; assert the same report and rows; return the typed-first's."""
    text = _import(tmp_path, name, data, False, monkeypatch, **kw)
    typed = _import(tmp_path, name, data, True, monkeypatch, **kw)
    assert text[2] == [({}, True)]  # the text path: one read, all text, trimmed
    assert typed[0] == text[0]
    assert typed[1] == text[1]
    return typed


def test_clean_file_is_read_typed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    csv = ("client,date,page,canal,montant\n"
           "c1,2024-03-05 10:00:00,Home,web,\n"
           "c1,2024-03-05 10:05:00,Purchase,web,19.90\n"
           "c2,2024-03-06 09:00:00,Purchase,phone,1e3\n")
    report, events, reads = both(tmp_path, "clean.csv", csv.encode(), monkeypatch)
    assert reads == [({"ts": "TIMESTAMP", "revenue": "DOUBLE"}, False)]  # one read, typed
    assert report["ok"] and report["rows_imported"] == 3
    assert [(e[1], e[2], e[3], e[5]) for e in events] == [
        ("c1", T(2024, 3, 5, 10, 0), "Home", None),
        ("c1", T(2024, 3, 5, 10, 5), "Purchase", 19.9),
        ("c2", T(2024, 3, 6, 9, 0), "Purchase", 1000.0),
    ]


def test_one_bad_date_reads_the_date_as_text(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    # 2024-02-30 has the strict shape, so the reader tries it and records a CAST reject.
    csv = ("client,date,page,montant\n"
           "c1,2024-03-05 10:00:00,Home,1.5\n"
           "c2,2024-03-05 11:00:00,Cart,2.5\n"
           "c3,2024-02-30 12:00:00,Cart,3.5\n"
           "c4,2024-03-05 13:00:00,Home,4.5\n")
    report, events, reads = both(tmp_path, "bad.csv", csv.encode(), monkeypatch)
    # Typed first, then the date column alone again as text (revenue stays typed).
    assert reads == [({"ts": "TIMESTAMP", "revenue": "DOUBLE"}, False),
                     ({"revenue": "DOUBLE"}, True)]
    assert not report["ok"] and events == []
    bad = [p for p in report["problems"] if p["code"] == "bad_dates"]
    assert len(bad) == 1
    assert bad[0]["rows"] == [3] and bad[0]["examples"] == ["2024-02-30 12:00:00"]
    assert bad[0]["count"] == 1 and bad[0]["column"] == "date"


def test_bad_row_skipped_lands_the_rest(tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    csv = ("client,date,page,montant\n"
           "c1,2024-03-05 10:00:00,Purchase,1.5\n"
           "c2,2024-03-05 11:00:00,Purchase,12.50€\n"
           "c3,2024-03-05 12:00:00,Purchase,abc\n")
    report, events, reads = both(tmp_path, "skip.csv", csv.encode(), monkeypatch,
                                 skip_bad_rows=True)
    assert reads[-1] == ({"ts": "TIMESTAMP"}, True)
    assert report["ok"] and report["rows_imported"] == 2 and report["rows_skipped"] == 1
    # "12.50€" is the text path's 12.5 (the reader alone refuses it).
    assert [(e[1], e[5]) for e in events] == [("c1", 1.5), ("c2", 12.5)]


def test_french_cp1252_decimal_comma_and_dates(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    csv = ("Client;Date;Page;Montant\n"
           "c1;05/03/2024 10:00;Accueil café;\n"
           "c1;05/03/2024 10:30;Achat;12,5\n"
           "c2;13/03/2024 09:15;Achat;-3,25\n")
    report, events, reads = both(tmp_path, "fr.csv", csv.encode("cp1252"), monkeypatch)
    assert report["encoding"] == "cp1252" and report["delimiter"] == ";"
    assert report["decimal_comma"] == ["Montant"]
    assert reads == [({"ts": "TIMESTAMP", "revenue": "DOUBLE"}, False)]
    assert [(e[2], e[3], e[5]) for e in events] == [
        (T(2024, 3, 5, 10, 0), "Accueil café", None),
        (T(2024, 3, 5, 10, 30), "Achat", 12.5),
        (T(2024, 3, 13, 9, 15), "Achat", -3.25),
    ]


def test_french_thousands_point_reads_revenue_as_text(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # "1.234,5": the reader's decimal comma refuses the thousands point; the text path reads
    # 1234.5. The dates stay typed.
    csv = ("Client;Date;Page;Montant\n"
           "c1;05/03/2024 10:00;Achat;1.234,5\n"
           "c2;06/03/2024 11:00;Achat;7,5\n")
    report, events, reads = both(tmp_path, "fr2.csv", csv.encode("cp1252"), monkeypatch)
    assert reads == [({"ts": "TIMESTAMP", "revenue": "DOUBLE"}, False),
                     ({"ts": "TIMESTAMP"}, True)]
    assert [(e[1], e[5]) for e in events] == [("c1", 1234.5), ("c2", 7.5)]


def test_spaces_around_text_values_read_as_text(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    # " web " and " NA " are trimmed by the text path ("NA": no channel); typed-first reads
    # them as they are, sees the spaces and reads again.
    csv = ("client,date,page,canal\n"
           "c1,2024-03-05 10:00:00,Home, web \n"
           "c2,2024-03-05 11:00:00,Cart, NA \n")
    report, events, reads = both(tmp_path, "ws.csv", csv.encode(), monkeypatch)
    assert reads == [({"ts": "TIMESTAMP"}, False), ({"ts": "TIMESTAMP"}, True)]
    assert [(e[1], e[4]) for e in events] == [("c1", "web"), ("c2", None)]


def test_offsets_are_never_read_typed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A UTC offset in the sample: no strict format, the text path converts it to UTC.
    csv = ("client,date,page\n"
           "c1,2024-03-05 10:00:00+02:00,Home\n"
           "c2,2024-03-05 11:00:00,Cart\n")
    report, events, reads = both(tmp_path, "tz.csv", csv.encode(), monkeypatch)
    assert reads == [({}, False)]
    assert [e[2] for e in events] == [T(2024, 3, 5, 8, 0), T(2024, 3, 5, 11, 0)]


def test_c1_character_after_ascii_blocks_is_repaired(tmp_path: Path) -> None:
    # A whole ASCII block (skipped by the scan), then a U+0092 written in UTF-8 whose two
    # bytes straddle the boundary of the second and third 1 MiB blocks.
    from journey.ingest import readers

    head, filler, last = "customer,date,page\n", "c0,2024-01-01,ok\n", "c1,2024-01-02,l"
    before = 2 * readers.CHUNK - 1  # bytes before the C1 character's first byte
    n = (before - len(head) - len(last)) // len(filler)
    pad = "y" * (before - len(head) - len(last) - n * len(filler))
    raw = (head + filler * n + last + pad + "\u0092accueil\n").encode()
    assert raw[before:before + 2] == "\u0092".encode() and raw[:before].isascii()
    path = tmp_path / "c1.csv"
    path.write_bytes(raw)
    assert readers._has_c1(str(path), False)
    store = Store(tmp_path / "c1.duckdb")
    try:
        report = importer.import_file(store, path)
        assert report.ok, report.to_text()
        assert any(n.code == "note_c1_repaired" for n in report.notes)
        got = store.cursor().execute(
            "SELECT touchpoint FROM events WHERE customer_id = 'c1'").fetchall()
        assert got == [("l" + pad + "’accueil",)]
    finally:
        store.close()


def test_a_date_only_the_text_path_reads_sends_the_column_back(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # "24:00:00" has the strict shape but strptime refuses it; the text path's TRY_CAST reads
    # it as midnight of the next day, and so does the import.
    csv = ("client,date,page\n"
           "c1,2024-01-01 10:00:00,Home\n"
           "c2,2024-01-01 24:00:00,Cart\n")
    report, events, reads = both(tmp_path, "h24.csv", csv.encode(), monkeypatch)
    assert reads == [({"ts": "TIMESTAMP"}, False), ({}, True)]
    assert report["ok"] and [e[2] for e in events] == [T(2024, 1, 1, 10, 0), T(2024, 1, 2, 0, 0)]
