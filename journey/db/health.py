"""Is the store file sound, and a copy of it: plain words for a file that cannot be opened,
an integrity check (`python -m journey check`) and a consistent backup (`... backup`).

DuckDB's own errors name byte offsets and checksums; a CX analyst needs to know whether the
file is damaged (restore a backup or re-import), held by another program (which one), or not a
Parcours store at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

DAMAGED_SIGNS = (
    "could not read enough bytes",
    "corrupt database file",
    "checksum",
    "invalid block",
    "failed to read",
)
SAMPLE_CUSTOMERS = 200  # customers whose derived rows `check` recomputes and compares


def _holder(message: str) -> dict[str, Any]:
    """What holds DuckDB's lock, from 'Conflicting lock is held in EXE (PID n)': the code of the
    matching message and its params."""
    match = re.search(r"PID (\d+)", message)
    if not match:
        return {"code": "locked"}
    pid = int(match.group(1))
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return {"code": "locked_other", "program": "?", "pid": pid}
    words = [w.decode(errors="replace") for w in raw.split(b"\0") if w]
    if any("streamlit" in w for w in words):
        return {"code": "locked_app", "pid": pid}
    if "journey" in words:
        command = " ".join(
            w for w in words[words.index("journey") + 1:][:2] if not w.startswith(("-", "/"))
        )
        return {"code": "locked_cli", "command": command, "pid": pid}
    return {"code": "locked_other", "program": Path(words[0]).name if words else "?", "pid": pid}


def classify(path: Path, exc: BaseException) -> dict[str, Any]:
    """What is wrong with the store file `path`, as a StoreError's code and params."""
    text = str(exc)
    low = text.lower()
    if "conflicting lock" in low or "could not set lock" in low:
        return {**_holder(text), "path": str(path)}
    if "not a valid duckdb database" in low:
        return {"code": "not_a_store", "path": str(path), "error": _short(text)}
    if is_damage(exc):
        return {"code": "damaged", "path": str(path), "error": _short(text)}
    return {"code": "unreadable", "path": str(path), "error": _short(text)}


def _short(text: str) -> str:
    first = text.strip().splitlines()[0] if text.strip() else text
    return first[:200]


def is_damage(exc: BaseException) -> bool:
    """Is this DuckDB error a sign of a damaged file (not a lock, a bug or bad SQL)?"""
    return isinstance(exc, duckdb.Error) and any(s in str(exc).lower() for s in DAMAGED_SIGNS)


@dataclass
class CheckReport:
    """What `check` found: `ok` when nothing is wrong; `problems` in plain words."""

    path: Path
    tables: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    sampled_customers: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_text(self) -> str:
        lines = [f"Store {self.path}: " + ("sound." if self.ok else "PROBLEMS FOUND.")]
        lines += [f"  {name}: {n:,} rows" for name, n in sorted(self.tables.items())]
        if self.sampled_customers:
            lines.append(
                f"  journey tables recomputed for {self.sampled_customers} customers: "
                + ("identical." if not any("derived" in p for p in self.problems) else "differ.")
            )
        lines += [f"- {p}" for p in self.problems]
        return "\n".join(lines)


def check(path: str | Path, *, sample: int = SAMPLE_CUSTOMERS) -> CheckReport:
    """Open the store read-only, read every row of every table, and recompute the journey
    tables of a sample of customers to compare them with the stored ones. Changes nothing."""
    from journey.db import derived

    path = Path(path)
    report = CheckReport(path)
    if not path.exists():
        report.problems.append(f"There is no file {path}.")
        return report
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        from journey.db.store import StoreError  # the store imports this module

        report.problems.append(str(StoreError(**classify(path, exc))))
        return report
    try:
        names = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'main' AND table_type = 'BASE TABLE' ORDER BY table_name"
        ).fetchall()]
        if "meta" not in names or "events" not in names:
            report.problems.append(f"{path} is a DuckDB file but not a Parcours store.")
            return report
        for name in names:
            try:
                # Hashing every column reads every block, so a damaged one shows up here.
                n, _h = con.execute(
                    f'SELECT COUNT(*), SUM(HASH(t)) FROM "{name}" t'
                ).fetchall()[0]
                report.tables[name] = int(n)
            except duckdb.Error as exc:
                what = "is damaged" if is_damage(exc) else "cannot be read"
                report.problems.append(f"Table {name} {what}: {_short(str(exc))}")
        if not report.ok:
            report.problems.append(
                "Restore a backup (`python -m journey backup` makes one) or start a new store "
                "and re-import your files."
            )
        else:
            diffs, n = derived.verify_sample(con, sample)
            report.sampled_customers = n
            report.problems += [
                f"derived table {t} differs from a recomputation for {k} of the sampled "
                "customers: run `python -m journey check --repair`"
                for t, k in diffs
            ]
    finally:
        con.close()
    return report


def backup(con: duckdb.DuckDBPyConnection, out: str | Path) -> Path:
    """Copy the store behind `con` into a new DuckDB file `out`, as one consistent snapshot
    (the copy runs in one transaction, so a concurrent import is in it whole or not at all)."""
    out = Path(out)
    if out.exists():
        raise FileExistsError(f"{out} already exists: pick a new file name for the backup.")
    out.parent.mkdir(parents=True, exist_ok=True)
    db = con.execute("SELECT current_database()").fetchone()[0]
    con.execute("ATTACH ? AS parcours_backup", [str(out)])
    try:
        con.execute(f'COPY FROM DATABASE "{db}" TO parcours_backup')
    except BaseException:
        con.execute("DETACH parcours_backup")
        out.unlink(missing_ok=True)
        raise
    con.execute("DETACH parcours_backup")
    return out


def backup_held(path: str | Path, out: str | Path) -> Path:
    """Back up a store another process holds open (the app): DuckDB lets no second process
    open it, so its file and write-ahead log are copied byte for byte under the store's write
    lock (no commit or checkpoint runs meanwhile), then the copy is opened on its own, which
    replays the log into it, and checked to be a Parcours store before it takes the name
    `out`. Where files cannot be locked (Windows) it refuses with a StoreError."""
    import os
    import shutil
    import tempfile

    from journey.db.store import StoreError  # the store imports this module
    from journey.db.write_lock import CAN_LOCK_FILES, writing

    path, out = Path(path), Path(out)
    if not CAN_LOCK_FILES:
        raise StoreError(f"{path} is open in another program: stop it, then back up again.")
    if out.exists():
        raise FileExistsError(f"{out} already exists: pick a new file name for the backup.")
    out.parent.mkdir(parents=True, exist_ok=True)
    # Beside `out`: the finished copy is renamed into place, never seen half-written.
    with tempfile.TemporaryDirectory(prefix="parcours-backup-", dir=out.parent) as work:
        copy = Path(work) / "backup.duckdb"
        with writing(path):
            shutil.copyfile(path, copy)
            wal = path.with_name(path.name + ".wal")
            if wal.exists():
                shutil.copyfile(wal, copy.with_name(copy.name + ".wal"))
        try:
            con = duckdb.connect(str(copy))
        except duckdb.Error as exc:
            raise StoreError(**classify(path, exc)) from exc
        try:
            con.execute("CHECKPOINT")  # the log folded into the file: one file to keep
            con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        except duckdb.Error as exc:
            raise StoreError(**classify(path, exc)) from exc
        finally:
            con.close()
        os.link(copy, out)  # fails rather than overwrite a file made meanwhile
    return out
