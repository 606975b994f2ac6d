"""What the Data page's buttons do, kept out of the page so tests call the very same code.

No business rules here: parsing, validation and loading are `journey.ingest`'s; this module
only moves an uploaded file to disk, calls ingest, and turns edited tables into store rows.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from journey.db.store import Store

IGNORE = ""  # the mapping editor's "do not import this column"
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$])")


def md_escape(text: Any) -> str:
    """User text (file or touchpoint names) shown inside Markdown stays literal text."""
    return _MD_SPECIAL.sub(r"\\\1", str(text))


def spool(name: str, data: bytes, workdir: str | None = None) -> str:
    """Write an upload to a temporary file (ingest streams big files from disk)."""
    suffix = "".join(Path(name).suffixes[-2:])[:20] or ".csv"
    fd, path = tempfile.mkstemp(prefix="parcours-upload-", suffix=suffix, dir=workdir)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
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
) -> Any:
    from journey.ingest import importer

    path = spool(name, data)
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
) -> Any:
    """Import one uploaded file (what the Import button calls). Returns the ImportReport."""
    from journey.ingest import importer

    path = spool(name, data)
    try:
        return importer.import_file(
            store, path, kind=kind, mapping=mapping or None, skip_bad_rows=skip_bad_rows,
            file_name=name, progress=progress,
        )
    finally:
        os.unlink(path)


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
