"""English and French for everything the app says: a key catalogue and number formats.

No streamlit here. The catalogue lives in `journey/i18n/locales/<lang>/*.json`; a key missing in
French falls back to English, then to the key itself, so a page never crashes on a label.
"""

from __future__ import annotations

import json
import math
import re
import string
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

from journey.i18n.markdown import md_escape

__all__ = ["md_escape"]  # re-exported: the one escape for user text shown through Markdown

LANGS = ("en", "fr")
DEFAULT_LANG = "en"
LOCALES_DIR = Path(__file__).resolve().parent / "locales"

NNBSP = "\u202f"  # narrow no-break space: French thousands separator and before "%"
DASH = "–"  # shown for a missing number or date

_MONTHS = {
    "en": ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
    "fr": ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.",
           "nov.", "déc."],
}
_MONTHS_LONG = {
    "en": ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"],
    "fr": ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
           "octobre", "novembre", "décembre"],
}


@cache
def catalogue(lang: str) -> dict[str, str]:
    """The messages of one language (empty for an unknown one).

    A language is a folder of JSON files (`app.json`, `ingest.json`, ...), one per area of the
    product, merged into one catalogue; a key defined twice is a mistake and raises.
    """
    folder = LOCALES_DIR / lang
    if lang not in LANGS or not folder.is_dir():
        return {}
    merged: dict[str, str] = {}
    for path in sorted(folder.glob("*.json")):
        part = json.loads(path.read_text(encoding="utf-8"))
        twice = merged.keys() & part.keys()
        if twice:
            raise ValueError(f"{path.name} repeats keys of another {lang} file: {sorted(twice)}")
        merged.update(part)
    return merged


def _norm(lang: str | None) -> str:
    return lang if lang in LANGS else DEFAULT_LANG


class _KeepMissing(dict):
    # A placeholder the caller forgot stays visible as "{name}" instead of raising.
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def t(key: str, lang: str | None = DEFAULT_LANG, **kwargs: Any) -> str:
    """The message `key` in `lang`, with `{placeholders}` filled from kwargs.

    Falls back to English, then to the key itself; never raises. Format numbers with
    fmt_* first: t() inserts values as they are.
    """
    text = catalogue(_norm(lang)).get(key)
    if text is None:
        text = catalogue(DEFAULT_LANG).get(key, key)
    if not kwargs:
        return text
    try:
        return string.Formatter().vformat(text, (), _KeepMissing(kwargs))
    except (ValueError, IndexError, KeyError, AttributeError, TypeError):
        return text  # a malformed template (stray brace) is shown as is


def colon(lang: str | None = DEFAULT_LANG) -> str:
    """":" as the language sets it after a label: "Stage: Purchase", "Étape : Achat" (a
    narrow no-break space before it in French)."""
    return NNBSP + ":" if _norm(lang) == "fr" else ":"


def labelled(label: str, value: str, lang: str | None = DEFAULT_LANG) -> str:
    """'Stage: Purchase' (en) or 'Étape : Achat' (fr), for lines built in code."""
    return f"{label}{colon(lang)} {value}"


def placeholders(text: str) -> set[str]:
    """The `{names}` a template uses (for checking translations)."""
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError:
        return set()


def stage_label(stage_key: str, lang: str | None = DEFAULT_LANG,
                stages_df: pd.DataFrame | None = None) -> str:
    """A stage's label: the stages table's label_en/label_fr first (stages are data, the team
    may have renamed them), then the catalogue, then the key with a capital."""
    lang = _norm(lang)
    if stages_df is not None and len(stages_df) and "stage" in stages_df:
        rows = stages_df[stages_df["stage"] == stage_key]
        for col in (f"label_{lang}", f"label_{DEFAULT_LANG}"):
            if len(rows) and col in rows:
                value = rows[col].iloc[0]
                if isinstance(value, str) and value.strip():
                    return value
    key = f"stage.{stage_key}"
    text = t(key, lang)
    if text != key:
        return text
    return stage_key[:1].upper() + stage_key[1:] if stage_key else stage_key


# -- numbers and dates ---------------------------------------------------------------
def _missing(x: Any) -> bool:
    if x is None or x is pd.NA or x is pd.NaT:
        return True
    try:
        return math.isnan(x)
    except TypeError:
        return False


def _group(text: str, lang: str) -> str:
    """'-12,345.6' (Python's format) -> the language's separators."""
    if lang == "fr":
        return text.replace(",", NNBSP).replace(".", ",")
    return text


def fmt_int(n: Any, lang: str | None = DEFAULT_LANG) -> str:
    """12345 -> '12,345' (en) or '12 345' with a narrow no-break space (fr)."""
    if _missing(n):
        return DASH
    return _group(f"{round(float(n)):,d}", _norm(lang))


def fmt_num(x: Any, lang: str | None = DEFAULT_LANG, digits: int = 1) -> str:
    """1234.56 -> '1,234.6' (en) or '1 234,6' (fr)."""
    if _missing(x):
        return DASH
    text = f"{float(x):,.{digits}f}"
    if text.startswith("-") and float(text.replace(",", "")) == 0:
        text = text[1:]  # no "-0.0"
    return _group(text, _norm(lang))


def fmt_pct(x: Any, lang: str | None = DEFAULT_LANG, digits: int = 1) -> str:
    """A fraction as a percentage: 0.125 -> '12.5%' (en) or '12,5 %' (fr)."""
    if _missing(x):
        return DASH
    lang = _norm(lang)
    number = fmt_num(float(x) * 100, lang, digits)
    return f"{number}{NNBSP}%" if lang == "fr" else f"{number}%"


def fmt_signed(x: Any, lang: str | None = DEFAULT_LANG, digits: int = 0) -> str:
    """A score read as a sign first (NPS): '+12', '−5' with a real minus sign, like the
    charts' axes; '0' has no sign."""
    if _missing(x):
        return DASH
    value = round(float(x), digits)
    text = fmt_num(abs(value), lang, digits)
    if value > 0:
        return "+" + text
    if value < 0:
        return "\u2212" + text
    return text


def _timestamp(d: Any) -> pd.Timestamp | str:
    """`d` as a Timestamp, or the text to show instead (a dash when missing, the value as it
    is when it is not a date)."""
    if _missing(d):
        return DASH
    try:
        ts = pd.Timestamp(d)
    except (ValueError, TypeError):
        return str(d)
    return DASH if ts is pd.NaT else ts


def fmt_date(d: Any, lang: str | None = DEFAULT_LANG) -> str:
    """A date: 'Jan 5, 2026' (en) or '5 janv. 2026' (fr). Accepts date, datetime,
    pandas Timestamp, numpy datetime64 or an ISO string."""
    ts = _timestamp(d)
    if not isinstance(ts, pd.Timestamp):
        return ts
    lang = _norm(lang)
    month = _MONTHS[lang][ts.month - 1]
    if lang == "fr":
        day = "1er" if ts.day == 1 else str(ts.day)
        return f"{day} {month} {ts.year}"
    return f"{month} {ts.day}, {ts.year}"


def fmt_month(d: Any, lang: str | None = DEFAULT_LANG) -> str:
    """A month: 'January 2026' (en) or 'janvier 2026' (fr). Accepts what fmt_date does,
    including 'YYYY-MM'."""
    ts = _timestamp(d)
    if not isinstance(ts, pd.Timestamp):
        return ts
    return f"{_MONTHS_LONG[_norm(lang)][ts.month - 1]} {ts.year}"


def fmt_date_range(start: Any, end: Any, lang: str | None = DEFAULT_LANG) -> str:
    """'Jan 1, 2026 – Jun 30, 2026'."""
    return f"{fmt_date(start, lang)} – {fmt_date(end, lang)}"


# -- picking a language ----------------------------------------------------------------
_TAG = re.compile(r"^\s*([A-Za-z]{1,8})(?:[-_][A-Za-z0-9]{1,8})*\s*$")


def lang_from_locale(accept_language_or_locale: str | None) -> str:
    """'fr-FR,fr;q=0.9,en;q=0.8' or 'fr_FR.UTF-8' -> 'fr'; anything unknown -> 'en'.

    Takes the supported language with the highest q weight; ties go to the earlier one.
    """
    if not accept_language_or_locale:
        return DEFAULT_LANG
    best: tuple[float, int, str] | None = None
    for pos, part in enumerate(accept_language_or_locale.split(",")):
        tag, _, params = part.partition(";")
        tag = tag.split(".")[0].split("@")[0]  # POSIX locale: fr_FR.UTF-8@euro
        match = _TAG.match(tag)
        if not match:
            continue
        lang = match.group(1).lower()
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if lang in LANGS and q > 0 and (best is None or (-q, pos) < (-best[0], best[1])):
            best = (q, pos, lang)
    return best[2] if best else DEFAULT_LANG

