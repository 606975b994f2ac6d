"""Import one file into the store: read, sniff, map, validate, load atomically, report.

The same code path serves the CLI and the upload page. `plan` decides from the first rows
what the file is and which column is what; `loader` streams the whole file through DuckDB,
checks it and writes it inside one transaction: a file lands whole or not at all. Bad input
never raises: `import_file` returns a report that says what is wrong and how to fix it.
"""

from __future__ import annotations

import contextlib
import errno
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from journey.db import placement
from journey.db.store import Store
from journey.ingest import messages, readers
from journey.ingest.formats import TARGET_FIELDS
from journey.ingest.limits import CancelFn, Cancelled, Checkpoint, LimitError, Limits
from journey.ingest.loader import DryRun, Loader, ProgressFn, Rejected
from journey.ingest.plan import IGNORE, make_plan, unused_note
from journey.ingest.report import Fix, ImportReport, Preview, Problem
from journey.voc import sentiment, themes

__all__ = [
    "IGNORE", "TARGETS", "Fix", "ImportReport", "Limits", "Preview", "Problem", "disk_full",
    "import_file", "preview", "render",
]

TARGETS = TARGET_FIELDS  # target fields per kind, for the upload page's mapping widgets


def render(code: str, lang: str = "en", **params: Any) -> str:
    """The message `code` in `lang` (English fallback), filled with `params`."""
    return messages.render(code, lang, **params)


def _name_of(source: str | Path | bytes, file_name: str | None) -> str:
    if file_name:
        return file_name
    return "upload.csv" if isinstance(source, (bytes, bytearray)) else Path(source).name


def _materialize(source: str | Path | bytes, work: str, name: str) -> str:
    """A path for `source`: an upload's bytes are written once to the temporary directory."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        path = Path(work) / ("upload" + "".join(Path(name).suffixes[-2:]))
        path.write_bytes(bytes(source))
        return str(path)
    return str(source)


def _read_problem(exc: readers.ReadProblem) -> Problem:
    return Problem.make(exc.code, **exc.params)


def _encoding_notes(prep: readers.Prepared) -> list[Problem]:
    repair = prep.repair
    if repair is None:
        return []
    notes = []
    if repair.repaired:
        notes.append(Problem.make(
            "note_c1_repaired" if repair.utf8 else "note_encoding_repaired", count=repair.repaired,
            samples=", ".join(repair.repaired_examples),
        ))
    if repair.unsure:
        notes.append(Problem.make(
            "note_encoding_unsure", count=repair.unsure,
            samples=", ".join(repair.unsure_examples),
        ))
    return notes


# What the operating system or DuckDB say when the disk (or the temp folder's) is full.
_DISK_FULL = ("no space left on device", "not enough space", "disk is full", "disk full",
              "enospc", "there is not enough space on the disk")


def disk_full(exc: BaseException) -> bool:
    """Whether an error, or one it was raised from, says the disk is full."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
            return True
        if any(words in str(exc).lower() for words in _DISK_FULL):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


@contextlib.contextmanager
def _interrupt_on_cancel(cur: duckdb.DuckDBPyConnection,
                         cancel: CancelFn | None) -> Iterator[None]:
    """While the block runs, a watcher asks `cancel` a few times a second and interrupts
    DuckDB's current statement (one statement reads the whole file) when it says so."""
    if cancel is None:
        yield
        return
    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.1):
            if cancel():
                cur.interrupt()
                return

    watcher = threading.Thread(target=watch, name="parcours-import-cancel", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        done.set()
        watcher.join()


def _demo_import(store: Store) -> dict[str, Any] | None:
    row = store.cursor().execute(
        "SELECT import_id, file_name FROM imports WHERE kind = 'demo' ORDER BY import_id LIMIT 1"
    ).fetchone()
    return {"import_id": int(row[0]), "file_name": row[1]} if row else None


def import_file(
    store: Store,
    source: str | Path | bytes,
    *,
    kind: str | None = None,
    mapping: dict[str, str] | None = None,
    skip_bad_rows: bool = False,
    dry_run: bool = False,
    file_name: str | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
    limits: Limits | None = None,
) -> ImportReport:
    """Import one file (path, or an upload's bytes with its file_name) as one transaction.

    Never raises for bad input: the report says what was wrong, and the store is unchanged.
    With `dry_run` everything is read and checked, the report says what would be imported,
    and nothing is written. `limits` (default: `Limits.from_env()`) bound what the file may
    expand to, checked as it streams. `cancel` is asked between chunks and steps (and, from
    a watcher thread, during DuckDB's reading, so it must be thread-safe): when it returns
    True the import stops with a "cancelled" report, its temp files gone, the store unchanged.
    """
    report = ImportReport(file_name=_name_of(source, file_name), dry_run=dry_run)
    step = Checkpoint(progress, cancel)
    try:
        limits = limits or Limits.from_env()
        with tempfile.TemporaryDirectory(prefix="parcours-import-") as work:
            step.step(0.0, "reading_file")
            path = _materialize(source, work, report.file_name)
            prep = readers.prepare(path, report.file_name, work, limits=limits, tick=step)
            report.encoding, report.delimiter = prep.encoding, prep.delimiter
            report.notes.extend(_encoding_notes(prep))
            earlier = store.find_import(prep.content_hash) or (
                store.find_import(prep.raw_hash) if prep.raw_hash != prep.content_hash else None
            )
            if earlier:
                report.duplicate_of = earlier
                report.problems.append(Problem.make(
                    "duplicate", fixes=[Fix("remove", {"import_id": earlier["import_id"]})],
                    **earlier,
                ))
                return report
            plan, problems = make_plan(prep, kind, mapping)
            report.layout, report.kind, report.mapping = plan.layout.name, plan.kind, plan.mapping
            report.notes.extend(plan.notes)
            if problems:
                report.problems.extend(problems)
                return report
            step.step(0.1, "checking_columns")
            try:
                with store.transaction() as cur, _interrupt_on_cancel(cur, cancel):
                    Loader(cur, prep, plan, report, skip_bad_rows, step, limits).run(
                        store, dry_run)
                    if plan.kind == "responses":
                        # Same transaction: the answers land with their comments scored.
                        step.step(0.95, "scoring")
                        sentiment.refresh(cur)
                        # And their themes found again, keeping the users' edits.
                        themes.refresh(cur)
                    # The last checkpoint: still inside the transaction, so a cancel here
                    # rolls back; the journey tables are refreshed, then it commits.
                    step.step(1.0, "refreshing")
            except DryRun:
                report.ok = True
            except duckdb.InterruptException:
                if cancel is None:
                    raise
                raise Cancelled() from None
            if report.ok and not dry_run and plan.kind == "events":
                # Committed: the journeys now hold this file's events, and answers imported
                # earlier may have moved onto them.
                cur = store.cursor()
                report.placement = placement.placement_setting(cur)
                report.answers_on_events = placement.answers_on_events_of(
                    cur, int(report.import_id or 0))
            unused = unused_note(plan)
            if unused and report.ok:
                report.notes.append(unused)
            if not dry_run:
                report.demo = _demo_import(store) if report.ok else None
            # No checkpoint after the commit: a cancel (or the app's Stop, which strikes in
            # a progress call) must never report as cancelled an import that has landed.
    except readers.ReadProblem as exc:
        report.problems.append(_read_problem(exc))
    except Rejected:
        pass
    except Cancelled:
        report.problems = [Problem.make("cancelled")]
    except LimitError as exc:
        report.problems.append(Problem.make("bad_limit", error=str(exc)))
    except Exception as exc:  # a bug or a DuckDB surprise: still a report, never a traceback
        if disk_full(exc):
            # Said as what happened: the write failed for want of space, nothing landed.
            report.problems.append(Problem.make("disk_full", error=str(exc)[:200]))
        else:
            report.problems.append(
                Problem.make("internal", error=f"{type(exc).__name__}: {exc}"))
    if report.problems and not (report.ok and skip_bad_rows):
        report.ok, report.import_id, report.rows_imported = False, None, 0
    if dry_run:
        report.import_id = None
    return report


def preview(
    source: str | Path | bytes,
    *,
    kind: str | None = None,
    mapping: dict[str, str] | None = None,
    file_name: str | None = None,
    rows: int = 20,
    limits: Limits | None = None,
) -> Preview:
    """The file's first rows, detected layout/kind and suggested mapping; never raises.
    Only the head of the file is read (a workbook: its first rows), whatever its size."""
    result = Preview(file_name=_name_of(source, file_name))
    try:
        limits = limits or Limits.from_env()
        with tempfile.TemporaryDirectory(prefix="parcours-preview-") as work:
            path = _materialize(source, work, result.file_name)
            prep = readers.prepare(path, result.file_name, work, full=False, limits=limits)
        result.encoding, result.delimiter = prep.encoding, prep.delimiter
        plan, problems = make_plan(prep, kind, mapping)
        layout = plan.layout
        result.layout, result.kind, result.header = layout.name, plan.kind, layout.columns
        result.mapping, result.problems = plan.mapping, problems
        result.notes = list(plan.notes)
        result.targets = list(TARGET_FIELDS.get(plan.kind or "", []))
        width = len(layout.columns)
        body = prep.head_rows[1 + layout.extra_header_rows:][:rows]
        body = [(r + [""] * width)[:width] for r in body]
        result.data = pd.DataFrame(body, columns=layout.columns)
    except readers.ReadProblem as exc:
        result.problems.append(_read_problem(exc))
    except LimitError as exc:
        result.problems.append(Problem.make("bad_limit", error=str(exc)))
    except Exception as exc:  # noqa: BLE001 - a preview must never take the page down
        result.problems.append(Problem.make("internal", error=f"{type(exc).__name__}: {exc}"))
    return result


def remove_import(store: Store, import_id: int) -> bool:
    """Remove one import as a whole; False if there is no such import.

    When it held survey answers, the themes of the answers left are found again in the same
    transaction, keeping the users' renames, merges and pins (as after an import): otherwise
    the themes would still be named after, and weighted by, comments that are gone. A theme
    no comment is left in is put aside (a pinned one stays listed).
    """
    return store.remove_import(import_id, answers_removed=themes.refresh)
