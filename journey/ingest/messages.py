"""How import messages are worded: templates from the i18n catalogue, values quoted per language.

The sentences live in `journey/i18n/locales/<lang>/ingest.json` under `ingest.<code>`; this
module fills them. Values that read differently per language are formatted at render time,
never baked into the parameters: the row list with examples (`where`), quoted values
(`delimiter`), the kind of file (`kind`), date-format labels (`format`), counts.

A fix (see `report.Fix`) is worded for where it is shown: on the command line as the flag to
type (`--map 'satisfaction=ignore'`), in the app as the control to use ("set “satisfaction” to
“(not imported)”"). Problems carry fixes as data, so the app can also offer them as buttons.
"""

from __future__ import annotations

from typing import Any

from journey import i18n

SHOW_ROWS = 10  # row numbers listed per problem
SHOW_VALUES = 5  # example values listed per problem
SURFACES = ("cli", "app")
PREFIX = "ingest."


def lang_of(lang: str | None) -> str:
    return lang if lang in i18n.LANGS else "en"


def surface_of(surface: str | None) -> str:
    return surface if surface in SURFACES else "cli"


def template(code: str, lang: str = "en") -> str:
    return i18n.t(PREFIX + code, lang_of(lang))


def codes() -> list[str]:
    """Every message code the catalogue holds (for tests)."""
    return sorted(k[len(PREFIX):] for k in i18n.catalogue("en") if k.startswith(PREFIX))


def quote(value: Any, lang: str = "en") -> str:
    """A user value in a sentence: 'x' in English, « x » in French; long values shortened."""
    text = str(value)
    if len(text) > 40:
        text = text[:37] + "..."
    if lang_of(lang) == "fr":
        return f"«{i18n.NNBSP}{repr(text)[1:-1]}{i18n.NNBSP}»"
    return repr(text)


def quote_list(values: list[Any], lang: str = "en", limit: int = SHOW_VALUES) -> str:
    return ", ".join(quote(v, lang) for v in values[:limit])


def where(rows: list[int], count: int, examples: list[Any], lang: str = "en") -> str:
    """'rows 2, 3: 'x', 'y'' / 'lignes 2, 3 : « x », « y »' (narrow no-break spaces)."""
    fr = lang_of(lang) == "fr"
    if fr:
        label = "ligne" if count == 1 else "lignes"
    else:
        label = "row" if count == 1 else "rows"
    text = f"{label} " + ", ".join(str(r) for r in rows[:SHOW_ROWS])
    if count > len(rows[:SHOW_ROWS]):
        text += ", …"
    if examples:
        text += i18n.colon(lang) + " " + quote_list(examples, lang)
    return text


def count_text(n: Any, lang: str = "en") -> str:
    """12,345 (en) / 12 345 (fr); non-numbers as they are."""
    return i18n.fmt_int(n, lang) if isinstance(n, int) and not isinstance(n, bool) else str(n)


def _kind_text(kind: str, lang: str) -> str:
    text = i18n.t(f"{PREFIX}kind.{kind}", lang)
    return kind if text == f"{PREFIX}kind.{kind}" else text


def _format_text(label: str, lang: str) -> str:
    from journey.ingest.formats import DATE_FORMATS

    code = dict(DATE_FORMATS).get(label)
    if code is None:
        return label
    key = f"{PREFIX}date_format.{code}"
    text = i18n.t(key, lang)
    return label if text == key else text


def _fill(text: str, lang: str, params: dict[str, Any]) -> str:
    p = dict(params)
    rows = p.pop("row_list", None)
    examples = p.pop("examples", None) or []
    if rows:
        p["where"] = where(list(rows), int(p.get("count") or len(rows)), examples, lang)
    if p.get("delimiter") is not None:
        p["delimiter"] = quote(p["delimiter"], lang)
    if isinstance(p.get("kind"), str):
        p["kind"] = _kind_text(p["kind"], lang)
    if isinstance(p.get("format"), str):
        p["format"] = _format_text(p["format"], lang)
    for key, value in p.items():
        if isinstance(value, int) and not isinstance(value, bool):
            p[key] = count_text(value, lang)
    return _format(text, p)


def _format(text: str, params: dict[str, Any]) -> str:
    class _Keep(dict):
        def __missing__(self, key: str) -> str:
            return "{" + key + "}"

    try:
        return text.format_map(_Keep(params))
    except (ValueError, IndexError, AttributeError):
        return text


def render(code: str, lang: str = "en", **params: Any) -> str:
    """The message `code` in `lang` (English fallback), filled with `params`.

    `row_list`/`examples`/`count` give the `where` text; `delimiter`, `kind`, `format` and
    counts are shown the way `lang` writes them.
    """
    lang = lang_of(lang)
    return _fill(template(code, lang), lang, params)


def fix_text(code: str, params: dict[str, Any], lang: str = "en", surface: str = "cli") -> str:
    """One fix, worded for the command line (a flag) or the app (a control)."""
    lang, surface = lang_of(lang), surface_of(surface)
    p = dict(params)
    if p.get("column") is None and "column" in p:
        p["column"] = i18n.t(f"{PREFIX}your_column", lang)
    target = p.get("target")
    if isinstance(target, str):
        p["target_label"] = i18n.t(f"data.target.{target}", lang)
    if isinstance(p.get("kind"), str):
        p["kind_code"] = p["kind"]
        p["kind_label"] = i18n.t(f"data.kind.{p['kind']}", lang)
    return _fill(template(f"fix.{code}.{surface}", lang), lang, p)


# The steps an import reports to its progress callback, as codes (catalogue keys
# "ingest.step.<code>"): the core says no words, the app and the CLI say them in the reader's
# language.
STEPS = ("reading_file", "checking_columns", "reading_rows", "checking_values", "writing",
         "scoring", "refreshing")


def step_text(code: str, lang: str = "en") -> str:
    """A progress step's code in `lang` (anything else, a caller's own text, as it is)."""
    return template(f"step.{code}", lang) if code in STEPS else code


def join_fixes(texts: list[str], lang: str = "en") -> str:
    return f" {template('or', lang)} ".join(texts)
