"""The hand-written French and English sentiment lexicon: words, idioms, negators, boosters.

One table per language, `lexicons/<lang>.json`, each with the same sections (the shape is
written once, here, and `tests/test_voc.py` checks every table has it):

- `idioms`: multi-word expressions whose meaning is not the sum of their words (mostly because
  a negation flips or cancels it). They are matched on the folded text before words, longest
  first (the scorer sees to it), and their words are then skipped: "pas terrible" is negative
  although "terrible" alone would be scored by negation.
- `words`: words and short phrases scored in a comment of EITHER language (a French comment
  saying "top" or an English one saying "merci" still counts them).
- `own_words`: scored only in a comment of that language, over `words`. "terrible" is used
  both ways in French ("pas terrible" = poor, "c'est terrible" = great in speech, "un accueil
  terrible" = awful) and is negative in English; "sale" (dirty) is not English.
- `stop_words`: the language cue: frequent, short, and not shared by the two languages.
- `negators` flip the polarity of the next few words; `boosters` multiply the next sentiment
  word; after a `contrast` word the clause weighs more ("cher mais très bon accueil");
  `irony_openers` followed by `complaint_cues`: an opening "Great," / "Génial," before a
  complaint counts against. These four apply whatever the comment's language.

Words are stored lower-case and without accents (the scorer folds text the same way), so
"agréable", "agreable" and a till's "AGREABLE" match alike. Values run from -1 (strongly
negative) to +1.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

LANGUAGES = ("fr", "en")
TABLES_DIR = Path(__file__).resolve().parent / "lexicons"
SECTIONS = ("idioms", "words", "own_words", "stop_words", "negators", "boosters", "contrast",
            "irony_openers", "complaint_cues")


def load_table(language: str) -> dict[str, Any]:
    """One language's table, as written in `lexicons/<language>.json`."""
    return json.loads((TABLES_DIR / f"{language}.json").read_text(encoding="utf-8"))


_TABLES = {lang: load_table(lang) for lang in LANGUAGES}


def _merged(section: str) -> dict[str, float]:
    # French first, then English: the order the scorer has always read them in.
    out: dict[str, float] = {}
    for lang in LANGUAGES:
        out.update(_TABLES[lang][section])
    return out


def _union(section: str) -> frozenset[str]:
    return frozenset(w for lang in LANGUAGES for w in _TABLES[lang][section])


IDIOMS = _merged("idioms")
WORDS = _merged("words")
OWN_WORDS: dict[str, dict[str, float]] = {lang: _TABLES[lang]["own_words"] for lang in LANGUAGES}
STOP_WORDS: dict[str, frozenset[str]] = {
    lang: frozenset(_TABLES[lang]["stop_words"]) for lang in LANGUAGES}
NEGATORS = _union("negators")
BOOSTERS = _merged("boosters")
CONTRAST = _union("contrast")
IRONY_OPENERS = _union("irony_openers")
COMPLAINT_CUES = _union("complaint_cues")

# "ne ... pas" also appears as "n'est pas": the folded text turns n't / n' into separate
# tokens "n t" / "n", so "t" after "n" (don't) marks an English negation.
EN_NT = "t"
