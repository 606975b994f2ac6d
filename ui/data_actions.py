"""What the Data page's buttons do, kept out of the page so tests call the very same code.

No business rules here: parsing, validation and loading are `journey.ingest`'s, writing is
`journey.db.store`'s; this module only moves an uploaded file to disk, calls those functions
with what the page collected, and turns edited tables into their rows. The page itself never
writes the store.
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from journey.db import fast_filters, health
from journey.db.store import Store, StoreError
from journey.ingest import demo, importer
from journey.ingest.importer import ImportReport, Preview, Problem
from journey.ingest.limits import LimitError, Limits
from ui.store import demo_customers

IGNORE = ""  # the mapping editor's "do not import this column"
UPLOAD_TYPES = ["csv", "tsv", "txt", "gz", "xlsx"]  # what the uploader accepts


def upload_limits() -> Limits:
    """The limits imports run with (PARCOURS_MAX_*), for the uploader and its help. A bad
    variable falls back to the defaults here; each import then says what is wrong with it."""
    try:
        return Limits.from_env()
    except LimitError:
        return Limits()


def spool(name: str, data: bytes, workdir: str | None = None) -> str:
    """Write an upload to a temporary file (ingest streams big files from disk)."""
    suffix = "".join(Path(name).suffixes[-2:])[:20] or ".csv"
    fd, path = tempfile.mkstemp(prefix="parcours-upload-", suffix=suffix, dir=workdir)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
    except BaseException:
        os.unlink(path)  # a half-written upload (a full temp folder) is not left behind
        raise
    return path


def mapping_frame(columns: list[str], mapping: dict[str, str] | None) -> pd.DataFrame:
    """The editable table: one row per source column, its target field or IGNORE."""
    mapping = mapping or {}
    return pd.DataFrame(
        {"column": list(columns), "target": [mapping.get(c, IGNORE) for c in columns]}
    )


def mapping_from_frame(df: pd.DataFrame) -> dict[str, str]:
    out: dict[str, str] = {}
    for col, target in zip(df["column"], df["target"], strict=True):
        if isinstance(target, str) and target and target != IGNORE:
            out[str(col)] = target
    return out


def preview_file(
    name: str, data: bytes, *, kind: str | None = None, mapping: dict[str, str] | None = None,
    rows: int = 20,
) -> Preview:
    from journey.ingest import importer

    try:
        path = spool(name, data)
    except OSError as exc:  # the temp folder is full or not writable
        return Preview(file_name=name, problems=failed_report(name, exc).problems)
    try:
        return importer.preview(path, kind=kind, mapping=mapping, file_name=name, rows=rows)
    finally:
        os.unlink(path)


def run_import(
    store: Store,
    name: str,
    data: bytes,
    *,
    kind: str | None = None,
    mapping: dict[str, str] | None = None,
    skip_bad_rows: bool = False,
    progress: Callable[[float, str], None] | None = None,
) -> ImportReport:
    """Import one uploaded file (what the Import button calls). Never raises: a failure is a
    report with its problem, like any file ingest refuses."""
    from journey.ingest import importer

    try:
        path = spool(name, data)
    except OSError as exc:  # the temp folder is full or not writable
        return failed_report(name, exc)
    try:
        return importer.import_file(
            store, path, kind=kind, mapping=mapping or None, skip_bad_rows=skip_bad_rows,
            file_name=name, progress=progress,
        )
    except Exception as exc:  # noqa: BLE001 - never a traceback on the Data page
        return failed_report(name, exc)
    finally:
        os.unlink(path)


def failed_report(name: str, exc: Exception) -> ImportReport:
    """The report of an import that failed outside ingest's own checks, said as what
    happened when we know it (a full disk), else as an unexpected error."""
    from journey.ingest import importer

    error = str(exc) if isinstance(exc, StoreError) else f"{type(exc).__name__}: {exc}"
    code = "disk_full" if importer.disk_full(exc) else "internal"
    return ImportReport(ok=False, file_name=name,
                        problems=[Problem.make(code, error=error[:300])])


# -- backup --------------------------------------------------------------------------------
_BACKUP_LOCK = threading.Lock()  # the copy attaches its target under one fixed name


def backup_bytes(store: Store) -> bytes:
    """A consistent copy of the whole store as the bytes of a DuckDB file (what the Data page's
    backup button downloads), made through a temporary file that is always removed."""
    with _BACKUP_LOCK, tempfile.TemporaryDirectory(prefix="parcours-backup-") as folder:
        out = Path(folder) / "backup.duckdb"
        cur = store.cursor()
        try:
            health.backup(cur, out)
        finally:
            cur.close()
        return out.read_bytes()


# -- the demo ------------------------------------------------------------------------------
def load_demo(store: Store, lang: str = "en") -> dict[str, Any]:
    """Load the demo (the size the app loads by itself) in `lang`; StoreError if one is
    loaded."""
    return demo.load_sample(store, customers=demo_customers(), lang=lang)


def remove_import(store: Store, import_id: int) -> bool:
    """Remove one import as a whole. Removing the demo also stops the app from loading it
    again at once into the store it leaves empty."""
    was_demo = (demo.demo_import(store) or {}).get("import_id") == import_id
    # Through the importer: the themes of the answers left are found again.
    removed = importer.remove_import(store, import_id)
    if removed and was_demo:
        store.set_setting("demo_autoload", "off")
    return removed


# -- the journey model editors -------------------------------------------------------------
def save_touchpoints(store: Store, edited: pd.DataFrame) -> None:
    store.set_touchpoints(touchpoint_rows(edited))


def save_stages(store: Store, edited: pd.DataFrame) -> None:
    """Raises StoreError (with its code) for a stage without a name or a name used twice."""
    store.set_stages(stage_rows(edited))


def save_personas(store: Store, edited: pd.DataFrame) -> None:
    store.set_personas(persona_rows(edited))


def save_answer_placement(store: Store, value: str) -> None:
    """Where survey answers without a stage go (journey.analytics.scope.PLACEMENTS)."""
    from journey.analytics import scope

    if value not in scope.PLACEMENTS:
        raise ValueError(f"Unknown answer placement {value!r}.")
    store.set_setting(scope.PLACEMENT_SETTING, value)


def fast_filters_status(store: Store) -> fast_filters.FastFilters:
    """The store's fast-filters setting and whether its tables are built."""
    return fast_filters.current(store)


def save_fast_filters(store: Store, on: bool) -> fast_filters.FastFilters:
    """Turn fast filters on (builds their tables: a re-derive of the journey tables) or off
    (drops them)."""
    return fast_filters.switch(store, on)


def touchpoint_rows(df: pd.DataFrame) -> list[tuple[str, str | None, str | None, bool | None]]:
    rows = []
    for r in df.to_dict("records"):
        name = str(r.get("touchpoint") or "").strip()
        if not name:
            continue
        stage = r.get("stage")
        channel = r.get("channel")
        online = r.get("online")
        rows.append((
            name,
            stage if isinstance(stage, str) and stage else None,
            channel.strip() if isinstance(channel, str) and channel.strip() else None,
            None if online is None or pd.isna(online) else bool(online),
        ))
    return rows


def stage_rows(df: pd.DataFrame) -> list[tuple[str, str | None, str | None]]:
    """Edited stages in the order given by `position` (then row order)."""
    data = df.copy()
    data["_row"] = range(len(data))
    data["position"] = pd.to_numeric(data.get("position"), errors="coerce")
    data = data.sort_values(["position", "_row"], na_position="last")
    rows = []
    for r in data.to_dict("records"):
        key = str(r.get("stage") or "").strip()
        if not key:
            continue
        en = r.get("label_en")
        fr = r.get("label_fr")
        rows.append((
            key,
            en.strip() if isinstance(en, str) and en.strip() else None,
            fr.strip() if isinstance(fr, str) and fr.strip() else None,
        ))
    return rows


def persona_rows(df: pd.DataFrame) -> list[tuple[str, str | None]]:
    rows = []
    for r in df.to_dict("records"):
        name = str(r.get("persona") or "").strip()
        if name:
            desc = r.get("description")
            rows.append((name, desc if isinstance(desc, str) and desc.strip() else None))
    return rows


# -- touchpoint rules ----------------------------------------------------------------------
def apply_rules(store: Store, rules: list[Any]) -> int:
    """Store `rules` (the rule set replaced is kept for Undo) and re-derive every journey in
    the same transaction; returns the events now in journeys. A bad rule raises RuleError
    and changes nothing. The data version moves, so every page's cached figures are redone."""
    from journey.db.rules import journey_event_count

    store.set_rules(list(rules))
    return journey_event_count(store.cursor())


def undo_rules(store: Store) -> list[Any] | None:
    """Back to the rule set before the last change; None when no earlier set is kept."""
    return store.undo_rules()


def rules_file(rules: list[Any]) -> bytes:
    """The rules as the CSV file `python -m journey rules export` writes."""
    from journey.cli.rules import to_csv

    return to_csv(list(rules))


def rules_from_file(data: bytes) -> list[Any]:
    """Rules from an uploaded rules file (StoreError saying what is wrong with the file)."""
    from journey.cli.rules import from_csv

    return from_csv(data)


def assign_stage(store: Store, touchpoints: list[str], stage: str | None) -> int:
    """Put many touchpoints in one stage at once (the Data page's bulk assignment)."""
    return store.assign_stage(touchpoints, stage)
