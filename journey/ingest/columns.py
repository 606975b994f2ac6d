"""What a column holds, read from its values (the first rows of the file): pure Python.

Names alone mislead on real exports: R writes `NA`, a 1–10 "satisfaction" is not a CSAT,
a multiple-choice answer coded 2 is not an NPS, "Agree" repeated is not a verbatim, and a
sparse `user_id` is not the customer column. These helpers give the evidence the mapping
rules in `formats` weigh.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

# Spellings of "no value" in exports (R, pandas, Excel, SQL dumps) and typed by people
# ('na', 'n/a' in a comment box). DuckDB's nullstr is case-sensitive and costs per listed
# value on every field, so the casings people actually write are listed, not all of them.
MISSING_VALUES = (
    "", "-", "NA", "na", "Na", "N/A", "n/a", "N/a", "NULL", "null", "Null", "NaN", "nan", "NAN",
    "#N/A",
)
_MISSING = set(MISSING_VALUES)

# A score as survey tools write it: '9', '9.0', '10 - Extremely likely', '4 - Very impressive'.
_WHOLE = re.compile(r"^([0-9]+)(?:[.,]0+)?(?:\s*[-–:].*)?$")
_LETTER = re.compile(r"[^\W\d_]")
_DATE = re.compile(
    r"^(?:\d{4}-\d{1,2}-\d{1,2}|\d{1,2}/\d{1,2}/\d{2,4}|\d{4}/\d{1,2}/\d{1,2}|"
    r"\d{1,2}\.\d{1,2}\.\d{4}|\d{1,2}-\d{1,2}-\d{4})(?:[ T]\d{1,2}:\d{2}.*)?$"
)
_OFFSET = re.compile(r"\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:[+-]\d{2}:?\d{2}|Z|UTC)$")


def is_missing(value: str | None) -> bool:
    return value is None or value.strip() in _MISSING


def present(values: Sequence[str]) -> list[str]:
    """The values that are there, stripped."""
    return [v.strip() for v in values if not is_missing(v)]


def fill_rate(values: Sequence[str]) -> float:
    return len(present(values)) / len(values) if values else 0.0


def whole_number(value: str) -> int | None:
    match = _WHOLE.match(value.strip())
    return int(match.group(1)) if match else None


def scale(values: Sequence[str], low: int, high: int) -> tuple[float, int | None, int | None]:
    """(share of present values that are whole numbers in low..high, min, max of the whole
    numbers found). A column with no values gives share 1.0: nothing contradicts it."""
    vals = present(values)
    if not vals:
        return 1.0, None, None
    ints = [n for n in (whole_number(v) for v in vals) if n is not None]
    inside = sum(1 for n in ints if low <= n <= high)
    return inside / len(vals), (min(ints) if ints else None), (max(ints) if ints else None)


def closed_answers(values: Sequence[str]) -> tuple[int, int] | None:
    """(distinct answers, answers) when the column repeats answers from a short list (a
    closed question: 'Agree', 'Yes', 'I pay attention'); None when it does not."""
    vals = [re.sub(r"\W+", " ", v).strip().lower() for v in present(values)]
    if len(vals) < 5:
        return None
    distinct = len(Counter(vals))
    return (distinct, len(vals)) if distinct <= len(vals) / 2 else None


def free_text(values: Sequence[str]) -> bool | None:
    """True when the column reads like free text (letters, words, varied); None if empty."""
    vals = present(values)
    if not vals:
        return None
    with_letters = sum(1 for v in vals if _LETTER.search(v))
    if with_letters < 0.8 * len(vals):
        return False  # codes, numbers, dates
    if closed_answers(values):
        return False
    wordy = sum(1 for v in vals if re.search(r"\s", v))
    return wordy >= 0.5 * len(vals)


def dates_share(values: Sequence[str]) -> float:
    """Share of present values shaped like a date or date-time (not bare numbers)."""
    vals = present(values)
    if not vals:
        return 0.0
    return sum(1 for v in vals if _DATE.match(v)) / len(vals)


def offset_example(values: Sequence[str]) -> str | None:
    """A value that carries a UTC offset ('+01:00', 'Z', ' UTC'), if any."""
    for v in present(values):
        if _DATE.match(v) and _OFFSET.search(v):
            return v
    return None


def has_letters(values: Sequence[str]) -> bool:
    """Most present values contain a letter (True for an empty column)."""
    vals = present(values)
    return not vals or sum(1 for v in vals if _LETTER.search(v)) >= 0.8 * len(vals)
