"""One lock between the processes that write a store file and those that copy it.

DuckDB lets one process open a file for writing and then refuses every other process, even
read-only: so `python -m journey backup` cannot open a store the app holds. It can still
read the file's bytes, and a copy of the file and its write-ahead log is a consistent store
as long as no commit or checkpoint runs while it is taken. Every write of a `Store` (a
transaction, with the commit and any checkpoint it triggers, migrations, the checkpoint on
close) holds this lock, and the copy holds it too: the app's writes wait for the copy (see
scripts/bench_backup.py for how long), its reads go on.

The lock is an advisory `flock` on a small file beside the store (`<store>.parcours-lock`),
re-entrant within a process; where `fcntl` does not exist (Windows) it only serialises the
threads of this process, and a backup of a store held by another process is refused.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

CAN_LOCK_FILES = fcntl is not None


def lock_path(db_path: str | os.PathLike[str]) -> Path:
    """The lock file of a store file."""
    path = Path(db_path)
    return path.with_name(path.name + ".parcours-lock")


class _PathLock:
    """This process's hold on one store's lock: threads queue on `rlock`, the file lock is
    taken by the outermost holder and released when it leaves."""

    def __init__(self) -> None:
        self.rlock = threading.RLock()
        self.depth = 0
        self.fd: int | None = None


_GUARD = threading.Lock()
_HELD: dict[str, _PathLock] = {}


@contextmanager
def writing(db_path: str | os.PathLike[str]) -> Iterator[None]:
    """Hold the store's write lock for the block (waits for another process's copy or write)."""
    key = str(Path(db_path).resolve())
    with _GUARD:
        held = _HELD.setdefault(key, _PathLock())
    with held.rlock:
        if held.depth == 0 and CAN_LOCK_FILES:
            fd = os.open(lock_path(db_path), os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
            except BaseException:
                os.close(fd)
                raise
            held.fd = fd
        held.depth += 1
        try:
            yield
        finally:
            held.depth -= 1
            if held.depth == 0 and held.fd is not None:
                fcntl.flock(held.fd, fcntl.LOCK_UN)
                os.close(held.fd)
                held.fd = None
