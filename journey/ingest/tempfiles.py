"""Temporary files of imports: where they go, and sweeping what a crash left behind.

Every import, preview, upload and backup works in the system temp folder under a `parcours-`
prefix and removes its files on every exit path it controls. A process killed mid-import
(kill -9, a power cut) cannot, and an uploaded customer file is personal data: so the app and
the CLI sweep such leftovers older than a day when they start.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

PREFIX = "parcours-"
STALE_AFTER_S = 24 * 3600  # a day: no live import takes that long, and a live one is younger


def sweep_stale(folder: str | Path | None = None, *, older_than_s: float = STALE_AFTER_S,
                now: float | None = None) -> int:
    """Remove `parcours-*` files and folders in the temp folder last changed before
    `older_than_s` seconds ago; returns how many were removed. Never raises."""
    base = Path(folder or tempfile.gettempdir())
    cutoff = (time.time() if now is None else now) - older_than_s
    removed = 0
    try:
        entries = list(base.glob(PREFIX + "*"))
    except OSError:
        return 0
    for entry in entries:
        try:
            if entry.is_symlink() or entry.lstat().st_mtime >= cutoff:
                continue  # a link is not ours to follow; a recent entry may be in use
            if entry.is_dir():
                shutil.rmtree(entry)
            else:
                entry.unlink()
            removed += 1
        except OSError:
            continue  # another user's file, or already gone
    return removed
