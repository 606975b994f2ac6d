"""Byte-level reading of uploaded files: what is it, how is it encoded, where is the CSV.

Everything here works on streams in fixed-size chunks so that a file of hundreds of MB
never sits in memory: we hash it, check its encoding, and, when DuckDB cannot read it as
it is (cp1252, UTF-16, .xlsx), write a UTF-8 CSV copy into a temporary directory.
The result is a `Prepared` file that DuckDB's `read_csv` can stream.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import gzip
import hashlib
import io
import os
import re
import xml.etree.ElementTree as ET
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from journey.ingest import mixed_encoding
from journey.ingest.limits import Limits, no_checkpoint

Tick = Callable[[], None]  # a checkpoint between chunks (limits.Checkpoint)

CHUNK = 1 << 20  # 1 MiB: big enough to be fast, small enough to keep memory flat
HEAD = 64 * 1024  # what we sniff delimiter, header rows and layout from
DELIMITERS = [",", ";", "\t", "|"]

# Magic numbers of files people drop by mistake, and how we name them to the user.
MAGIC: list[tuple[bytes, str]] = [
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Excel .xls (or other Office 97) file"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"\x7fELF", "a program (ELF binary)"),
    (b"MZ", "a Windows program"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
    (b"PAR1", "a Parquet file"),
    (b"DUCK", "a DuckDB database"),
]


class ReadProblem(Exception):
    """The file cannot be read at all; `code` and `params` pick the user message."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass
class Prepared:
    """A file made ready for DuckDB: a UTF-8 (possibly gzip'd) CSV path plus what we learned."""

    file_name: str
    content_hash: str  # of the content (a gzip'd copy of a file has the file's hash)
    csv_path: str  # what DuckDB reads
    compression: str  # 'none' or 'gzip'
    encoding: str  # as detected in the original file ('utf-8', 'cp1252', 'utf-16', 'xlsx'...)
    delimiter: str
    head_rows: list[list[str]] = field(default_factory=list)  # first records, parsed
    head_complete: bool = False  # head_rows holds the whole file
    size: int = 0
    raw_hash: str = ""  # of the bytes as given (what older versions stored)
    repair: mixed_encoding.RepairStats | None = None  # single-byte text: what was repaired


def quote_ident(name: str) -> str:
    """A SQL identifier, double quotes doubled; for the rare names we must put in SQL text."""
    return '"' + name.replace('"', '""') + '"'


def sniff_magic(head: bytes) -> str | None:
    """What a non-text file looks like, from its first bytes; None if it may be text."""
    for magic, what in MAGIC:
        if head.startswith(magic):
            return what
    return None


def _chunks(stream: BinaryIO, tick: Tick = no_checkpoint) -> Iterator[bytes]:
    while True:
        tick()  # between chunks: progress, and the user's cancel
        block = stream.read(CHUNK)
        if not block:
            return
        yield block


class _Utf8Check:
    """Streamed UTF-8 validation; pure-ASCII blocks (most exports) skip the decoder."""

    def __init__(self) -> None:
        self._dec = codecs.getincrementaldecoder("utf-8")()
        self.ok = True

    def feed(self, block: bytes, final: bool = False) -> None:
        if not self.ok:
            return
        if not final and block.isascii() and not self._dec.getstate()[0]:
            return
        try:
            self._dec.decode(block, final=final)
        except UnicodeDecodeError:
            self.ok = False


def hash_file(path: str) -> str:
    return _fingerprint(path, check_utf8=False)[0]


def _fingerprint(path: str, *, check_utf8: bool,
                 tick: Tick = no_checkpoint) -> tuple[str, bool | None]:
    """Content hash and (for an uncompressed file) whether it is UTF-8, in one read."""
    h = hashlib.sha256()
    utf8 = _Utf8Check() if check_utf8 else None
    with open(path, "rb") as f:
        for block in _chunks(f, tick):
            h.update(block)
            if utf8:
                utf8.feed(block)
    if utf8:
        utf8.feed(b"", final=True)
    return h.hexdigest(), (utf8.ok if utf8 else None)


def _gzip_problem(exc: BaseException) -> ReadProblem:
    """What a gzip error means to the user: a file cut short (a download that stopped, a
    copy of a file still being written) is the usual one, and the fix differs."""
    if isinstance(exc, EOFError):
        return ReadProblem("gzip_truncated")
    return ReadProblem("bad_gzip", error=str(exc))


GZIP_ERRORS = (OSError, EOFError, zlib.error)  # BadGzipFile is an OSError


def _logical_hash(path: str, limits: Limits | None = None, tick: Tick = no_checkpoint) -> str:
    """Hash of a gzip'd file's content: a compressed copy of an imported file is the same
    file. The content is counted as it streams: a small .gz that expands past the size limit
    is refused there, before the rest is decompressed."""
    cap = (limits or Limits()).max_bytes
    h = hashlib.sha256()
    seen = 0
    try:
        with gzip.open(path, "rb") as f:
            for block in _chunks(f, tick):
                seen += len(block)
                if seen > cap:
                    raise ReadProblem("gzip_too_big", limit=(limits or Limits()).max_mb,
                                      fixes=[limit_fix("max_mb", limits)])
                h.update(block)
    except GZIP_ERRORS as exc:
        raise _gzip_problem(exc) from exc
    return h.hexdigest()


def limit_fix(name: str, limits: Limits | None) -> Any:
    """The fix "raise this limit", worded per surface (the flag, or the variable)."""
    from journey.ingest.limits import ENV, FLAGS
    from journey.ingest.report import Fix

    current = getattr(limits or Limits(), name)
    return Fix("limit", {"flag": FLAGS[name], "env": ENV[name], "limit": current})


def _has_c1(path: str, gz: bool, tick: Tick = no_checkpoint) -> bool:
    """Whether UTF-8 text holds C1 control characters (a Windows text decoded as Latin-1
    somewhere on its way): they are repaired, never stored."""
    tail = b""
    with _open_logical(path, gz) as f:
        for block in _chunks(f, tick):
            # A C1 character needs a byte >= 0x80 in this block: an ASCII block (most of an
            # export) has none, whatever the previous block ended with.
            if not block.isascii() and mixed_encoding.UTF8_C1.search(tail + block):
                return True
            tail = block[-1:]
    return False


def _open_logical(path: str, gz: bool) -> BinaryIO:
    return gzip.open(path, "rb") if gz else open(path, "rb")  # noqa: SIM115


def _is_utf8(path: str, gz: bool, tick: Tick = no_checkpoint) -> bool:
    """Whole-file UTF-8 check (streamed): a cp1252 'é' on row 900,000 must not slip past."""
    check = _Utf8Check()
    with _open_logical(path, gz) as f:
        for block in _chunks(f, tick):
            check.feed(block)
            if not check.ok:
                return False
    check.feed(b"", final=True)
    return check.ok


def _guess_encoding(head: bytes) -> str | None:
    """Encoding from BOMs and NUL patterns; None means 'UTF-8 or a single-byte code page'."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample = head[:4096]
    if sample and sample.count(b"\x00") > len(sample) // 4:
        # UTF-16 without BOM: ASCII text leaves every other byte NUL.
        even = sample[0::2].count(b"\x00")
        odd = sample[1::2].count(b"\x00")
        if odd > even * 4:
            return "utf-16-le"
        if even > odd * 4:
            return "utf-16-be"
    return None


def _looks_binary(text: str) -> bool:
    if not text:
        return False
    control = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\r\n\f")
    return "\x00" in text or control > len(text) / 100


def _transcode(
    src: str, gz: bool, encoding: str, dest: str, tick: Tick = no_checkpoint
) -> mixed_encoding.RepairStats | None:
    """Re-encode to UTF-8 in chunks (bounded memory) so DuckDB can stream it. Windows text
    is read with the cp850 repair (`mixed_encoding`); what it changed is returned."""
    if encoding in ("utf-8", "utf-8-sig"):
        dec: Any = mixed_encoding.Decoder(False, utf8=True)
        with _open_logical(src, gz) as f, open(dest, "w", encoding="utf-8", newline="") as out:
            for block in _chunks(f, tick):
                out.write(dec.decode(block))
            out.write(dec.decode(b"", final=True))
        return dec.stats
    if encoding == "cp1252":
        found = [0, 0]
        with _open_logical(src, gz) as f:
            tail = b""
            for block in _chunks(f, tick):
                # Two bytes of overlap so a word cut at a block boundary still counts.
                in_word, c1 = mixed_encoding.evidence(tail + block)
                found[0] += in_word
                found[1] += c1 - mixed_encoding.c1_count(tail)
                tail = block[-2:]
        dec = mixed_encoding.Decoder(mixed_encoding.is_mixed(*found))
    else:
        dec = codecs.getincrementaldecoder(encoding)()
    with _open_logical(src, gz) as f, open(dest, "w", encoding="utf-8", newline="") as out:
        for block in _chunks(f, tick):
            out.write(dec.decode(block))
        out.write(dec.decode(b"", final=True))
    return dec.stats if encoding == "cp1252" else None


def _cell_text(value: object) -> str:
    """An Excel cell as the text a CSV export would hold (ISO dates, 9 not 9.0)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="microseconds" if value.microsecond else "seconds")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


# An .xlsx is a zip of XML: a few KB can declare hundreds of MB of sheet XML, or one cell
# of 400 MB that openpyxl would build in memory (it loads the shared strings whole, even in
# read-only mode). Before openpyxl opens it, `_guard_xlsx` reads the zip's declared sizes
# (Python's zipfile never yields more than a member declares) and streams the shared strings
# and the sheet through cheap scans; the conversion then checks every row exactly.
XML_BYTES_PER_CHAR = 6  # at most: UTF-8's 4 bytes, an entity such as &quot; 6
OTHER_PART_MAX = 50 * 1024 * 1024  # workbook, styles, relations: openpyxl parses them whole
_ROW_TAG = re.compile(rb"<(?:\w{1,10}:)?row[\s>/]")
_VALUE_TAG = re.compile(rb"<(?:\w{1,10}:)?(?:v|is)[\s>]")
_CARRY = 64  # bytes kept between chunks so a tag cut at a chunk boundary is still seen
PREVIEW_ROWS = 5_000  # a preview's rows of a sheet: more than its CSV head ever holds


def _col_index(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _col_letters(index: int) -> str:
    text = ""
    while index:
        index, rem = divmod(index - 1, 26)
        text = chr(65 + rem) + text
    return text


def _excel_too_big(limits: Limits) -> ReadProblem:
    return ReadProblem("excel_too_big", limit=limits.max_excel_mb,
                       fixes=[limit_fix("max_excel_mb", limits)])


def _cell_too_large(limits: Limits) -> ReadProblem:
    return ReadProblem("cell_too_large", limit=limits.max_cell,
                       fixes=[limit_fix("max_cell", limits)])


def _too_many_rows(limits: Limits) -> ReadProblem:
    return ReadProblem("too_many_rows", limit=limits.max_rows,
                       fixes=[limit_fix("max_rows", limits)])


def _too_many_columns(count: int, limits: Limits) -> ReadProblem:
    return ReadProblem("too_many_columns", count=count, limit=limits.max_columns,
                       fixes=[limit_fix("max_columns", limits)])


class _XmlScan:
    """One streamed pass over a part of the workbook, in C-speed byte operations: the
    longest run of text (no '<' in it), rows, cells beyond the column limit, values."""

    def __init__(self, limits: Limits, tick: Tick, seen: int = 0) -> None:
        self.limits, self.tick = limits, tick
        self.run_limit = XML_BYTES_PER_CHAR * limits.max_cell
        self.seen = seen  # bytes of XML read so far, all parts together
        self.rows = 0
        self.has_values = False
        # A column beyond the limit has at least as many letters as the first one beyond it.
        letters = len(_col_letters(limits.max_columns + 1))
        self._wide = re.compile(rb"\sr=\"([A-Z]{%d,})[0-9]" % letters)

    def feed(self, stream: BinaryIO, *, sheet: bool, stop_rows: int | None = None) -> None:
        """Scan one part; a sheet's scan may stop once `stop_rows` rows are past (a
        preview converts no more than those)."""
        run, carry = 0, b""
        # Chunks no longer than the run limit: a run inside one chunk is then short enough,
        # and only runs across chunk boundaries need counting.
        size = max(1024, min(CHUNK, self.run_limit))
        while True:
            self.tick()
            block = stream.read(size)
            self.seen += len(block)
            if self.seen > self.limits.max_excel_bytes:
                raise _excel_too_big(self.limits)
            first = block.find(b"<")
            if first < 0:
                run += len(block)
            else:
                if run + first > self.run_limit:
                    raise _cell_too_large(self.limits)
                run = len(block) - block.rfind(b"<") - 1
            if run > self.run_limit:
                raise _cell_too_large(self.limits)
            if not sheet:
                if not block:
                    return
                continue
            data = carry + block
            cut = len(data) - _CARRY if block else len(data)
            cut = max(cut, 0)
            self.rows += sum(1 for m in _ROW_TAG.finditer(data) if m.start() < cut)
            if self.rows > self.limits.max_rows + 1:  # + the header row
                raise _too_many_rows(self.limits)
            for m in self._wide.finditer(data):
                if m.start() < cut and _col_index(m.group(1)) > self.limits.max_columns:
                    raise _too_many_columns(_col_index(m.group(1)), self.limits)
            if not self.has_values and _VALUE_TAG.search(data):
                self.has_values = True
            carry = data[cut:]
            if not block or (stop_rows is not None and self.rows > stop_rows):
                return


def _string_lengths(stream: BinaryIO, limits: Limits, tick: Tick) -> None:
    """Exact check of the shared strings: the characters of each string, all its runs
    together (a rich-text cell is many short runs); stops at the first one over the limit."""
    from xml.parsers import expat

    parser = expat.ParserCreate()
    parser.buffer_text = True
    length = [0]

    def start(name: str, attrs: object) -> None:
        if name == "si" or name.endswith(":si"):
            length[0] = 0

    def chars(text: str) -> None:
        length[0] += len(text)
        if length[0] > limits.max_cell:
            raise _cell_too_large(limits)

    parser.StartElementHandler = start
    parser.CharacterDataHandler = chars
    try:
        for block in _chunks(stream, tick):
            parser.Parse(block, False)
        parser.Parse(b"", True)
    except expat.ExpatError as exc:
        raise ReadProblem("bad_xlsx", error=str(exc)) from exc


def _sheet_parts(z: zipfile.ZipFile, names: set[str]) -> list[str]:
    """The workbook's worksheets in its own order (the order openpyxl reads them in)."""
    try:
        book = ET.fromstring(z.read("xl/workbook.xml"))
        rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
        targets = {r.get("Id"): r.get("Target") or "" for r in rels.iter()
                   if r.tag.endswith("Relationship")}
        parts = []
        for el in book.iter():
            if not el.tag.endswith("sheet") or el.tag.endswith("sheets"):
                continue
            rid = next((v for k, v in el.attrib.items() if k.endswith("}id")), None)
            target = targets.get(rid, "")
            part = target.lstrip("/") if target.startswith("/") else "xl/" + target
            part = os.path.normpath(part).replace(os.sep, "/")
            if part in names and "worksheets/" in part:
                parts.append(part)
        if parts:
            return parts
    except (KeyError, ET.ParseError):
        pass
    return sorted(n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml"))


def _guard_xlsx(path: str, limits: Limits, tick: Tick, stop_rows: int | None = None) -> None:
    """Refuse a workbook that would expand past the limits, before openpyxl opens it.
    `stop_rows` (previews): the sheet is scanned only as far as its first rows."""
    try:
        z = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ReadProblem("bad_xlsx", error=str(exc)) from exc
    with z:
        infos = {i.filename: i for i in z.infolist()}
        strings = [n for n in infos if n.lower().endswith("sharedstrings.xml")]
        sheets = _sheet_parts(z, set(infos))
        for name, info in infos.items():
            if name not in strings and name not in sheets and info.file_size > OTHER_PART_MAX:
                raise _excel_too_big(limits)
        scan = _XmlScan(limits, tick)
        try:
            # Text runs first: the usual bomb, one huge cell, is named as such at once.
            for name in strings:
                with z.open(name) as f:
                    scan.feed(f, sheet=False)
            declared = sum(infos[n].file_size for n in strings)
            for name in sheets:
                declared += infos[name].file_size
                if declared > limits.max_excel_bytes:
                    raise _excel_too_big(limits)
                with z.open(name) as f:
                    scan.feed(f, sheet=True, stop_rows=stop_rows)
                if scan.has_values:
                    break  # the sheet the conversion will take; the rest is never read
                scan.rows = 0
            for name in strings:
                with z.open(name) as f:
                    _string_lengths(f, limits, tick)
        except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
            raise ReadProblem("bad_xlsx", error=str(exc)) from exc


def _xlsx_to_csv(path: str, dest: str, limits: Limits | None = None,
                 tick: Tick = no_checkpoint, *, head_only: bool = False) -> None:
    """First non-empty sheet of a workbook to a UTF-8 CSV, row by row (read-only mode),
    each row checked against the limits. `head_only` (previews) stops after the first rows."""
    import openpyxl

    limits = limits or Limits()
    # openpyxl reads shared strings whole, and a sheet only as far as we iterate: a preview
    # scans and converts the first PREVIEW_ROWS rows, an import all of them.
    _guard_xlsx(path, limits, tick, PREVIEW_ROWS if head_only else None)
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for damaged workbooks
        raise ReadProblem("bad_xlsx", error=str(exc)) from exc
    try:
        with open(dest, "w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out, lineterminator="\n")
            for ws in wb.worksheets:
                if (ws.max_column or 0) > limits.max_columns:
                    # openpyxl pads every row to the sheet's declared width.
                    raise _too_many_columns(ws.max_column, limits)
                wrote = 0
                for n, row in enumerate(ws.iter_rows(values_only=True), start=1):
                    if n % 1000 == 0:
                        tick()
                    if head_only and n > PREVIEW_ROWS:
                        break
                    cells = [_cell_text(v) for v in row]
                    while cells and cells[-1] == "":
                        cells.pop()
                    if not cells and not wrote:
                        continue  # leading blank rows
                    if len(cells) > limits.max_columns:
                        raise _too_many_columns(len(cells), limits)
                    widest = max(map(len, cells), default=0)
                    if widest > limits.max_cell:
                        col = next(i for i, c in enumerate(cells) if len(c) == widest)
                        # Named as Excel names it (B3), so the user can go to that cell.
                        raise ReadProblem("cell_too_large_at", cell=f"{_col_letters(col + 1)}{n}",
                                          limit=limits.max_cell,
                                          fixes=[limit_fix("max_cell", limits)])
                    wrote += 1
                    if wrote > limits.max_rows + 1:  # + the header row
                        raise _too_many_rows(limits)
                    writer.writerow(cells)
                    if head_only and out.tell() > 2 * HEAD:
                        return  # enough for a preview: the head is read from this
                if wrote:
                    break
    finally:
        wb.close()


def _is_xlsx(path: str) -> bool:
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
    except (zipfile.BadZipFile, OSError):
        return False
    return "xl/workbook.xml" in names


def _is_ods(path: str) -> bool:
    try:
        with zipfile.ZipFile(path) as z:
            return z.read("mimetype").startswith(b"application/vnd.oasis.opendocument")
    except (zipfile.BadZipFile, KeyError, OSError):
        return False


def sniff_delimiter(lines: list[str]) -> str:
    """The delimiter that splits the first lines into the most consistent, widest rows."""
    best, best_score = ",", (-1, -1)
    sample = "\n".join(lines[:50])
    for delim in DELIMITERS:
        rows = [r for r in csv.reader(io.StringIO(sample), delimiter=delim) if r]
        if not rows:
            continue
        width = len(rows[0])
        # Survey exports have a short second header row, so judge on the widest rows too.
        consistent = sum(1 for r in rows if len(r) == width)
        score = (consistent if width > 1 else 0, width)
        if score > best_score:
            best, best_score = delim, score
    return best


def parse_head(text: str, delimiter: str, complete: bool) -> list[list[str]]:
    """Parse the sniffed head into records, dropping a record cut off by the head boundary."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[list[str]] = []
    try:
        rows.extend(reader)
    except csv.Error:
        pass  # an unclosed quote in the head: DuckDB will report it precisely
    if not complete and rows:
        rows.pop()
    while rows and not any(c.strip() for c in rows[-1]):
        rows.pop()
    return rows


def prepare(path: str, file_name: str, workdir: str, *, full: bool = True,
            limits: Limits | None = None, tick: Tick = no_checkpoint) -> Prepared:
    """Identify the file by content and return a UTF-8 CSV DuckDB can read, or ReadProblem.

    With full=False (previews) only the head is looked at: no hash, no whole-file encoding
    check, no transcoded copy (a workbook: only its first rows are converted). `limits` are
    checked as the file streams; `tick` is called between chunks (progress, cancel).
    """
    limits = limits or Limits()
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as f:
            magic = f.read(HEAD)
    except FileNotFoundError as exc:
        raise ReadProblem("not_found", path=path) from exc
    except IsADirectoryError as exc:
        raise ReadProblem("not_found", path=path) from exc
    except OSError as exc:
        raise ReadProblem("unreadable", error=str(exc)) from exc
    if size == 0:
        raise ReadProblem("empty")
    gz = magic.startswith(b"\x1f\x8b")
    xlsx = magic.startswith(b"PK\x03\x04")
    if not xlsx and size > limits.max_bytes:
        raise ReadProblem("too_big", size=-(-size // (1024 * 1024)), limit=limits.max_mb,
                          fixes=[limit_fix("max_mb", limits)])
    # One read of the file gives its hash and, for plain text, whether it is UTF-8.
    plain = not gz and not xlsx
    raw_hash, utf8 = _fingerprint(path, check_utf8=plain, tick=tick) if full else ("", None)
    content_hash = _logical_hash(path, limits, tick) if gz and full else raw_hash
    if xlsx:
        if _is_xlsx(path):
            dest = str(Path(workdir) / "sheet.csv")
            _xlsx_to_csv(path, dest, limits, tick, head_only=not full)
            prepared = _prepare_text(dest, file_name, content_hash, "utf-8", False, size, workdir,
                                     full, limits=limits, tick=tick)
            prepared.encoding, prepared.raw_hash = "xlsx", raw_hash
            return prepared
        if _is_ods(path):
            raise ReadProblem("not_csv", what="an OpenDocument spreadsheet (.ods)")
        raise ReadProblem("not_csv", what="a ZIP archive")
    what = None if gz else sniff_magic(magic)
    if what:
        raise ReadProblem("not_csv", what=what)
    prepared = _prepare_text(path, file_name, content_hash, None, gz, size, workdir, full, utf8,
                             limits=limits, tick=tick)
    prepared.raw_hash = raw_hash
    return prepared


def _first_line_end(path: str, gz: bool, limits: Limits, tick: Tick) -> int:
    """Where the first line ends (its length, line break included), read in chunks; a line
    longer than the limit is refused there (a file with no line breaks at all, a JSON or a
    binary export named .csv, would otherwise read as "empty")."""
    pos = 0
    try:
        with _open_logical(path, gz) as f:
            for block in _chunks(f, tick):
                hit = [i for i in (block.find(b"\n"), block.find(b"\r")) if i >= 0]
                if hit:
                    pos += min(hit) + 1
                    break
                pos += len(block)
                if pos > limits.max_line:
                    break
    except GZIP_ERRORS as exc:
        raise _gzip_problem(exc) from exc
    if pos > limits.max_line:
        raise ReadProblem("line_too_long", line="1", limit=limits.max_line_mb,
                          fixes=[limit_fix("max_line_mb", limits)])
    return pos


def _prepare_text(
    path: str,
    file_name: str,
    content_hash: str,
    encoding: str | None,
    gz: bool,
    size: int,
    workdir: str,
    full: bool = True,
    utf8: bool | None = None,
    *,
    limits: Limits | None = None,
    tick: Tick = no_checkpoint,
) -> Prepared:
    limits = limits or Limits()
    size_head = HEAD
    try:
        with _open_logical(path, gz) as f:
            head = f.read(size_head)
            complete = not f.read(1)
        if not complete and b"\n" not in head and b"\r" not in head:
            # Not one whole line in the head: read on to the first line break (or refuse).
            size_head = _first_line_end(path, gz, limits, tick) + HEAD
            with _open_logical(path, gz) as f:
                head = f.read(size_head)
                complete = not f.read(1)
    except GZIP_ERRORS as exc:
        raise _gzip_problem(exc) from exc
    if gz and sniff_magic(head):
        raise ReadProblem("not_csv", what="a compressed " + (sniff_magic(head) or "file"))
    enc = encoding or _guess_encoding(head)
    if enc is None:
        if full:
            is_utf8 = _is_utf8(path, gz, tick) if utf8 is None else utf8
            enc = "utf-8" if is_utf8 else "cp1252"
        else:
            enc = "utf-8" if _decode_head(head, "utf-8", complete) is not None else "cp1252"
    if enc == "cp1252" and _looks_binary(head.decode("latin-1")):
        raise ReadProblem("not_csv", what="binary data, not text")
    csv_path, compression, repair = path, "gzip" if gz else "none", None
    c1 = full and enc in ("utf-8", "utf-8-sig") and _has_c1(path, gz, tick)
    if full and (enc not in ("utf-8", "utf-8-sig") or c1):
        csv_path = str(Path(workdir) / "utf8.csv")
        try:
            repair = _transcode(path, gz, enc, csv_path, tick)
        except UnicodeDecodeError:
            raise ReadProblem("bad_encoding", encoding=enc) from None
        compression = "none"
        if enc == "cp1252" or c1:
            # The head is read back from the repaired copy: mapping sees what will load.
            with open(csv_path, "rb") as f:
                head = f.read(size_head)
                complete = not f.read(1)
            text = _decode_head(head, "utf-8", complete)
        else:
            text = _decode_head(head, enc, complete)
    elif enc == "cp1252":
        dec = mixed_encoding.Decoder(mixed_encoding.is_mixed(*mixed_encoding.evidence(head)))
        text = dec.decode(head, final=complete)
        repair = dec.stats
    else:
        text = _decode_head(head, enc, complete)
    if text is None or _looks_binary(text):
        raise ReadProblem("not_csv", what="binary data, not text")
    if not text.strip():
        raise ReadProblem("empty")

    text = text.lstrip("\ufeff")
    lines = text.splitlines()
    if not complete:
        lines = lines[:-1]
    # Python's csv refuses fields over 128 KB with an error of its own; our limits (line,
    # cell) are the ones to apply, and say what is wrong in the user's words.
    if csv.field_size_limit() < len(text) + 1:
        csv.field_size_limit(len(text) + 1)
    delimiter = sniff_delimiter(lines)
    rows = parse_head(text, delimiter, complete)
    if not rows:
        raise ReadProblem("empty")
    width = max(len(r) for r in rows)
    if width > limits.max_columns:
        raise _too_many_columns(width, limits)
    if max(len(c) for r in rows for c in r) > limits.max_cell:
        raise _cell_too_large(limits)
    return Prepared(
        file_name=file_name,
        content_hash=content_hash,
        csv_path=csv_path,
        compression=compression,
        encoding={"utf-8-sig": "utf-8 (BOM)"}.get(enc, enc),
        delimiter=delimiter,
        head_rows=rows,
        head_complete=complete,
        size=size,
        repair=repair,
    )


def _decode_head(head: bytes, encoding: str, complete: bool) -> str | None:
    """Decode the sniffed head; a multi-byte character cut at the boundary is not an error."""
    dec = codecs.getincrementaldecoder(encoding)()
    try:
        return dec.decode(head, final=complete)
    except UnicodeDecodeError:
        return None
