"""File names of downloads: every export's name is built here, bounded and safe on any system.

A persona name is user data of any length and script: 5,000 characters gave a map export no
system could save (most cap a name at 255 bytes), and `:`, `/`, `?` or `"` are refused by
Windows or macOS. Names here are ASCII letters, digits, `-` and `_`, at most 100 characters
with the extension; accents are kept as their base letter ("Parent pressé" -> "Parent-presse").
A part that had to be cut, or that had no letter left, gets a short hash of the original, so
two long personas still get two names.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

MAX_CHARS = 100
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")
_DASHES = re.compile(r"-{2,}")
# Names Windows keeps for devices, whatever the extension.
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)),
             *(f"LPT{i}" for i in range(10))}
_HASH = 8


def _clean(part: str) -> str:
    text = unicodedata.normalize("NFKD", str(part))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return _DASHES.sub("-", _UNSAFE.sub("-", text)).strip("-_")


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:_HASH]


def safe_stem(*parts: object, limit: int = MAX_CHARS) -> str:
    """`parts` joined by '-' as a file name without extension, at most `limit` characters."""
    raw = [str(p) for p in parts if p is not None and str(p) != ""]
    cleaned = []
    for part in raw:
        kept = _clean(part)
        # Nothing left (a name in another script, or only symbols): a hash keeps it apart.
        cleaned.append(kept if kept else _digest(part))
    stem = "-".join(cleaned) or "parcours"
    if len(stem) > limit:
        # Cut the longest part (the persona, never the "journey-map" prefix nor the language).
        i = max(range(len(cleaned)), key=lambda k: len(cleaned[k]))
        excess = len(stem) - limit + _HASH + 1
        head = cleaned[i][: max(1, len(cleaned[i]) - excess)].rstrip("-_")
        cleaned[i] = f"{head}-{_digest(raw[i])}"
        stem = "-".join(cleaned)[:limit].rstrip("-_")
    if stem.split("-")[0].upper() in _RESERVED:
        stem = f"parcours-{stem}"[:limit]
    return stem


def download_name(*parts: object, ext: str, limit: int = MAX_CHARS) -> str:
    """'journey-map-Busy-parent-en.png' from ('journey-map', 'Busy parent', 'en', ext='png'):
    at most `limit` characters in all."""
    ext = _clean(ext) or "bin"
    return f"{safe_stem(*parts, limit=limit - len(ext) - 1)}.{ext}"
