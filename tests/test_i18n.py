"""The translation layer: catalogue parity, fallbacks, French number and date formats."""

from __future__ import annotations

import ast
import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest

from journey import i18n
from journey.i18n import (
    LANGS,
    fmt_date,
    fmt_int,
    fmt_num,
    fmt_pct,
    lang_from_locale,
    stage_label,
    t,
)

NNBSP = "\u202f"


def _load(lang: str) -> dict[str, str]:
    merged: dict[str, str] = {}
    for path in sorted((i18n.LOCALES_DIR / lang).glob("*.json")):
        merged.update(json.loads(path.read_text(encoding="utf-8")))
    return merged


def test_every_area_has_both_languages() -> None:
    en = sorted(p.name for p in (i18n.LOCALES_DIR / "en").glob("*.json"))
    fr = sorted(p.name for p in (i18n.LOCALES_DIR / "fr").glob("*.json"))
    assert en == fr and "app.json" in en


def test_a_key_defined_in_two_files_is_refused(tmp_path, monkeypatch) -> None:
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "a.json").write_text('{"k": "one"}', encoding="utf-8")
    (tmp_path / "en" / "b.json").write_text('{"k": "two"}', encoding="utf-8")
    monkeypatch.setattr(i18n, "LOCALES_DIR", tmp_path)
    i18n.catalogue.cache_clear()
    try:
        with pytest.raises(ValueError, match="repeats keys"):
            i18n.catalogue("en")
    finally:
        i18n.catalogue.cache_clear()


# -- the catalogue ---------------------------------------------------------------------
def test_catalogues_have_the_same_keys() -> None:
    en, fr = _load("en"), _load("fr")
    assert sorted(en) == sorted(fr), set(en) ^ set(fr)
    assert len(en) >= 60


@pytest.mark.parametrize("key", sorted(_load("en")))
def test_same_placeholders_in_every_language(key: str) -> None:
    expected = i18n.placeholders(_load("en")[key])
    for lang in LANGS:
        assert i18n.placeholders(_load(lang)[key]) == expected, (lang, key)


def test_every_message_is_non_empty_text() -> None:
    for lang in LANGS:
        for key, text in _load(lang).items():
            assert isinstance(text, str) and text.strip(), (lang, key)


# The design card's seed vocabulary: asserted below, kept although no page uses them yet.
SEEDED = {
    "empty.no_data", "empty.no_match", "flow.other", "flow.drop_off", "flow.step",
    "nps.promoters", "nps.passives", "nps.detractors", "filter.dates", "filter.converted",
    "filter.dropped_off", "banner.demo", "stat.margin", "stat.n", "stat.small_sample",
    "caption.filters",
}


def test_dashboard_keys_are_seeded() -> None:
    assert t("app.title", "fr") == "Parcours"
    assert t("page.overview", "fr") == "Vue d'ensemble"
    assert t("page.flows", "fr") == "Flux"
    assert t("page.network", "fr") == "Réseau des points de contact"
    assert t("page.nps", "en") == "NPS & voice of customer"
    assert t("page.nps", "fr") == "NPS & voix du client"
    assert t("page.journey_map", "fr") == "Carte du parcours"
    assert t("page.data", "fr") == "Données"
    assert t("empty.no_data", "en") == "No data yet — import files on the Data page"
    assert t("empty.no_match", "en") == "Nothing matches these filters"
    assert t("flow.other", "fr") == "Autre"
    assert t("nps.detractors", "fr") == "Détracteurs"
    for key in ("filter.persona", "filter.stages", "filter.channels", "filter.devices",
                "filter.dates", "filter.conditions", "filter.converted", "filter.dropped_off",
                "filter.includes_touchpoint", "filter.reset", "tile.customers",
                "tile.journeys", "tile.conversion_rate", "tile.nps", "tile.responses",
                "tile.date_range", "banner.demo", "flow.drop_off", "nps.promoters",
                "nps.passives", "stat.margin", "stat.n", "stat.small_sample",
                "caption.filters"):
        assert t(key, "en") != key and t(key, "fr") != key, key


# -- every key is used -------------------------------------------------------------------
ROOT = i18n.LOCALES_DIR.parents[2]
CODE = sorted([*(ROOT / "journey").rglob("*.py"), *(ROOT / "ui").glob("*.py"),
               *(ROOT / "views").glob("*.py"), ROOT / "app.py"])
# Keys the code builds at run time from a value: `t(f"stage.{key}")`. Each family must still be
# built somewhere (checked below), so this list cannot outlive the code that needs it.
DYNAMIC_FAMILIES = {
    "stage.": "stage labels by stage key (i18n.stage_label)",
    "lang.": "each language's own name in the language picker",
    "shell.outcome.": "the sidebar's journey outcomes",
    "shell.caption.": "one caption part per filter (ui/captions.py)",
    "charts.by.": "grouping names (NPS page, chart axes)",
    "charts.group.": "promoters / passives / detractors",
    "charts.metric.": "NPS / CSAT / CES titles",
    "nps_page.group.": "score groups of the verbatim filter",
    "flows.level.": "touchpoint / stage level",
    "flows.gap.": "session gap choices",
    "flows.chart_title.": "the Sankey's title per level",
    "map.lane.": "journey-map lane names",
    "data.kind.": "file kinds (import)",
    "data.target.": "target fields of the mapping editor",
    "store.": "store errors by StoreError.code, and their hints",
    "rules_ui.kind.": "a rule's match kind (ui/rules_editor.py)",
    "rules_ui.action.": "a rule's action",
    "rules_ui.online.": "online / offline values of a rule",
    "rules_ui.set.": "ready-made rule sets by name",
}


def _strings_in_code() -> tuple[set[str], set[str]]:
    """(string constants, prefixes of f-strings that start with a constant)."""
    literals: set[str] = set()
    prefixes: set[str] = set()
    for path in CODE:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                literals.add(node.value)
            elif isinstance(node, ast.JoinedStr) and node.values and isinstance(
                    node.values[0], ast.Constant):
                prefixes.add(str(node.values[0].value))
    return literals, prefixes


@pytest.mark.parametrize("area", ["app.json", "store.json", "rules_ui.json"])
def test_every_key_is_used(area: str) -> None:
    literals, prefixes = _strings_in_code()
    keys = json.loads((i18n.LOCALES_DIR / "en" / area).read_text(encoding="utf-8"))
    unused = [k for k in keys if k not in literals and k not in SEEDED
              and not any(k.startswith(f) for f in DYNAMIC_FAMILIES)]
    assert unused == []


def test_every_dynamic_family_is_built_in_the_code() -> None:
    _literals, prefixes = _strings_in_code()
    built = {f for f in DYNAMIC_FAMILIES if any(p.startswith(f) for p in prefixes)}
    assert built == set(DYNAMIC_FAMILIES)


# -- t() ---------------------------------------------------------------------------------
def test_placeholders_are_filled() -> None:
    assert t("stat.small_sample", "en", n=12) == "Small sample (n = 12): read with care"
    assert t("stat.small_sample", "fr", n=12) == (
        "Petit échantillon (n = 12)\u202f: à interpréter avec prudence"
    )
    # Étape is a stage; a step of a journey is a "pas" (README, Vocabulary).
    assert t("flow.step", "fr", step=3) == "Pas 3"


def test_missing_key_falls_back_to_english_then_to_the_key(monkeypatch) -> None:
    en = dict(i18n.catalogue("en"), **{"only.english": "Only in {where}"})
    fr = dict(i18n.catalogue("fr"))
    monkeypatch.setattr(i18n, "catalogue", lambda lang: {"en": en, "fr": fr}.get(lang, {}))
    assert t("only.english", "fr", where="English") == "Only in English"
    assert t("no.such.key", "fr") == "no.such.key"
    assert t("no.such.key", "en", n=3) == "no.such.key"


def test_unknown_language_means_english() -> None:
    assert t("page.flows", "de") == "Flows"
    assert t("page.flows", None) == "Flows"


def test_formatting_never_raises() -> None:
    # A placeholder the caller did not pass stays visible; extra arguments are ignored.
    assert t("stat.n_value", "en") == "n = {n}"
    assert t("stat.n_value", "en", other=1) == "n = {n}"
    assert t("stat.n_value", "en", n=5, extra="x") == "n = 5"


def test_malformed_template_is_returned_as_is(monkeypatch) -> None:
    broken = {"bad": "50 {% of {n"}
    monkeypatch.setattr(i18n, "catalogue", lambda lang: broken)
    assert t("bad", "en", n=1) == "50 {% of {n"


# -- stage labels ----------------------------------------------------------------------
def test_stage_label_from_catalogue() -> None:
    assert stage_label("awareness", "fr") == "Sensibilisation"
    assert stage_label("advocacy", "en") == "Advocacy"


def test_stage_label_prefers_the_stages_table() -> None:
    stages = pd.DataFrame({
        "stage": ["awareness", "onboarding"],
        "position": [1, 2],
        "label_en": ["Discover", "Onboarding"],
        "label_fr": ["Découverte", None],
    })
    assert stage_label("awareness", "fr", stages) == "Découverte"
    assert stage_label("awareness", "en", stages) == "Discover"
    assert stage_label("onboarding", "fr", stages) == "Onboarding"  # no French label: English
    assert stage_label("purchase", "fr", stages) == "Achat"  # not in the table: catalogue
    assert stage_label("after_sales", "fr", stages) == "After_sales"  # unknown: the key


# -- numbers -----------------------------------------------------------------------------
def test_fmt_int() -> None:
    assert fmt_int(12345, "en") == "12,345"
    assert fmt_int(12345, "fr") == f"12{NNBSP}345"
    assert fmt_int(1234567, "fr") == f"1{NNBSP}234{NNBSP}567"
    assert fmt_int(999, "fr") == "999"
    assert fmt_int(-4200, "fr") == f"-4{NNBSP}200"
    assert fmt_int(np.int64(10_000_000), "en") == "10,000,000"
    assert fmt_int(None, "en") == "–"


def test_fmt_pct_takes_a_fraction() -> None:
    assert fmt_pct(0.125, "en") == "12.5%"
    assert fmt_pct(0.125, "fr") == f"12,5{NNBSP}%"
    assert fmt_pct(0.5, "fr", digits=0) == f"50{NNBSP}%"
    assert fmt_pct(12.3456, "fr", digits=2) == f"1{NNBSP}234,56{NNBSP}%"
    assert fmt_pct(float("nan"), "fr") == "–"


def test_fmt_num() -> None:
    assert fmt_num(1234.56, "en") == "1,234.6"
    assert fmt_num(1234.56, "fr") == f"1{NNBSP}234,6"
    assert fmt_num(-3.14159, "fr", digits=2) == "-3,14"
    assert fmt_num(-0.01, "en") == "0.0"
    assert fmt_num(42, "fr", digits=0) == "42"
    assert fmt_num(pd.NA, "fr") == "–"


def test_fmt_signed_reads_as_a_sign() -> None:
    assert i18n.fmt_signed(12.4, "en") == "+12"
    assert i18n.fmt_signed(-5, "fr") == "\u22125"
    assert i18n.fmt_signed(-0.4, "en") == "0"
    assert i18n.fmt_signed(1234.56, "fr", 1) == f"+1{NNBSP}234,6"
    assert i18n.fmt_signed(None, "en") == "–"


# -- dates -------------------------------------------------------------------------------
def test_fmt_date() -> None:
    assert fmt_date(dt.date(2026, 1, 1), "en") == "Jan 1, 2026"
    assert fmt_date(dt.date(2026, 1, 1), "fr") == "1er janv. 2026"
    assert fmt_date(dt.datetime(2026, 8, 15, 10, 30), "fr") == "15 août 2026"
    assert fmt_date(pd.Timestamp("2026-06-30"), "en") == "Jun 30, 2026"
    assert fmt_date(np.datetime64("2026-02-03"), "fr") == "3 févr. 2026"
    assert fmt_date("2026-12-25", "fr") == "25 déc. 2026"
    assert fmt_date(None, "fr") == "–"
    assert fmt_date(pd.NaT, "en") == "–"


def test_fmt_month() -> None:
    assert i18n.fmt_month("2026-02", "fr") == "février 2026"
    assert i18n.fmt_month(dt.date(2026, 8, 15), "en") == "August 2026"
    assert i18n.fmt_month(None, "fr") == "–"


# -- picking a language --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("fr-FR,fr;q=0.9,en-US;q=0.8,en;q=0.7", "fr"),
        ("en-GB,en;q=0.9,fr;q=0.8", "en"),
        ("de-DE,de;q=0.9,fr;q=0.5", "fr"),  # German not offered: next best
        ("en;q=0.4, fr-CA;q=0.6", "fr"),  # weights win over order
        ("fr;q=0, en", "en"),  # q=0 means "not French"
        ("fr_FR.UTF-8", "fr"),
        ("fr_BE.UTF-8@euro", "fr"),
        ("C.UTF-8", "en"),
        ("POSIX", "en"),
        ("*", "en"),
        ("", "en"),
        (None, "en"),
        ("FR", "fr"),
        ("garbage;;;q=abc,,", "en"),
    ],
)
def test_lang_from_locale(value: str | None, expected: str) -> None:
    assert lang_from_locale(value) == expected


# -- French typography -----------------------------------------------------------------
# Before ":" ";" "!" "?" and inside « », French sets a narrow no-break space: never a plain
# space (the sign wraps alone onto the next line) and never nothing. A colon between digits
# ("16:9") is no punctuation.
_FR_BAD = (
    ("plain or no space before : ; ! ?", r"(?<!\u202f)(?<!\u00a0)[:;!?](?!\d)"),
    ("plain or no space after «", r"«(?![\u202f\u00a0])"),
    ("plain or no space before »", r"(?<![\u202f\u00a0])»"),
)


@pytest.mark.parametrize(
    "area", sorted(p.name for p in (i18n.LOCALES_DIR / "fr").glob("*.json")))
def test_french_punctuation_has_its_narrow_no_break_space(area: str) -> None:
    import re

    messages = json.loads((i18n.LOCALES_DIR / "fr" / area).read_text(encoding="utf-8"))
    bad = [(key, rule, text) for key, text in messages.items() for rule, pattern in _FR_BAD
           if re.search(pattern, re.sub(r"\{[^}]*\}", "", text))]
    assert bad == []
