"""Every sentence an import report shows, in English and French, and how values are quoted.

Messages are templates with `{placeholders}`; `render(code, lang, **params)` fills one.
Values that read differently per language are formatted here at render time, never baked
into the parameters: the row list with examples (`where`), quoted values (`delimiter`),
the kind of file (`kind`), date-format labels (`format`). A missing French key falls back
to English; tests check that every English message has a French one with the same
placeholders.

The "skip bad rows" option is named the way both the CLI (--skip-bad-rows) and the Data
page's checkbox ("Skip bad rows" / "Ignorer les lignes en erreur") name it.
"""

from __future__ import annotations

import string
from typing import Any

from journey import i18n

SHOW_ROWS = 10  # row numbers listed per problem
SHOW_VALUES = 5  # example values listed per problem

SKIP_HINT_EN = (
    "Fix them in the file, or import with “Skip bad rows” (--skip-bad-rows) to leave those "
    "rows out."
)
SKIP_HINT_FR = (
    "Corrigez-les dans le fichier, ou importez avec « Ignorer les lignes en erreur » "
    "(--skip-bad-rows) pour laisser ces lignes de côté."
)

MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "not_found": "File not found: {path}. Check the path and try again.",
        "unreadable": "The file cannot be read ({error}).",
        "empty": "The file is empty. Export the data again, with a header row and at least "
        "one row of data.",
        "header_only": "The file has a header row ({columns}) but no data rows. Export it "
        "again with the data.",
        "not_csv": "This is not a CSV file (it looks like {what}). Export your data as CSV "
        "(comma- or semicolon-separated) or as an Excel .xlsx file and import that.",
        "bad_gzip": "The file looks gzip-compressed but cannot be decompressed ({error}). "
        "Export it again.",
        "bad_xlsx": "This Excel file cannot be opened ({error}). Open it in Excel, save it "
        "again as .xlsx (or export it as CSV) and import that.",
        "bad_encoding": "The file is not valid {encoding} text. Save it again as 'CSV UTF-8'.",
        "duplicate": "This file was already imported as import {import_id} ('{file_name}', "
        "{imported_at}). Nothing was imported. To import it again, first remove that "
        "import (python -m journey remove {import_id}).",
        "internal": "Unexpected error while importing: {error}. Nothing was imported. Please "
        "report this together with the first lines of the file.",
        "no_customer_id": "No customer column found. Columns are: {columns}. Rename one, or "
        "map it with --map 'Your column=customer_id'.",
        "no_ts": "No date/time column found. Columns are: {columns}. Rename one (e.g. "
        "'timestamp' or 'date'), or map it with --map 'Your column=ts'.",
        "no_touchpoint": "No touchpoint column found. Columns are: {columns}. Rename one "
        "(e.g. 'touchpoint' or 'event'), or map it with --map 'Your column=touchpoint'.",
        "no_score": "No NPS, CSAT, CES or comment column found. Columns are: {columns}. "
        "Rename one, or map it with --map 'Your column=nps'.",
        "no_response_key": "Survey answers need a customer, stage or touchpoint column. "
        "Columns are: {columns}. Map one with --map 'Your column=customer_id'.",
        "unknown_kind": "Cannot tell what this file holds (events, survey responses, "
        "customers or a touchpoint map). Columns are: {columns}. Import it with --kind and "
        "map its columns with --map 'Your column=target'.",
        "map_missing_column": "--map names the column '{column}', which is not in the file. "
        "Columns are: {columns}.",
        "map_bad_target": "--map '{column}={target}': '{target}' is not a field we know. "
        "Fields for {kind} are: {targets}.",
        "ragged": "{count} rows do not have as many values as the header has columns "
        "({where}). A value probably contains the delimiter {delimiter} without quotes "
        "around it. " + SKIP_HINT_EN,
        "unclosed_quote": "A quote (\") opened in row {row} is never closed, so the rest of "
        "the file would be read as one value. Close the quote, or double the quote inside "
        "the value (\"\"), and import again.",
        "bad_line": "{count} rows cannot be read ({where}): {error}. " + SKIP_HINT_EN,
        "empty_values": "Column '{column}' is empty in {count} rows ({where}). Fill them in, "
        "or import with “Skip bad rows” (--skip-bad-rows) to leave those rows out.",
        "bad_dates": "Column '{column}' has {count} dates that cannot be read as {format} "
        "({where}). Write all dates of a column in one format (e.g. 2024-03-31 14:05). "
        + SKIP_HINT_EN,
        "no_date_format": "Column '{column}' does not hold dates in a format we know "
        "({where}). Use e.g. 2024-03-31 14:05 or 31/03/2024, or map another column with "
        "--map 'Your column=ts'.",
        "bad_score": "Column '{column}' has {count} values outside {low}–{high} ({where}). "
        "{label} must be a whole number from {low} to {high}. " + SKIP_HINT_EN,
        "bad_number": "Column '{column}' has {count} values that are not numbers ({where}). "
        + SKIP_HINT_EN,
        "bad_bool": "Column '{column}' has {count} values that are not yes/no ({where}). Use "
        "yes/no, true/false, oui/non or online/offline. " + SKIP_HINT_EN,
        "too_many_stages": "Column '{column}' has more than {limit} different stage names: "
        "it is probably not the stage. Map another column with --map 'Your column=stage', "
        "or leave it out with --map '{column}=ignore'.",
        "no_good_rows": "None of the rows could be imported, so nothing was imported.",
        "ok": "Imported '{file_name}' as import {import_id}: {rows} {kind} rows (layout "
        "{layout}, encoding {encoding}, delimiter {delimiter}).",
        "skipped": "{count} bad rows were left out (“Skip bad rows”):",
        "rejected": "Rejected '{file_name}': nothing was imported.",
        "mapping": "Columns used: {mapping}.",
        "dates": "Dates in '{column}' read as {format}.",
        "decimal_comma": "Numbers in '{column}' read with a decimal comma (12,50 = 12.50).",
        "new_stages": "New stages added after the last one: {stages}. Rename or reorder "
        "them in the stage settings.",
        "unmapped": "{count} touchpoints not mapped to a stage yet: {names}. Give them a "
        "stage in the touchpoint map (or import a touchpoint map file).",
        "rows_note": "Row 1 is the first data row under the header.",
    },
    "fr": {
        "not_found": "Fichier introuvable : {path}. Vérifiez le chemin et réessayez.",
        "unreadable": "Le fichier ne peut pas être lu ({error}).",
        "empty": "Le fichier est vide. Exportez à nouveau les données, avec une ligne "
        "d’en-tête et au moins une ligne de données.",
        "header_only": "Le fichier contient une ligne d’en-tête ({columns}) mais aucune ligne "
        "de données. Exportez-le à nouveau avec les données.",
        "not_csv": "Ce n’est pas un fichier CSV (on dirait {what}). Exportez vos données en "
        "CSV (séparateur virgule ou point-virgule) ou en fichier Excel .xlsx, puis "
        "importez-le.",
        "bad_gzip": "Le fichier semble compressé (gzip) mais ne peut pas être décompressé "
        "({error}). Exportez-le à nouveau.",
        "bad_xlsx": "Ce fichier Excel ne peut pas être ouvert ({error}). Ouvrez-le dans Excel, "
        "enregistrez-le à nouveau en .xlsx (ou exportez-le en CSV), puis importez-le.",
        "bad_encoding": "Le fichier n’est pas un texte {encoding} valide. Enregistrez-le à "
        "nouveau au format « CSV UTF-8 ».",
        "duplicate": "Ce fichier a déjà été importé (import {import_id}, « {file_name} », "
        "{imported_at}). Rien n’a été importé. Pour l’importer à nouveau, supprimez d’abord "
        "cet import (python -m journey remove {import_id}).",
        "internal": "Erreur inattendue pendant l’import : {error}. Rien n’a été importé. "
        "Merci de la signaler en joignant les premières lignes du fichier.",
        "no_customer_id": "Aucune colonne client trouvée. Les colonnes sont : {columns}. "
        "Renommez-en une, ou associez-la avec --map 'Votre colonne=customer_id'.",
        "no_ts": "Aucune colonne de date/heure trouvée. Les colonnes sont : {columns}. "
        "Renommez-en une (par ex. « date » ou « horodatage »), ou associez-la avec "
        "--map 'Votre colonne=ts'.",
        "no_touchpoint": "Aucune colonne de point de contact trouvée. Les colonnes sont : "
        "{columns}. Renommez-en une (par ex. « point de contact » ou « événement »), ou "
        "associez-la avec --map 'Votre colonne=touchpoint'.",
        "no_score": "Aucune colonne NPS, CSAT, CES ou commentaire trouvée. Les colonnes "
        "sont : {columns}. Renommez-en une, ou associez-la avec --map 'Votre colonne=nps'.",
        "no_response_key": "Les réponses d’enquête doivent avoir une colonne client, étape "
        "ou point de contact. Les colonnes sont : {columns}. Associez-en une avec "
        "--map 'Votre colonne=customer_id'.",
        "unknown_kind": "Impossible de savoir ce que contient ce fichier (événements, "
        "réponses d’enquête, clients ou carte des points de contact). Les colonnes sont : "
        "{columns}. Importez-le avec --kind et associez ses colonnes avec "
        "--map 'Votre colonne=champ'.",
        "map_missing_column": "--map désigne la colonne « {column} », qui n’existe pas dans "
        "le fichier. Les colonnes sont : {columns}.",
        "map_bad_target": "--map '{column}={target}' : « {target} » n’est pas un champ "
        "connu. Champs possibles pour {kind} : {targets}.",
        "ragged": "{count} lignes n’ont pas autant de valeurs que l’en-tête a de colonnes "
        "({where}). Une valeur contient sans doute le séparateur {delimiter} sans être "
        "entre guillemets. " + SKIP_HINT_FR,
        "unclosed_quote": "Un guillemet (\") ouvert à la ligne {row} n’est jamais fermé : "
        "tout le reste du fichier serait lu comme une seule valeur. Fermez le guillemet, "
        "ou doublez-le à l’intérieur de la valeur (\"\"), puis importez à nouveau.",
        "bad_line": "{count} lignes ne peuvent pas être lues ({where}) : {error}. "
        + SKIP_HINT_FR,
        "empty_values": "La colonne « {column} » est vide dans {count} lignes ({where}). "
        "Complétez-les, ou importez avec « Ignorer les lignes en erreur » (--skip-bad-rows) "
        "pour laisser ces lignes de côté.",
        "bad_dates": "La colonne « {column} » contient {count} dates illisibles au format "
        "{format} ({where}). Écrivez toutes les dates d’une colonne dans un seul format "
        "(par ex. 31/03/2024 14:05). " + SKIP_HINT_FR,
        "no_date_format": "La colonne « {column} » ne contient pas de dates dans un format "
        "connu ({where}). Utilisez par ex. 31/03/2024 ou 2024-03-31 14:05, ou associez une "
        "autre colonne avec --map 'Votre colonne=ts'.",
        "bad_score": "La colonne « {column} » contient {count} valeurs hors de {low}–{high} "
        "({where}). Le {label} doit être un nombre entier de {low} à {high}. "
        + SKIP_HINT_FR,
        "bad_number": "La colonne « {column} » contient {count} valeurs qui ne sont pas des "
        "nombres ({where}). " + SKIP_HINT_FR,
        "bad_bool": "La colonne « {column} » contient {count} valeurs qui ne sont pas oui/non "
        "({where}). Utilisez oui/non, vrai/faux, yes/no ou en ligne/hors ligne. "
        + SKIP_HINT_FR,
        "too_many_stages": "La colonne « {column} » contient plus de {limit} noms d’étape "
        "différents : ce n’est probablement pas l’étape. Associez une autre colonne avec "
        "--map 'Votre colonne=stage', ou écartez celle-ci avec --map '{column}=ignore'.",
        "no_good_rows": "Aucune ligne n’a pu être importée : rien n’a été importé.",
        "ok": "« {file_name} » importé (import {import_id}) : {rows} lignes de {kind} "
        "(format {layout}, encodage {encoding}, séparateur {delimiter}).",
        "skipped": "{count} lignes en erreur ont été laissées de côté (« Ignorer les lignes "
        "en erreur ») :",
        "rejected": "« {file_name} » refusé : rien n’a été importé.",
        "mapping": "Colonnes utilisées : {mapping}.",
        "dates": "Dates de « {column} » lues au format {format}.",
        "decimal_comma": "Nombres de « {column} » lus avec une virgule décimale "
        "(12,50 = 12.50).",
        "new_stages": "Nouvelles étapes ajoutées après la dernière : {stages}. Renommez-les "
        "ou réordonnez-les dans les réglages des étapes.",
        "unmapped": "{count} points de contact ne sont encore rattachés à aucune étape : "
        "{names}. Donnez-leur une étape dans la carte des points de contact (ou importez "
        "un fichier de carte des points de contact).",
        "rows_note": "La ligne 1 est la première ligne de données sous l’en-tête.",
    },
}

# Values of the `kind` parameter, as each language names them inside a sentence.
KINDS: dict[str, dict[str, str]] = {
    "en": {},
    "fr": {
        "events": "événements", "responses": "réponses", "customers": "clients",
        "touchpoints": "carte des points de contact", "all kinds": "tous les types",
    },
}
# Date-format labels (formats.DATE_FORMATS) where French writes them differently.
DATE_LABELS: dict[str, dict[str, str]] = {
    "en": {},
    "fr": {
        "epoch seconds": "secondes depuis 1970 (epoch)",
        "epoch milliseconds": "millisecondes depuis 1970 (epoch)",
        "epoch microseconds": "microsecondes depuis 1970 (epoch)",
        "yyyymmdd": "aaaammjj",
        "ISO 8601 (yyyy-mm-dd)": "ISO 8601 (aaaa-mm-jj)",
        "dd/mm/yyyy": "jj/mm/aaaa",
        "mm/dd/yyyy": "mm/jj/aaaa",
        "yyyy/mm/dd": "aaaa/mm/jj",
        "dd.mm.yyyy": "jj.mm.aaaa",
        "dd-mm-yyyy": "jj-mm-aaaa",
    },
}


def lang_of(lang: str | None) -> str:
    return lang if lang in MESSAGES else "en"


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def quote(value: Any, lang: str = "en") -> str:
    """A user value in a sentence: 'x' in English, « x » in French; long values shortened."""
    text = str(value)
    if len(text) > 40:
        text = text[:37] + "..."
    if lang_of(lang) == "fr":
        return f"« {repr(text)[1:-1]} »"
    return repr(text)


def quote_list(values: list[Any], lang: str = "en", limit: int = SHOW_VALUES) -> str:
    return ", ".join(quote(v, lang) for v in values[:limit])


def where(rows: list[int], count: int, examples: list[Any], lang: str = "en") -> str:
    """'rows 2, 3: 'x', 'y'' / 'lignes 2, 3 : « x », « y »'."""
    fr = lang_of(lang) == "fr"
    if fr:
        label = "ligne" if count == 1 else "lignes"
    else:
        label = "row" if count == 1 else "rows"
    text = f"{label} " + ", ".join(str(r) for r in rows[:SHOW_ROWS])
    if count > len(rows[:SHOW_ROWS]):
        text += ", …"
    if examples:
        text += (" : " if fr else ": ") + quote_list(examples, lang)
    return text


def count_text(n: Any, lang: str = "en") -> str:
    return i18n.fmt_int(n, lang) if isinstance(n, int) else str(n)


def render(code: str, lang: str = "en", **params: Any) -> str:
    """The message `code` in `lang` (English fallback), filled with `params`.

    `row_list`/`examples`/`count` give the `where` text; `delimiter`, `kind` and `format` are
    shown the way `lang` writes them.
    """
    lang = lang_of(lang)
    template = MESSAGES[lang].get(code) or MESSAGES["en"][code]
    p = dict(params)
    rows = p.pop("row_list", None)
    examples = p.pop("examples", None) or []
    if rows:
        p["where"] = where(list(rows), int(p.get("count") or len(rows)), examples, lang)
    if "delimiter" in p and p["delimiter"] is not None:
        p["delimiter"] = quote(p["delimiter"], lang)
    if isinstance(p.get("kind"), str):
        p["kind"] = KINDS[lang].get(p["kind"], p["kind"])
    if isinstance(p.get("format"), str):
        p["format"] = DATE_LABELS[lang].get(p["format"], p["format"])
    if lang == "fr" and isinstance(p.get("count"), int):
        p["count"] = count_text(p["count"], lang)
    return template.format(**p)
