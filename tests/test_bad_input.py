"""Each bad input gets a clear message and leaves the store exactly as it was."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from journey.db.store import Store
from journey.ingest import importer

GOOD = "customer,timestamp,touchpoint,nps\n"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "t.duckdb")
    seed = tmp_path / "seed.csv"
    seed.write_text("customer,date,page,stage\nc0,2024-01-01,Home,awareness\n")
    assert importer.import_file(s, seed).ok  # a store with something in it to keep
    yield s
    s.close()


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("data.txt", "hello")
    return buf.getvalue()


CASES = {
    "empty": (b"", "The file is empty"),
    "blank lines": (b"\n\n  \n", "The file is empty"),
    "header only": (b"customer,date,page\n", "has a header row (customer, date, page) but no data"),
    "binary": (bytes(range(256)) * 4, "This is not a CSV file (it looks like binary data"),
    "png": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 50, "it looks like a PNG image"),
    "zip": (_zip(), "it looks like a ZIP archive"),
    "no customer": (
        b"date,page\n2024-01-01,Home\n",
        "No customer column found. Columns are: date, page. Rename one in the file, or map "
        "one. To fix it: --map 'Your column=customer_id'.",
    ),
    "unparsable dates": (
        b"customer,date,page\nc1,2024-01-01,A\nc2,yesterday,B\nc3,2024-13-45,C\n",
        "Column 'date' has 2 dates that cannot be read as ISO 8601 (yyyy-mm-dd) "
        "(rows 2, 3: 'yesterday', '2024-13-45')",
    ),
    "no date format": (b"customer,date,page\nc1,soon,A\n", "does not hold dates in a format"),
    "nps out of range": (
        b"customer,nps\nc1,9\nc2,11\nc3,-1\nc4,dix\nc5,7.5\n",
        # 4 rows of 5 fail: leaving them out would leave an NPS of one answer, so the advice
        # is to leave the column out, never --skip-bad-rows.
        "Column 'nps' has 4 values outside 0\u201310 (rows 2, 3, 4, 5: '11', '-1', 'dix', '7.5')."
        " NPS must be a whole number from 0 to 10. Fix them in the file. To fix it: "
        "--map 'nps=ignore'.",
    ),
    "csat and ces": (b"customer,csat,ces\nc1,6,8\n", "Column 'csat' has 1 values outside 1\u20135"),
    "empty customer": (b"customer,date,page\n,2024-01-01,A\n", "Column 'customer' is empty in 1"),
    "ragged": (
        b"customer,date,page\nc1,2024-01-01,A\nc2,2024-01-02,B,extra\nc3,2024-01-03\n",
        "2 rows do not have as many values as the header has columns (rows 2, 3)",
    ),
    "unclosed quote": (
        b'customer,date,page\nc1,2024-01-01,"Home\nc2,2024-01-02,B\n',
        "A quote (\") opened in row 1 is never closed",
    ),
    "bad revenue": (b"customer,date,page,revenue\nc1,2024-01-01,A,lots\n", "not numbers"),
    "unknown map column": (b"customer,date,page\nc1,2024-01-01,A\n", "--map names the column"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_rejected_and_store_unchanged(
    store: Store, tmp_path: Path, name: str
) -> None:
    content, expected = CASES[name]
    path = tmp_path / "input.csv"
    path.write_bytes(content)
    mapping = {"nope": "customer_id"} if name == "unknown map column" else None
    before = store.info()
    report = importer.import_file(store, path, mapping=mapping)
    assert not report.ok
    assert report.import_id is None and report.rows_imported == 0
    assert expected in report.to_text(), report.to_text()
    assert store.info() == before


def test_bytes_upload_of_garbage(store: Store) -> None:
    before = store.info()
    report = importer.import_file(store, b"%PDF-1.7\n...", file_name="report.csv")
    assert not report.ok and "a PDF document" in report.problems[0].message
    assert store.info() == before


def test_missing_file(store: Store, tmp_path: Path) -> None:
    report = importer.import_file(store, tmp_path / "nope.csv")
    assert not report.ok and "File not found" in report.to_text()


def test_all_rows_bad_with_skip_imports_nothing(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "n.csv"
    path.write_text("customer,nps\nc1,11\n")
    before = store.info()
    report = importer.import_file(store, path, skip_bad_rows=True)
    assert not report.ok and "None of the rows could be imported" in report.to_text()
    assert store.info() == before


def test_unclosed_quote_is_never_skipped(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "q.csv"
    path.write_text('customer,date,page\nc1,2024-01-01,A\nc2,2024-01-02,"B\nc3,2024-01-03,C\n')
    before = store.info()
    report = importer.import_file(store, path, skip_bad_rows=True)
    assert not report.ok and store.info() == before


HOSTILE = [
    "<script>alert(1)</script>",
    '=HYPERLINK("http://evil.example","click")',
    "'); DROP TABLE events;--",
    "Robert\"); DROP TABLE stages; --",
    "x" * 5000,
]


def test_hostile_touchpoint_names_are_data(store: Store, tmp_path: Path) -> None:
    lines = ["customer,date,touchpoint"]
    for i, name in enumerate(HOSTILE):
        lines.append(f'c{i},2024-02-0{i + 1},"{name.replace(chr(34), chr(34) * 2)}"')
    path = tmp_path / "h.csv"
    path.write_text("\n".join(lines) + "\n")
    report = importer.import_file(store, path)
    assert report.ok, report.to_text()
    got = store.cursor().execute(
        "SELECT touchpoint FROM events WHERE import_id = ? ORDER BY event_id", [report.import_id]
    ).fetchall()
    assert [g[0] for g in got] == HOSTILE
    assert store.info()["stages"] == 5  # nothing dropped
    stored = {r[0] for r in store.cursor().execute("SELECT touchpoint FROM touchpoints").fetchall()}
    assert set(HOSTILE) <= stored
