"""The revisit area's catalogue (journey/i18n/locales/*/revisit.json): both languages, the
same placeholders, French typography, and every key used by the code."""

from __future__ import annotations

import json
import re

import pytest
from test_i18n import _FR_BAD, DYNAMIC_FAMILIES, _strings_in_code

from journey import i18n

AREA = "revisit.json"


def _load(lang: str) -> dict[str, str]:
    return json.loads((i18n.LOCALES_DIR / lang / AREA).read_text(encoding="utf-8"))


def test_both_languages_have_the_same_keys_and_placeholders() -> None:
    en, fr = _load("en"), _load("fr")
    assert en.keys() == fr.keys()
    for key in en:
        assert i18n.placeholders(en[key]) == i18n.placeholders(fr[key]), key
        assert en[key].strip() and fr[key].strip(), key


def test_french_punctuation_has_its_narrow_no_break_space() -> None:
    bad = [(key, rule, text) for key, text in _load("fr").items() for rule, pattern in _FR_BAD
           if re.search(pattern, re.sub(r"\{[^}]*\}", "", text))]
    assert bad == []


@pytest.mark.parametrize("word", ["phase", "Phase"])
def test_a_stage_is_an_etape(word: str) -> None:
    assert not [k for k, v in _load("fr").items() if word in v]


def test_every_key_is_used() -> None:
    literals, _prefixes = _strings_in_code()
    unused = [k for k in _load("en") if k not in literals
              and not any(k.startswith(f) for f in DYNAMIC_FAMILIES)]
    assert unused == []
