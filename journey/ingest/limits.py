"""What one import may grow to, and how long work is interrupted: limits and checkpoints.

A small file can expand to a huge one (a gzip of repeated lines, an .xlsx whose sheet XML
is a thousand times its size, one 400 MB cell): every limit here is checked while the file
is streamed, before the whole of it is read or expanded, so such a file is refused in
seconds with the name of the limit and how to get under it. The defaults fit every real
export we know of; each can be raised with an environment variable (the app and the CLI)
or a command-line flag.

`Checkpoint` is called between chunks of long work: it reports progress (at most a few
times a second) and asks the caller's `cancel` whether to stop; stopping raises `Cancelled`,
which the importer turns into a plain "cancelled" report with the store unchanged.
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

MB = 1024 * 1024  # Streamlit's megabyte (server.maxUploadSize, file_uploader's max_upload_size)

ProgressFn = Callable[[float, str], None]
CancelFn = Callable[[], bool]


class LimitError(ValueError):
    """A limit given in the environment or on the command line is not a whole number > 0."""


@dataclass(frozen=True)
class Limits:
    """How big a file may get once read. Sizes in MB (of 1,048,576 bytes)."""

    max_mb: int = 1024  # a text file's bytes once decompressed (= the app's upload limit)
    max_excel_mb: int = 200  # XML an .xlsx expands to (its sheet and shared strings)
    max_rows: int = 20_000_000
    max_columns: int = 2_000
    max_cell: int = 100_000  # characters in one cell (Excel itself stops at 32,767)
    max_line_mb: int = 16  # one record of a CSV (quoted line breaks included)

    @property
    def max_bytes(self) -> int:
        return self.max_mb * MB

    @property
    def max_excel_bytes(self) -> int:
        return self.max_excel_mb * MB

    @property
    def max_line(self) -> int:
        return self.max_line_mb * MB

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Limits:
        """The defaults, overridden by PARCOURS_MAX_* variables; LimitError on a bad value."""
        env = os.environ if environ is None else environ
        values = {}
        for name, var in ENV.items():
            raw = env.get(var, "").strip()
            if raw:
                values[name] = parse_value(raw, var)
        return cls(**values)

    def replace(self, **values: int | None) -> Limits:
        """These limits with the values given (None keeps the current one)."""
        return dataclasses.replace(self, **{k: v for k, v in values.items() if v is not None})


# Each limit's environment variable and command-line flag (`python -m journey import`).
ENV = {
    "max_mb": "PARCOURS_MAX_MB",
    "max_excel_mb": "PARCOURS_MAX_EXCEL_MB",
    "max_rows": "PARCOURS_MAX_ROWS",
    "max_columns": "PARCOURS_MAX_COLUMNS",
    "max_cell": "PARCOURS_MAX_CELL",
    "max_line_mb": "PARCOURS_MAX_LINE_MB",
}
FLAGS = {name: "--" + name.replace("_", "-") for name in ENV}


def parse_value(raw: str, where: str) -> int:
    """A limit as typed: digits, with optional _ or , separators; LimitError otherwise."""
    text = raw.strip().replace("_", "").replace(",", "")
    if not text.isdigit() or int(text) < 1:
        raise LimitError(f"{where}={raw!r}: a limit is a whole number greater than 0.")
    return int(text)


class Cancelled(Exception):  # noqa: N818 - the word the report uses
    """The user cancelled the import; nothing was written."""


class Checkpoint:
    """Called between chunks of long work: progress at most every `every` seconds, and the
    caller's `cancel` asked each time (raises Cancelled)."""

    def __init__(self, progress: ProgressFn | None = None, cancel: CancelFn | None = None,
                 every: float = 0.25) -> None:
        self.progress = progress
        self.cancel = cancel
        self.every = every
        self.fraction, self.message = 0.0, ""
        self._last = time.monotonic()

    def step(self, fraction: float, message: str) -> None:
        """A new stage of the work: reported at once."""
        self.fraction, self.message = fraction, message
        if self.progress:
            self.progress(fraction, message)
        self._last = time.monotonic()
        self._check()  # after the report, so a cancel shows the step it stopped

    def __call__(self) -> None:
        self._check()
        now = time.monotonic()
        if self.progress and now - self._last >= self.every:
            # Reporting is also where the app hands control back to Streamlit, so a click
            # on Cancel (or Streamlit's Stop) takes effect here.
            self.progress(self.fraction, self.message)
            self._last = now

    def _check(self) -> None:
        if self.cancel is not None and self.cancel():
            raise Cancelled()


def no_checkpoint() -> None:
    """The checkpoint of work nobody can cancel (previews, tests)."""
