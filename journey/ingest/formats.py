"""Known export layouts and the rules that map their columns onto Parcours fields.

Pure Python over the first rows of a file (no DuckDB, no I/O): which layout is it, which
rows are headers, which column is the customer, the time, the NPS..., and what kind of data
(events, responses, customers, touchpoint map) the file holds. A column is chosen by its
name *and* what it holds (`columns`): a score by its scale and meaning, a comment by being
free text, the customer by being filled.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from journey.ingest import columns as content

KINDS = ("events", "responses", "customers", "touchpoints")

# Target fields per kind, in the order the upload page shows them.
TARGET_FIELDS: dict[str, list[str]] = {
    # revenue: money received, counted as it is; price: a price or value, counted as revenue
    # on purchase events only (times the quantity when the file has one).
    "events": ["customer_id", "ts", "touchpoint", "channel", "device", "stage", "revenue",
               "price"],
    "responses": ["customer_id", "ts", "stage", "touchpoint", "nps", "csat", "ces", "comment"],
    "customers": ["customer_id", "persona"],
    "touchpoints": ["touchpoint", "stage", "channel", "online"],
}
ALL_TARGETS = sorted({f for fields in TARGET_FIELDS.values() for f in fields})
REQUIRED: dict[str, list[str]] = {
    "events": ["customer_id", "ts", "touchpoint"],
    "responses": [],  # checked by rule: a score or comment, tied to a customer or stage
    "customers": ["customer_id"],
    "touchpoints": ["touchpoint"],
}
SCORE_FIELDS = ("nps", "csat", "ces", "comment")
SCORE_RANGES = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}
SURVEY_LAYOUTS = ("qualtrics", "qualtrics_legacy", "qualtrics_2016", "surveymonkey")


def norm(text: str) -> str:
    """Case-, accent- and punctuation-free key: 'Identifiant client' -> 'identifiantclient'."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"[^0-9a-z]", "", plain.lower())


# Column names per target, best first (a file with both 'timestamp' and 'date' uses 'timestamp').
SYNONYMS: dict[str, list[str]] = {
    "customer_id": [
        "customer_id", "customer id", "customer", "client_id", "client", "id client",
        "identifiant client", "numero client", "n client", "code client", "user_id", "userid",
        "user", "user_pseudo_id", "visitor_id", "contact_id", "member_id", "account_id",
        "case:concept:name", "case_id", "caseid", "case", "participant_id", "participant",
        "email", "e-mail", "adresse e-mail", "adresse email", "email address", "courriel",
        "prolific_pid", "identifiant", "external reference", "externaldatareference", "id",
        "user_session", "session_id",
    ],
    "ts": [
        "ts", "timestamp", "event_timestamp", "time:timestamp", "datetime", "date_time",
        "date heure", "date et heure", "horodatage", "event_time", "created_at", "occurred_at",
        "complete_timestamp", "completetimestamp", "start_timestamp", "recorded date",
        "end date", "submitted_at", "date de reponse", "date de la reponse", "response date",
        "horodateur", "date de soumission",
        "date", "time", "heure", "event_date", "jour",
    ],
    "touchpoint": [
        "touchpoint", "touch point", "point de contact", "point_de_contact", "event",
        "event_name", "event_type", "evenement", "type d'evenement", "concept:name", "page",
        "page_title", "page_path", "interaction", "action", "activity", "activite",
        "activity_id", "activityid", "activity name",
    ],
    "stage": ["stage", "etape", "phase", "journey_stage", "stage_name", "etape du parcours"],
    "channel": [
        "channel", "canal", "source/medium", "traffic_source_medium", "traffic_source.medium",
        "session_medium", "medium", "traffic_source_source", "traffic_source.source",
        "session_source", "source", "channel_group",
    ],
    "device": [
        "device", "appareil", "device_category", "device.category", "device_type",
        "type d'appareil", "terminal", "platform", "plateforme",
    ],
    # Money received: counted as it is.
    "revenue": [
        "revenue", "purchase_revenue", "ecommerce.purchase_revenue", "item_revenue",
        "item_revenue_in_usd", "purchase_revenue_in_usd", "total_revenue", "transaction_revenue",
        "chiffre d'affaires", "ca",
    ],
    "nps": [
        "nps", "nps_score", "score nps", "note nps", "nps score", "recommandation",
        "recommendation", "likelihood to recommend", "ltr", "note de recommandation",
    ],
    "csat": ["csat", "csat_score", "score csat", "satisfaction", "satisfaction score"],
    "ces": ["ces", "ces_score", "score ces", "customer effort score", "effort", "effort score"],
    "comment": [
        "comment", "comments", "commentaire", "commentaires", "verbatim", "verbatims",
        "feedback", "remarks", "remarque", "remarques", "free text", "texte libre", "avis",
        "explication", "explanation", "open-ended response",
    ],
    "persona": ["persona", "segment", "profil", "profile", "persona_name"],
    "online": ["online", "en ligne", "digital", "is_online"],
}
_SYN_INDEX: dict[str, tuple[str, int]] = {}
for _target, _names in SYNONYMS.items():
    for _rank, _name in enumerate(_names):
        _SYN_INDEX.setdefault(norm(_name), (_target, _rank))

# A price or value: money only on purchase events (a price on every product view is not
# revenue). `quantity` multiplies it when the file has one.
PRICE_NAMES = [norm(n) for n in (
    "price", "prix", "value", "valeur", "amount", "montant", "event_value_in_usd",
    "price_in_usd", "unit price", "prix unitaire",
)]
QUANTITY_NAMES = [norm(n) for n in ("quantity", "quantite", "qty", "qte")]
# Comment-ish names that are only a comment when the values are free text.
TEXT_NAMES = {norm(n) for n in ("text", "texte", "message", "reason", "raison", "why",
                                "pourquoi", "answer")}
# Names that say the column is that score even when its values are wrong (the values are
# then reported row by row, not silently dropped).
EXPLICIT_SCORES = {
    "nps": {norm(n) for n in ("nps", "nps_score", "score nps", "note nps", "nps score")},
    "csat": {norm(n) for n in ("csat", "csat_score", "score csat")},
    "ces": {norm(n) for n in ("ces", "ces_score", "score ces")},
}
# Parts of a name that make it read like a score (then its scale decides).
SCORE_WORDS = {
    "nps": ("nps", "recommand", "recommend"),
    "csat": ("csat", "satisf"),
    "ces": ("effort",),
}
SCALE_SHARE = 0.8  # at least this share of answers on the scale to read a column as a score
SCALE_EVIDENCE = 10  # answers needed before a scale can overrule a score's name

# Headers that only a French file would have: they make dd/mm the reading of 03/04/2024.
FRENCH_HEADERS = {
    norm(w)
    for w in (
        "client", "id client", "identifiant client", "numero client", "horodatage", "date heure",
        "date et heure", "point de contact", "etape", "canal", "appareil", "montant",
        "chiffre d'affaires", "commentaire", "commentaires", "recommandation", "profil",
        "jour", "heure", "evenement", "valeur", "remarque", "avis", "en ligne", "prix",
        "explication", "date de reponse", "note de recommandation",
    )
}

# Wording of survey questions (Qualtrics/SurveyMonkey put the question in a header row).
QUESTION_WORDS: list[tuple[str, tuple[str, ...]]] = [
    ("nps", ("recommend", "recommander", "recommanderiez", "recommandiez")),
    ("ces", ("effort", "easy", "facile", "difficult")),
    ("csat", ("satisf",)),
    ("comment", ("why", "pourquoi", "reason", "raison", "comment", "tell us", "feedback",
                 "suggest", "improve", "ameliorer", "free text", "texte libre",
                 "anything else", "autre chose")),
]

QUALTRICS_META = {
    norm(c)
    for c in (
        "StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration (in seconds)",
        "Finished", "RecordedDate", "ResponseId", "RecipientLastName", "RecipientFirstName",
        "RecipientEmail", "ExternalReference", "ExternalDataReference", "LocationLatitude",
        "LocationLongitude", "LocationAccuracy", "DistributionChannel", "UserLanguage",
        "ResponseSet", "Name", "EmailAddress", "Q_RecaptchaScore", "Q_RelevantIDDuplicate",
    )
}
SURVEYMONKEY_META = {
    norm(c)
    for c in (
        "Respondent ID", "Collector ID", "Start Date", "End Date", "IP Address",
        "Email Address", "First Name", "Last Name", "Custom Data 1",
    )
}
SURVEYMONKEY_ROW2 = {"response", "open-ended response", "responses", "réponse", "reponse"}
OPEN_ENDED = "open-ended response"


@dataclass
class Layout:
    """What the header rows say: layout name, data columns, and rows to skip after the header."""

    name: str  # generic | french_excel | ga4 | qualtrics(_legacy|_2016) | surveymonkey
    columns: list[str]  # unique, as shown to the user
    extra_header_rows: int = 0  # records after the first (header) row that are not data
    questions: dict[str, str] = field(default_factory=dict)  # column -> survey question text
    french: bool = False  # prefer dd/mm for ambiguous dates
    import_ids: dict[str, str] = field(default_factory=dict)  # Qualtrics: column -> ImportId
    open_ended: set[str] = field(default_factory=set)  # columns the export marks as free text
    timezone: str | None = None  # Qualtrics: the zone its local times are in

    @property
    def survey(self) -> bool:
        return self.name in SURVEY_LAYOUTS

    @property
    def meta(self) -> set[str]:
        """Normalised names of the export's own bookkeeping columns."""
        if self.name.startswith("qualtrics"):
            return QUALTRICS_META
        if self.name == "surveymonkey":
            return SURVEYMONKEY_META
        return set()


def unique_names(header: list[str]) -> list[str]:
    """Header cells made unique and non-empty ('Column 3', 'Q1 (2)'): users see these names."""
    seen: dict[str, int] = {}
    out = []
    for i, raw in enumerate(header):
        name = raw.strip().lstrip("\ufeff") or f"Column {i + 1}"
        if name in seen:
            seen[name] += 1
            name = f"{name} ({seen[name]})"
        seen.setdefault(name, 1)
        out.append(name)
    return out


def _import_id(cell: str) -> tuple[str, str | None] | None:
    """A Qualtrics ImportId cell: JSON (2017+) or Python-dict style (2016) -> (id, zone)."""
    text = cell.strip()
    if not text.startswith("{") or "ImportId" not in text:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        match = re.search(r"'ImportId':\s*'([^']*)'", text)
        return (match.group(1), None) if match else None
    if not isinstance(data, dict):
        return None
    return str(data.get("ImportId", "")), data.get("timeZone")


def _qualtrics(header: list[str], second: list[str], third: list[str], french: bool,
               name: str) -> Layout:
    columns = unique_names(header)
    questions = {c: q for c, q in zip(columns, second, strict=False) if q.strip()}
    import_ids, zones = {}, []
    for col, cell in zip(columns, third, strict=False):
        parsed = _import_id(cell)
        if parsed:
            import_ids[col] = parsed[0]
            if parsed[1]:
                zones.append(parsed[1])
    zone = zones[0] if zones and len(set(zones)) == 1 else None
    return Layout(name, columns, 2, questions, french, import_ids, set(), zone)


def _qualtrics_legacy(header: list[str], second: list[str], french: bool) -> Layout:
    # Legacy exports name columns V1..V10 in the first row and put the real names
    # (ResponseID, StartDate...) or the question text in the second.
    names = []
    for i, top in enumerate(header):
        sub = second[i].strip() if i < len(second) else ""
        names.append(sub if re.fullmatch(r"V\d+", top.strip().lstrip("\ufeff")) and sub else top)
    columns = unique_names(names)
    questions = {
        c: second[i].strip() for i, c in enumerate(columns)
        if i < len(second) and second[i].strip() and norm(c) not in QUALTRICS_META
    }
    return Layout("qualtrics_legacy", columns, 1, questions, french)


def _surveymonkey(header: list[str], second: list[str], french: bool) -> Layout:
    names, question, open_ended = [], "", []
    for i, top in enumerate(header):
        sub = second[i].strip() if i < len(second) else ""
        if top.strip():
            question = top.strip()
            name = question
        else:
            name = f"{question} - {sub}" if question and sub else ""
        if top.strip() and sub and sub.lower() not in SURVEYMONKEY_ROW2 and i + 1 < len(
            header
        ) and not header[i + 1].strip():
            name = f"{question} - {sub}"  # first option of a multiple-choice block
        names.append(name)
        open_ended.append(sub.lower() == OPEN_ENDED)
    columns = unique_names(names)
    questions = {c: c for c in columns if norm(c) not in SURVEYMONKEY_META}
    marked = {c for c, flag in zip(columns, open_ended, strict=True) if flag}
    return Layout("surveymonkey", columns, 1, questions, french, {}, marked)


def detect_layout(rows: list[list[str]], delimiter: str) -> Layout:
    """Recognise the export from its first records (header row first)."""
    header = rows[0]
    keys = {norm(c) for c in header}
    second = rows[1] if len(rows) > 1 else []
    third = rows[2] if len(rows) > 2 else []
    french = delimiter == ";" or bool(keys & FRENCH_HEADERS)

    if third and _import_id(third[0]):
        name = "qualtrics" if third[0].strip().startswith('{"') else "qualtrics_2016"
        return _qualtrics(header, second, third, french, name)
    first = header[0].strip().lstrip("\ufeff") if header else ""
    if first == "V1" and any(c.strip() == "ResponseID" for c in second):
        return _qualtrics_legacy(header, second, french)
    if "respondentid" in keys and second and any(
        c.strip().lower() in SURVEYMONKEY_ROW2 for c in second
    ):
        return _surveymonkey(header, second, french)
    columns = unique_names(header)
    if "eventtimestamp" in keys and keys & {"eventname", "userpseudoid", "clientid"}:
        return Layout("ga4", columns, 0, {}, french)
    # Forms exports (Google Forms, Typeform...) name a column by its question.
    questions = {c: c for c in columns if c.rstrip().endswith("?")}
    if delimiter == ";":
        return Layout("french_excel", columns, 0, questions, True)
    return Layout("generic", columns, 0, questions, french)


@dataclass
class Suggestion:
    """The mapping suggested for a file, and the notes that explain what was left out."""

    mapping: dict[str, str] = field(default_factory=dict)  # column -> target, in target order
    notes: list[dict[str, Any]] = field(default_factory=list)  # {"code", "column", params...}
    revenue_rule: str | None = None  # "as_is" (money received) | "purchases" (a price)
    quantity: str | None = None  # the quantity column a price is multiplied by


def known_name(column: str) -> bool:
    """The column's name is one of the synonyms of a field."""
    return norm(column) in _SYN_INDEX


def _short(name: str) -> str:
    return name if len(name) <= 40 else name[:37] + "..."


def _name_target(key: str) -> tuple[str, int] | None:
    hit = _SYN_INDEX.get(key)
    if hit:
        return hit
    for target, words in SCORE_WORDS.items():
        if any(w in key for w in words):
            return target, 100
    if key in TEXT_NAMES:
        return "comment", 100
    return None


def _question_target(question: str) -> str | None:
    text = question.lower()
    for target, words in QUESTION_WORDS:
        if any(w in text for w in words):
            return target
    return None


def _customer_chain(
    layout: Layout, ranked: list[str], values: dict[str, list[str]], sampled: bool
) -> list[str]:
    """The customer column(s), best first: each row takes the first one that is filled
    (GA4: user_id where signed in, else the device's pseudo id)."""
    keys = {norm(c): c for c in layout.columns}
    if layout.name == "ga4":
        ordered = [keys[k] for k in ("userid", "userpseudoid", "clientid") if k in keys]
    else:
        ordered = list(ranked)
        if layout.name.startswith("qualtrics"):
            ordered += [keys[k] for k in ("responseid",) if k in keys]
        elif layout.name == "surveymonkey":
            ordered += [keys[k] for k in ("customdata1", "respondentid") if k in keys]
    chain: list[str] = []
    for col in ordered:
        if col in chain:
            continue
        filled = content.fill_rate(values[col])
        if sampled and filled == 0:
            continue  # empty in every sampled row: it would only hide the next column
        chain.append(col)
        if sampled and filled == 1.0:
            break  # filled everywhere: no row needs a fallback
    return chain or ordered[:1]


def suggest(layout: Layout, data_rows: list[list[str]]) -> Suggestion:
    """Source column -> target field, from names, survey wording and the values themselves."""
    cols = layout.columns
    values = {c: [r[i] if i < len(r) else "" for r in data_rows] for i, c in enumerate(cols)}
    sampled = bool(data_rows)
    meta = layout.meta
    out = Suggestion()
    cands: dict[str, list[tuple[int, str]]] = {}
    for col in cols:
        key = norm(col)
        if key.endswith("npsgroup"):
            continue
        hit = _name_target(key)
        if hit is None:
            continue
        target, rank = hit
        if key in meta and target not in ("ts", "customer_id"):
            continue
        if layout.name.startswith("qualtrics") and target == "ts":
            # RecordedDate is when the answer was submitted; EndDate in legacy exports.
            rank = {"recordeddate": 0, "enddate": 1}.get(key, 5)
        cands.setdefault(target, []).append((rank, col))
    keys = {norm(c): c for c in cols}
    for col in cols:
        if col.upper().endswith("_NPS_GROUP"):
            base = keys.get(norm(col[: -len("_NPS_GROUP")]))
            if base:
                cands.setdefault("nps", []).append((-1, base))
    for col, question in layout.questions.items():
        target = _question_target(question)
        if target and norm(col) not in meta:
            cands.setdefault(target, []).append((50, col))

    def ranked(target: str) -> list[str]:
        seen: list[str] = []
        for _, col in sorted(cands.get(target, []), key=lambda x: x[0]):
            if col not in seen:
                seen.append(col)
        return seen

    taken: dict[str, str] = {}

    def take(col: str, target: str) -> None:
        taken[col] = target

    chain = _customer_chain(layout, ranked("customer_id"), values, sampled)
    for col in chain:
        take(col, "customer_id")
    if len(chain) > 1:
        out.notes.append({"code": "note_id_per_row", "column": None,
                          "columns": ", ".join(chain)})
    for target in ("ts", "touchpoint", "channel", "device", "stage", "persona", "online"):
        free = [c for c in ranked(target) if c not in taken]
        if free:
            take(free[0], target)
    _suggest_scores(ranked, values, taken, out)
    _suggest_comments(layout, ranked, values, taken, out)
    if "ts" not in taken.values() and set(taken.values()) & {"touchpoint", *SCORE_FIELDS}:
        # An activity with a time is an event log even when the time column has an unknown
        # name (a touchpoint map has no times); a survey answer keeps its date.
        dated = [c for c in cols if c not in taken and norm(c) not in meta
                 and content.present(values[c]) and content.dates_share(values[c]) >= 0.9]
        if dated:
            take(dated[0], "ts")
    _suggest_revenue(layout, ranked, taken, out)
    order = {t: i for i, t in enumerate(
        ["customer_id", "ts", "touchpoint", "channel", "device", "stage", "revenue", "price",
         "nps",
         "csat", "ces", "comment", "persona", "online"])}
    out.mapping = dict(sorted(taken.items(), key=lambda kv: order.get(kv[1], 99)))
    return out


def _suggest_scores(ranked: Any, values: dict[str, list[str]], taken: dict[str, str],
                    out: Suggestion) -> None:
    """A score column by meaning (name or question) *and* scale: small integer codes of a
    multiple-choice question are never an NPS; a 1–10 'satisfaction' is not a CSAT 1–5."""
    for target, (low, high) in SCORE_RANGES.items():
        done = False
        for col in ranked(target):
            if col in taken:
                continue
            share, found_low, found_high = content.scale(values[col], low, high)
            answers = len(content.present(values[col]))
            # Too few answers to tell a scale: the name or question decides, and any bad
            # value is then reported row by row.
            if (norm(col) in EXPLICIT_SCORES[target] or share >= SCALE_SHARE
                    or answers < SCALE_EVIDENCE):
                if not done:
                    taken[col] = target
                    done = True
                continue
            note = {"code": "note_score_scale", "column": col, "label": target.upper(),
                    "low": low, "high": high, "found_low": found_low, "found_high": found_high}
            if found_low is None or share < 0.5 and content.scale(values[col], 0, 100)[0] < 0.8:
                note["code"] = "note_score_not_numbers"
            out.notes.append(note)


def _suggest_comments(layout: Layout, ranked: Any, values: dict[str, list[str]],
                      taken: dict[str, str], out: Suggestion) -> None:
    """Verbatims: free text, never a closed answer repeated from a short list. A column the
    export or its name marks as open-ended is enough evidence unless its answers repeat; any
    other survey question counts when its answers read as free text."""
    strong = {c for c in ranked("comment") if norm(c) not in TEXT_NAMES}
    strong |= layout.open_ended
    strong |= {c for c, iid in layout.import_ids.items() if iid.upper().endswith("_TEXT")}
    weak = [c for c in ranked("comment") if c not in strong]
    weak += [c for c in layout.questions if norm(c) not in layout.meta]
    chosen = []
    for col in layout.columns:
        if col in taken or (col not in strong and col not in weak):
            continue
        vals = values[col]
        if col in strong:
            closed = content.closed_answers(vals)
            if closed and content.has_letters(vals):
                out.notes.append({"code": "note_closed_comment", "column": col,
                                  "distinct": closed[0], "answers": closed[1]})
                continue
            if content.has_letters(vals):
                chosen.append(col)
        elif content.free_text(vals):
            chosen.append(col)
    for col in chosen:
        taken[col] = "comment"
    if len(chosen) > 1:
        out.notes.append({"code": "note_comments_joined", "column": None,
                          "columns": ", ".join(f"'{_short(c)}'" for c in chosen)})


def _suggest_revenue(layout: Layout, ranked: Any, taken: dict[str, str],
                     out: Suggestion) -> None:
    """Revenue is money from purchases: a revenue column as it is; a price or value only on
    purchase events (times the quantity, when there is one)."""
    free = [c for c in ranked("revenue") if c not in taken]
    if free:
        taken[free[0]] = "revenue"
        out.revenue_rule = "as_is"
        return
    keys = {norm(c): c for c in layout.columns if c not in taken and norm(c) not in layout.meta}
    price = next((keys[k] for k in PRICE_NAMES if k in keys), None)
    if price is None:
        return
    taken[price] = "price"
    out.revenue_rule = "purchases"
    out.quantity = next((keys[k] for k in QUANTITY_NAMES if k in keys), None)


def suggest_mapping(layout: Layout, data_rows: list[list[str]]) -> dict[str, str]:
    """Source column -> target. Several sources for one target: customer ids are tried in
    order on each row, comments are joined."""
    return suggest(layout, data_rows).mapping


def detect_kind(targets: set[str], layout: Layout | None = None) -> str | None:
    """Kind of data from the mapped fields (and the layout); None when they do not say."""
    if targets & set(SCORE_FIELDS) or (layout is not None and layout.survey):
        return "responses"
    if {"customer_id", "ts", "touchpoint"} <= targets:
        return "events"
    if "ts" in targets and targets & {"customer_id", "touchpoint"}:
        return "events"  # the missing customer or touchpoint is named by validation
    if "touchpoint" in targets and "customer_id" not in targets:
        return "touchpoints"
    if "customer_id" in targets:
        return "customers"
    return None


# Date format families: (label shown to the user, code). The first that reads every
# sampled value wins, except that dd/mm vs mm/dd ambiguity is settled by the file's language.
DATE_FORMATS: list[tuple[str, str]] = [
    ("epoch seconds", "seconds"),
    ("epoch milliseconds", "millis"),
    ("epoch microseconds", "micros"),
    ("yyyymmdd", "%Y%m%d"),
    ("ISO 8601 (yyyy-mm-dd)", "iso"),
    ("dd/mm/yyyy", "dmy"),
    ("mm/dd/yyyy", "mdy"),
    ("yyyy/mm/dd", "ymd"),
    ("dd.mm.yyyy", "dmy."),
    ("dd-mm-yyyy", "dmy-"),
]
# The shape a value of each family has; used to shortlist families cheaply.
_DMY = r"\d{1,2}/\d{1,2}/\d{2,4}(?:[ T].*)?"
DATE_SHAPES: list[tuple[str, str]] = [
    ("seconds", r"\d{9,10}"),
    ("millis", r"\d{12,13}"),
    ("micros", r"\d{15,16}"),
    ("%Y%m%d", r"\d{8}"),
    ("iso", r"\d{4}-\d{1,2}-\d{1,2}(?:[ T].*)?"),
    ("dmy", _DMY),
    ("mdy", _DMY),
    ("ymd", r"\d{4}/\d{1,2}/\d{1,2}(?:[ T].*)?"),
    ("dmy.", r"\d{1,2}\.\d{1,2}\.\d{2,4}(?:[ T].*)?"),
    ("dmy-", r"\d{1,2}-\d{1,2}-\d{2,4}(?:[ T].*)?"),
]
_TIMES = ["%H:%M:%S.%f", "%H:%M:%S", "%H:%M", "%I:%M:%S %p", "%I:%M %p"]


def _with_times(date_part: str) -> list[str]:
    return [f"{date_part} {t}" for t in _TIMES] + [date_part]


# strptime candidates per family; the import keeps only those the sample actually uses.
STRPTIME: dict[str, list[str]] = {
    "dmy": _with_times("%d/%m/%Y") + _with_times("%d/%m/%y"),
    "mdy": _with_times("%m/%d/%Y") + _with_times("%m/%d/%y"),
    "ymd": _with_times("%Y/%m/%d"),
    "dmy.": _with_times("%d.%m.%Y"),
    "dmy-": _with_times("%d-%m-%Y"),
    "%Y%m%d": ["%Y%m%d"],
}
