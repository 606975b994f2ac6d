"""Limits checked while streaming, cancelled imports, and messages that say what happened.

Bombs are made on the fly, small on disk; the limits are set small so that the logic runs
on a few MB. One realistic bomb (a 400 MB cell in a ~2 MB workbook) runs with the default
limits, and must be refused in seconds without reading the cell into memory.
"""

from __future__ import annotations

import errno
import gzip
import threading
import time
import tracemalloc
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import openpyxl
import pytest

from journey.cli import main as cli_main
from journey.db.store import Store
from journey.ingest import importer, readers
from journey.ingest.limits import LimitError, Limits

HEADER = b"customer,date,page\n"


def _rows(n: int, start: int = 0) -> bytes:
    return b"".join(b"c%d,2024-01-%02d,Page %d\n" % (i, 1 + i % 28, i % 7)
                    for i in range(start, start + n))


@pytest.fixture
def temp_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The temp folder imports work in, to check they leave nothing behind."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(folder))
    return folder


@pytest.fixture
def store(tmp_path: Path, temp_folder: Path) -> Store:
    s = Store(tmp_path / "t.duckdb")
    seed = tmp_path / "seed.csv"
    seed.write_bytes(HEADER + _rows(3))
    assert importer.import_file(s, seed).ok  # a store with something in it to keep
    yield s
    s.close()


def _snapshot(store: Store) -> tuple[Any, ...]:
    cur = store.cursor()
    return (store.info(), store.data_version,
            cur.execute("SELECT count(*), max(import_id) FROM imports").fetchone())


def _refused(store: Store, source: Path, code: str, **kw: Any) -> importer.ImportReport:
    before = _snapshot(store)
    report = importer.import_file(store, source, **kw)
    assert not report.ok and report.import_id is None, report.to_text()
    assert [p.code for p in report.problems] == [code], report.to_text()
    assert _snapshot(store) == before
    # The CLI and the app word it in both languages, never as a raw code.
    for lang in ("en", "fr"):
        for surface in ("cli", "app"):
            text = report.problems[0].text(lang, surface)
            assert "ingest." not in text and "{" not in text, text
    return report


# -- gzip ----------------------------------------------------------------------------------
def test_truncated_gzip_says_cut_short(store: Store, tmp_path: Path) -> None:
    whole = gzip.compress(HEADER + _rows(20_000))
    path = tmp_path / "events.csv.gz"
    path.write_bytes(whole[: len(whole) // 2])
    report = _refused(store, path, "gzip_truncated")
    assert "cut short (truncated)" in report.to_text()
    assert "download it again" in report.to_text()


def test_damaged_gzip_is_named_not_an_internal_error(store: Store, tmp_path: Path) -> None:
    data = bytearray(gzip.compress(HEADER + _rows(20_000)))
    data[200:260] = b"\xff" * 60  # a damaged block: zlib.error, which is no OSError
    path = tmp_path / "events.csv.gz"
    path.write_bytes(bytes(data))
    _refused(store, path, "bad_gzip")


def test_gzip_bomb_stops_at_the_size_limit(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "bomb.csv.gz"
    with gzip.open(path, "wb", compresslevel=9) as f:
        f.write(HEADER)
        line = b"c1,2024-01-01,Page\n" * 50_000
        for _ in range(6):  # ~6 MB of text in a few KB
            f.write(line)
    assert path.stat().st_size < 100_000
    report = _refused(store, path, "gzip_too_big", limits=Limits(max_mb=2))
    assert "Once decompressed" in report.to_text() and "--max-mb" in report.to_text()


# -- plain text ----------------------------------------------------------------------------
def test_file_over_the_size_limit(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_bytes(HEADER + _rows(80_000))  # ~2 MB
    report = _refused(store, path, "too_big", limits=Limits(max_mb=1))
    assert "more than the limit of 1 MB" in report.to_text()
    pv = importer.preview(path, limits=Limits(max_mb=1))
    assert [p.code for p in pv.problems] == ["too_big"]


def test_a_long_line_without_line_break_is_not_called_empty(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "one-line.csv"
    path.write_bytes(b"x," * (1_600_000))  # 3.2 MB, no line break
    report = _refused(store, path, "line_too_long", limits=Limits(max_line_mb=1))
    text = report.to_text()
    assert "A line is longer than the limit" in text and "right separator" in text
    assert "empty" not in text
    pv = importer.preview(path, limits=Limits(max_line_mb=1))
    assert [p.code for p in pv.problems] == ["line_too_long"]


def test_a_17_mb_line_with_default_limits(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "one-line.csv"
    with open(path, "wb") as f:
        for _ in range(17):
            f.write(b"a;b;" * (1 << 18))
    started = time.monotonic()
    _refused(store, path, "line_too_long")
    assert time.monotonic() - started < 20


def test_a_long_line_further_down_is_refused_with_its_line(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "events.csv"
    path.write_bytes(HEADER + _rows(10) + b"c99,2024-01-01," + b"y" * 1_200_000 + b"\n"
                     + _rows(5, 20))
    report = _refused(store, path, "line_too_long", limits=Limits(max_line_mb=1))
    assert "at line 12 of the file" in report.to_text()
    # Never "skipped" as a bad row: a line that long means the wrong file or separator.
    _refused(store, path, "line_too_long", limits=Limits(max_line_mb=1), skip_bad_rows=True)


def test_rows_over_the_limit(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "events.csv"
    path.write_bytes(HEADER + _rows(500, 1_000))
    report = _refused(store, path, "too_many_rows", limits=Limits(max_rows=100))
    assert "more than 100 rows" in report.to_text() and "--max-rows" in report.to_text()
    report = importer.import_file(store, path, limits=Limits(max_rows=500))
    assert report.ok and report.rows_imported == 500, report.to_text()


def test_columns_over_the_limit(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    head = ",".join(["customer", "date", "page"] + [f"x{i}" for i in range(30)])
    path.write_text(head + "\n" + "c1,2024-01-01,Home" + ",1" * 30 + "\n")
    report = _refused(store, path, "too_many_columns", limits=Limits(max_columns=10))
    assert "33 columns, more than the limit of 10" in report.to_text()


def test_csv_preview_reads_only_the_head(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "events.csv"
    path.write_bytes(HEADER + _rows(100_000))  # ~2.5 MB

    def whole_file(*a: Any, **k: Any) -> Any:
        raise AssertionError("a preview streamed the whole file")

    monkeypatch.setattr(readers, "_chunks", whole_file)
    pv = importer.preview(path)
    assert not pv.problems and len(pv.data) == 20


# -- Excel ---------------------------------------------------------------------------------
def _workbook(path: Path, rows: list[list[Any]]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def _events(n: int) -> list[list[Any]]:
    return [["customer", "date", "page"]] + [[f"c{i}", f"2024-01-{1 + i % 28:02d}", "Home"]
                                             for i in range(n)]


def _raw_workbook(path: Path, sheet: Iterable[bytes], strings: Iterable[bytes] = ()) -> None:
    """A workbook written part by part as it streams (no openpyxl): `sheet` is the XML
    inside sheetData, `strings` the shared strings' <si> elements."""
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr("[Content_Types].xml", (
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-'
            'package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
            'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
            'worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'))
        z.writestr("_rels/.rels", (
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            f'2006/relationships"><Relationship Id="rId1" Type="{rel}/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>'))
        z.writestr("xl/workbook.xml", (
            f'<?xml version="1.0"?><workbook {ns} xmlns:r="{rel}"><sheets>'
            '<sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>'))
        z.writestr("xl/_rels/workbook.xml.rels", (
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            f'2006/relationships"><Relationship Id="rId1" Type="{rel}/worksheet" '
            f'Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="{rel}/sharedStrings" '
            'Target="sharedStrings.xml"/></Relationships>'))
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            f.write(f'<?xml version="1.0"?><worksheet {ns}><sheetData>'.encode())
            for part in sheet:
                f.write(part)
            f.write(b"</sheetData></worksheet>")
        with z.open("xl/sharedStrings.xml", "w", force_zip64=True) as f:
            f.write(f'<?xml version="1.0"?><sst {ns}>'.encode())
            for part in strings:
                f.write(part)
            f.write(b"</sst>")


def _bomb_workbook(path: Path, cell_mb: int) -> None:
    """A workbook whose one shared string is `cell_mb` MB of 'x', written as it streams."""
    def cell() -> Iterator[bytes]:
        yield b"<si><t>customer</t></si><si><t>comment</t></si><si><t>c1</t></si><si><t>"
        block = b"x" * (1 << 20)
        for _ in range(cell_mb):
            yield block
        yield b"</t></si>"

    _raw_workbook(path, [
        b'<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
        b'<row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2" t="s"><v>3</v></c></row>'], cell())


def _inline_rows(n: int) -> Iterator[bytes]:
    """Rows of an events sheet as inline strings (a header, then n rows)."""
    def row(r: int, values: list[str]) -> bytes:
        cells = "".join(f'<c r="{chr(65 + i)}{r}" t="inlineStr"><is><t>{v}</t></is></c>'
                        for i, v in enumerate(values))
        return f'<row r="{r}">{cells}</row>'.encode()

    yield row(1, ["customer", "date", "page"])
    for i in range(n):
        yield row(i + 2, [f"c{i}", f"2024-01-{1 + i % 28:02d}", "Home"])


def test_excel_cell_over_the_limit_is_named(store: Store, tmp_path: Path) -> None:
    rows = _events(3)
    rows[2][2] = "z" * 50_000  # a shared string: found by the scan before openpyxl opens it
    path = _workbook(tmp_path / "cell.xlsx", rows)
    report = _refused(store, path, "cell_too_large", limits=Limits(max_cell=1_000))
    text = report.to_text()
    assert "A cell is larger than the limit" in text and "header row but no data" not in text


def test_excel_cell_just_over_the_limit_is_found_exactly(store: Store, tmp_path: Path) -> None:
    rows = _events(3)
    rows[2][2] = "é" * 1_500  # over 1,000 characters, under the byte scan's bound
    path = _workbook(tmp_path / "cell.xlsx", rows)
    report = _refused(store, path, "cell_too_large_at", limits=Limits(max_cell=1_000))
    assert "cell C3 holds more than 1,000 characters" in report.to_text()
    assert importer.import_file(store, path, limits=Limits(max_cell=2_000)).ok


def test_excel_rows_and_columns_over_the_limits(store: Store, tmp_path: Path) -> None:
    path = _workbook(tmp_path / "rows.xlsx", _events(300))
    _refused(store, path, "too_many_rows", limits=Limits(max_rows=100))
    rows = _events(3)
    rows[1] = rows[1] + [""] * 26 + ["far right"]
    path = _workbook(tmp_path / "cols.xlsx", rows)
    _refused(store, path, "too_many_columns", limits=Limits(max_columns=10))


def test_excel_sheet_bigger_than_the_limit(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "big.xlsx"
    _raw_workbook(path, _inline_rows(12_000))  # ~2 MB of sheet XML
    report = _refused(store, path, "excel_too_big", limits=Limits(max_excel_mb=1))
    assert "Save the sheet as CSV" in report.to_text()


def test_excel_preview_converts_only_the_first_rows(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "many.xlsx"
    _raw_workbook(path, _inline_rows(20_000))
    calls = [0]
    cell_text = readers._cell_text

    def counted(value: object) -> str:
        calls[0] += 1
        return cell_text(value)

    monkeypatch.setattr(readers, "_cell_text", counted)
    pv = importer.preview(path)
    assert not pv.problems and len(pv.data) == 20
    assert calls[0] < 3 * 20_000 / 2, calls[0]


def test_excel_bomb_with_a_400_mb_cell_is_refused_in_seconds(
        store: Store, tmp_path: Path) -> None:
    path = tmp_path / "bomb.xlsx"
    _bomb_workbook(path, 400)
    assert path.stat().st_size < 3_000_000
    tracemalloc.start()
    try:
        started = time.monotonic()
        report = _refused(store, path, "cell_too_large")
        took = time.monotonic() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert took < 10 and peak < 50_000_000, (took, peak)
    assert "header row but no data" not in report.to_text()
    pv = importer.preview(path)
    assert [p.code for p in pv.problems] == ["cell_too_large"]


# -- disk full -----------------------------------------------------------------------------
class _FullDiskCursor:
    """A cursor whose COMMIT fails as DuckDB's does on a full disk: the transaction is
    already rolled back when the error is raised."""

    def __init__(self, cur: duckdb.DuckDBPyConnection) -> None:
        self._cur = cur

    def execute(self, query: str, *args: Any) -> Any:
        if query.strip().upper() == "COMMIT":
            self._cur.execute("ROLLBACK")
            raise duckdb.IOException(
                'IO Error: Could not write all bytes to file "t.duckdb.wal": '
                "wanted=4096 wrote=0: No space left on device")
        return self._cur.execute(query, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cur, name)


def test_disk_full_at_commit_says_so(store: Store, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "events.csv"
    path.write_bytes(HEADER + _rows(50, 100))
    before = _snapshot(store)
    real = store.cursor
    monkeypatch.setattr(store, "cursor", lambda: _FullDiskCursor(real()))
    report = importer.import_file(store, path)
    monkeypatch.undo()
    assert not report.ok and [p.code for p in report.problems] == ["disk_full"]
    text = report.to_text()
    assert "The disk is full" in text and "Free some space" in text
    assert "no transaction is active" not in text and "Unexpected error" not in text
    assert "Le disque est plein" in report.to_text("fr")
    assert _snapshot(store) == before


def test_disk_full_in_the_temp_folder_says_so(store: Store, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "events.csv"
    path.write_bytes(HEADER.replace(b"page", "pagé".encode("cp1252")) + _rows(50, 100))

    def full(*a: Any, **k: Any) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(readers, "_transcode", full)
    _refused(store, path, "disk_full")


# -- cancel --------------------------------------------------------------------------------
def _left_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_cancel_while_reading(store: Store, tmp_path: Path, temp_folder: Path) -> None:
    path = tmp_path / "events.csv"
    path.write_bytes(HEADER + _rows(120_000))  # a few MB: several chunks
    calls = [0]

    def cancel() -> bool:
        calls[0] += 1
        return calls[0] > 2

    report = _refused(store, path, "cancelled", cancel=cancel)
    assert "Import cancelled: nothing was imported" in report.to_text()
    assert _left_in(temp_folder) == []


@pytest.mark.parametrize("at", ["reading_rows", "checking_values", "writing", "refreshing"])
def test_cancel_between_steps_rolls_back(store: Store, tmp_path: Path, temp_folder: Path,
                                         at: str) -> None:
    path = tmp_path / "events.csv"
    path.write_bytes(HEADER + _rows(2_000, 500))
    state = {"now": ""}

    def progress(fraction: float, message: str) -> None:
        state["now"] = message

    report = _refused(store, path, "cancelled", progress=progress,
                      cancel=lambda: state["now"] == at)
    assert report.rows_imported == 0
    assert _left_in(temp_folder) == []
    # The same file imports afterwards: nothing of the cancelled one stayed.
    assert importer.import_file(store, path).ok


def test_cancel_interrupts_a_running_duckdb_statement(
        store: Store, tmp_path: Path, temp_folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from journey.ingest.loader import Loader

    path = tmp_path / "events.csv"
    path.write_bytes(HEADER + _rows(100, 900))
    stage = Loader._stage_table

    def slow(self: Loader) -> None:
        # A statement that runs for minutes unless interrupted.
        self.cur.execute("SELECT count(*) FROM range(100000000000) a")
        stage(self)

    monkeypatch.setattr(Loader, "_stage_table", slow)
    # True only in the watcher thread: the import's own checkpoints never see it.
    cancel = lambda: threading.current_thread().name == "parcours-import-cancel"  # noqa: E731
    started = time.monotonic()
    _refused(store, path, "cancelled", cancel=cancel)
    assert time.monotonic() - started < 20
    assert _left_in(temp_folder) == []


# -- settings ------------------------------------------------------------------------------
def test_limits_from_the_environment() -> None:
    limits = Limits.from_env({"PARCOURS_MAX_ROWS": "1_000", "PARCOURS_MAX_MB": "12"})
    assert (limits.max_rows, limits.max_mb, limits.max_cell) == (1000, 12, Limits().max_cell)
    with pytest.raises(LimitError, match="PARCOURS_MAX_COLUMNS"):
        Limits.from_env({"PARCOURS_MAX_COLUMNS": "lots"})


def test_cli_flags_and_environment(tmp_path: Path, temp_folder: Path,
                                   monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "events.csv"
    path.write_bytes(HEADER + _rows(50))
    db = str(tmp_path / "cli.duckdb")
    assert cli_main(["--db", db, "import", str(path), "--max-rows", "10"]) == 1
    err = capsys.readouterr().err
    assert "more than 10 rows" in err and "--max-rows N with N above 10" in err
    monkeypatch.setenv("PARCOURS_MAX_ROWS", "10")
    assert cli_main(["--db", db, "import", str(path), "--dry-run"]) == 1
    assert "more than 10 rows" in capsys.readouterr().err
    assert cli_main(["--db", db, "import", str(path), "--max-rows", "50"]) == 0
    monkeypatch.setenv("PARCOURS_MAX_ROWS", "ten")
    assert cli_main(["--db", db, "import", str(path)]) == 2
    assert "PARCOURS_MAX_ROWS='ten'" in capsys.readouterr().err


def test_the_uploader_limit_agrees_with_the_ingest_limit() -> None:
    import tomllib

    config = tomllib.loads(Path(".streamlit/config.toml").read_text(encoding="utf-8"))
    assert config["server"]["maxUploadSize"] == Limits().max_mb


def test_readme_names_every_limit() -> None:
    from journey.ingest.limits import ENV

    readme = Path("README.md").read_text(encoding="utf-8")
    section = readme.split("## Your data is safe", 1)[1].split("\n## ", 1)[0]
    for name, var in ENV.items():
        assert var in section, var
        assert f"{getattr(Limits(), name):,}" in section, name


def test_gzip_of_a_file_imports_as_before(store: Store, tmp_path: Path) -> None:
    body = HEADER + _rows(3_000, 5_000)
    path = tmp_path / "events.csv.gz"
    path.write_bytes(gzip.compress(body))
    report = importer.import_file(store, path)
    assert report.ok and report.rows_imported == 3_000, report.to_text()


class _Stop(BaseException):
    """What Streamlit raises in a progress update when the user clicks Cancel or Stop."""


def test_a_stop_raised_in_a_progress_update_leaves_nothing(
        store: Store, tmp_path: Path, temp_folder: Path) -> None:
    path = tmp_path / "events.csv"
    path.write_bytes(HEADER + _rows(2_000, 3_000))
    before = _snapshot(store)

    def progress(fraction: float, message: str) -> None:
        if message == "checking_values":
            raise _Stop()

    with pytest.raises(_Stop):
        importer.import_file(store, path, progress=progress)
    assert _snapshot(store) == before
    assert _left_in(temp_folder) == []


def test_no_progress_update_after_the_commit(store: Store, tmp_path: Path) -> None:
    # The app's Stop strikes in a progress update: one after the commit would end the run
    # of an import that landed, and the page would call it cancelled.
    path = tmp_path / "events.csv"
    path.write_bytes(HEADER + _rows(2_000, 6_000))
    seen: list[str] = []

    def progress(fraction: float, message: str) -> None:
        if "refreshing" in seen:
            raise _Stop()
        seen.append(message)

    report = importer.import_file(store, path, progress=progress)
    assert report.ok and seen[-1] == "refreshing", (seen, report.to_text())


def test_csv_cell_over_the_limit(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "events.csv"
    # Beyond the head that readers look at: DuckDB finds it, with its row and column.
    path.write_bytes(HEADER + _rows(4_000, 10_000) + b"c1,2024-01-01," + b"w" * 5_000 + b"\n")
    report = _refused(store, path, "cell_too_large_csv", limits=Limits(max_cell=1_000))
    assert "column 'page' holds more than 1,000 characters in row 4,001" in report.to_text()
    # In the head: found before anything is loaded.
    path.write_bytes(HEADER + b"c1,2024-01-01," + b"w" * 5_000 + b"\n" + _rows(10, 10_000))
    _refused(store, path, "cell_too_large", limits=Limits(max_cell=1_000))
    assert importer.import_file(store, path, limits=Limits(max_cell=5_000)).ok


def test_every_progress_step_is_a_code_said_in_both_languages(store: Store,
                                                               tmp_path: Path) -> None:
    """The core reports steps as codes, never English words; the app says each in the
    reader's language (a responses file has one more step: its comments are scored)."""
    from journey.ingest import messages

    events = tmp_path / "events.csv"
    events.write_bytes(HEADER + _rows(100, 20_000))
    answers = tmp_path / "answers.csv"
    answers.write_text("customer_id,timestamp,stage,nps,comment\n"
                       "c1,2024-01-02 10:00,purchase,9,Très bien\n", encoding="utf-8")
    seen: dict[str, list[str]] = {"events": [], "answers": []}
    for name, path in (("events", events), ("answers", answers)):
        report = importer.import_file(store, path, progress=lambda f, m, n=name:
                                      seen[n].append(m) if m not in seen[n] else None)
        assert report.ok, report.to_text()
    assert seen["events"] == ["reading_file", "checking_columns", "reading_rows",
                              "checking_values", "writing", "refreshing"]
    assert seen["answers"] == ["reading_file", "checking_columns", "reading_rows",
                               "checking_values", "writing", "scoring", "refreshing"]
    assert messages.step_text("scoring", "en") == "Scoring the comments"
    assert messages.step_text("scoring", "fr") == "Analyse du ton des commentaires"
    assert messages.step_text("refreshing", "fr") == "Mise à jour des parcours"
    for step in messages.STEPS:
        en, fr = messages.step_text(step, "en"), messages.step_text(step, "fr")
        assert en != step and fr not in (step, en, f"ingest.step.{step}")


def test_excel_preview_reads_only_the_first_rows_of_the_sheet(
        store: Store, tmp_path: Path) -> None:
    path = tmp_path / "late.xlsx"
    late = (b'<row r="7000"><c r="A7000" t="inlineStr"><is><t>c9</t></is></c>'
            b'<c r="B7000" t="inlineStr"><is><t>2024-01-01</t></is></c>'
            b'<c r="C7000" t="inlineStr"><is><t>' + b"w" * 20_000 + b"</t></is></c></row>")
    _raw_workbook(path, [*_inline_rows(6_000), late])
    limits = Limits(max_cell=1_000)
    # Past the rows a preview shows, the sheet is not read: the long cell is not seen...
    pv = importer.preview(path, limits=limits)
    assert not pv.problems and len(pv.data) == 20, [p.message for p in pv.problems]
    # ...and the import, which reads it all, refuses it.
    _refused(store, path, "cell_too_large", limits=limits)


def test_cli_says_what_happened(tmp_path: Path, temp_folder: Path,
                                capsys: pytest.CaptureFixture[str]) -> None:
    whole = gzip.compress(HEADER + _rows(20_000))
    path = tmp_path / "events.csv.gz"
    path.write_bytes(whole[: len(whole) // 2])
    db = str(tmp_path / "cli.duckdb")
    assert cli_main(["--db", db, "import", str(path)]) == 1
    err = capsys.readouterr().err
    assert "cut short (truncated)" in err and "Traceback" not in err
    line = tmp_path / "one-line.csv"
    line.write_bytes(b"x;" * 1_000_000)
    assert cli_main(["--db", db, "import", str(line), "--max-line-mb", "1"]) == 1
    err = capsys.readouterr().err
    assert "A line is longer than the limit (1 MB)" in err and "--max-line-mb N" in err


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 30 MB file system (tmpfs), where root may mount one; skipped elsewhere."""
    import subprocess

    folder = tmp_path / "disk"
    folder.mkdir()
    try:
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=30m", "tmpfs", str(folder)],
                              capture_output=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        pytest.skip("cannot run mount")
    if done.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], capture_output=True, timeout=20)


def test_a_really_full_disk_at_commit(small_disk: Path, tmp_path: Path) -> None:
    import os

    with Store(small_disk / "t.duckdb") as store:
        seed = tmp_path / "seed.csv"
        seed.write_bytes(HEADER + _rows(3))
        assert importer.import_file(store, seed).ok
        free = os.statvfs(small_disk).f_bavail * os.statvfs(small_disk).f_frsize
        filler = small_disk / "filler"
        filler.write_bytes(b"\0" * (free - 150_000))  # ~150 KB left: the WAL fails at COMMIT
        path = tmp_path / "events.csv"
        path.write_bytes(HEADER + _rows(20_000, 1_000))
        report = _refused(store, path, "disk_full")
        assert "no transaction is active" not in report.to_text()
        filler.unlink()  # space freed: the same import now lands, as the message says
        assert importer.import_file(store, path).ok


@pytest.mark.parametrize("stop_after", [3, 40])
def test_the_dry_run_of_a_big_workbook_can_be_cancelled(
        store: Store, tmp_path: Path, temp_folder: Path, stop_after: int) -> None:
    """What the Data page runs when a workbook is dropped (a dry run, the whole sheet) asks
    `cancel` while it scans the sheet XML (3 asks) and while it converts rows (40): either
    way it stops with a "cancelled" report and leaves no temp file."""
    path = tmp_path / "big.xlsx"

    def rows() -> Iterator[bytes]:
        yield (b'<row r="1"><c r="A1" t="inlineStr"><is><t>customer</t></is></c>'
               b'<c r="B1" t="inlineStr"><is><t>date</t></is></c>'
               b'<c r="C1" t="inlineStr"><is><t>page</t></is></c></row>')
        for i in range(2, 120_002):
            yield (f'<row r="{i}"><c r="A{i}" t="inlineStr"><is><t>c{i}</t></is></c>'
                   f'<c r="B{i}" t="inlineStr"><is><t>2024-01-02</t></is></c>'
                   f'<c r="C{i}" t="inlineStr"><is><t>Home</t></is></c></row>').encode()

    _raw_workbook(path, rows())
    asked: list[float] = []

    def cancel() -> bool:
        asked.append(0)
        return len(asked) > stop_after

    report = importer.import_file(store, path, dry_run=True, cancel=cancel)
    assert [p.code for p in report.problems] == ["cancelled"], report.to_text()
    assert len(asked) == stop_after + 1
    assert _left_in(temp_folder) == []
