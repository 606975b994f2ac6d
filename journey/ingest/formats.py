"""Known export layouts and the column-synonym tables that map them onto Parcours fields.

Pure Python over the first rows of a file (no DuckDB, no I/O): which layout is it, which
rows are headers, which column is the customer, the time, the NPS..., and what kind of
data (events, responses, customers, touchpoint map) the file holds.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

KINDS = ("events", "responses", "customers", "touchpoints")

# Target fields per kind, in the order the upload page shows them.
TARGET_FIELDS: dict[str, list[str]] = {
    "events": ["customer_id", "ts", "touchpoint", "channel", "device", "stage", "revenue"],
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
        "identifiant", "external reference", "externaldatareference", "id",
    ],
    "ts": [
        "ts", "timestamp", "event_timestamp", "datetime", "date_time", "date heure",
        "date et heure", "horodatage", "event_time", "created_at", "occurred_at", "recorded date",
        "end date", "submitted_at", "date", "time", "heure", "event_date", "jour",
    ],
    "touchpoint": [
        "touchpoint", "touch point", "point de contact", "point_de_contact", "event",
        "event_name", "evenement", "page", "page_title", "page_path", "interaction", "action",
        "activity", "activite",
    ],
    "stage": ["stage", "etape", "phase", "journey_stage", "stage_name", "etape du parcours"],
    "channel": [
        "channel", "canal", "source/medium", "traffic_source_medium", "traffic_source.medium",
        "medium", "traffic_source_source", "traffic_source.source", "source", "channel_group",
    ],
    "device": [
        "device", "appareil", "device_category", "device.category", "device_type",
        "type d'appareil", "terminal", "platform", "plateforme",
    ],
    "revenue": [
        "revenue", "montant", "chiffre d'affaires", "ca", "amount", "value", "valeur",
        "purchase_revenue", "ecommerce.purchase_revenue", "event_value_in_usd", "price", "prix",
    ],
    "nps": [
        "nps", "nps_score", "score nps", "score", "recommandation", "recommendation",
        "likelihood to recommend", "ltr", "note", "note nps",
    ],
    "csat": ["csat", "csat_score", "satisfaction", "satisfaction score", "score csat"],
    "ces": ["ces", "ces_score", "customer effort score", "effort", "effort score", "score ces"],
    "comment": [
        "comment", "comments", "commentaire", "commentaires", "verbatim", "feedback",
        "remarks", "remarque", "remarques", "free text", "texte libre", "avis",
    ],
    "persona": ["persona", "segment", "profil", "profile", "persona_name"],
    "online": ["online", "en ligne", "digital", "is_online"],
}
_SYN_INDEX: dict[str, tuple[str, int]] = {}
for _target, _names in SYNONYMS.items():
    for _rank, _name in enumerate(_names):
        _SYN_INDEX.setdefault(norm(_name), (_target, _rank))

# Headers that only a French file would have: they make dd/mm the reading of 03/04/2024.
FRENCH_HEADERS = {
    norm(w)
    for w in (
        "client", "id client", "identifiant client", "numero client", "horodatage", "date heure",
        "date et heure", "point de contact", "etape", "canal", "appareil", "montant",
        "chiffre d'affaires", "commentaire", "commentaires", "recommandation", "profil",
        "jour", "heure", "evenement", "valeur", "remarque", "avis", "en ligne", "prix",
    )
}

# Wording of survey questions (Qualtrics/SurveyMonkey put the question in a header row).
QUESTION_WORDS: list[tuple[str, tuple[str, ...]]] = [
    ("nps", ("recommend", "recommander", "recommanderiez", "recommandiez")),
    ("ces", ("effort", "easy", "facile", "difficult")),
    ("csat", ("satisf",)),
    ("comment", ("why", "pourquoi", "reason", "raison", "comment", "tell us", "feedback",
                 "suggest", "improve", "ameliorer")),
]

QUALTRICS_META = {
    norm(c)
    for c in (
        "StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration (in seconds)",
        "Finished", "RecordedDate", "ResponseId", "RecipientLastName", "RecipientFirstName",
        "RecipientEmail", "ExternalReference", "ExternalDataReference", "LocationLatitude",
        "LocationLongitude", "DistributionChannel", "UserLanguage",
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


@dataclass
class Layout:
    """What the header rows say: layout name, data columns, and rows to skip after the header."""

    name: str  # generic | french_excel | ga4 | qualtrics | surveymonkey
    columns: list[str]  # unique, as shown to the user
    extra_header_rows: int = 0  # records after the first (header) row that are not data
    questions: dict[str, str] = field(default_factory=dict)  # column -> survey question text
    french: bool = False  # prefer dd/mm for ambiguous dates


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


def detect_layout(rows: list[list[str]], delimiter: str) -> Layout:
    """Recognise the export from its first records (header row first)."""
    header = rows[0]
    keys = {norm(c) for c in header}
    second = rows[1] if len(rows) > 1 else []
    third = rows[2] if len(rows) > 2 else []
    french = delimiter == ";" or bool(keys & FRENCH_HEADERS)

    if third and third[0].strip().startswith('{"ImportId"'):
        columns = unique_names(header)
        questions = {c: q for c, q in zip(columns, second, strict=False) if q.strip()}
        return Layout("qualtrics", columns, 2, questions, french)
    if "respondentid" in keys and second and any(
        c.strip().lower() in SURVEYMONKEY_ROW2 for c in second
    ):
        names, questions, question = [], {}, ""
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
        columns = unique_names(names)
        for c in columns:
            if norm(c) not in SURVEYMONKEY_META:
                questions[c] = c
        return Layout("surveymonkey", columns, 1, questions, french)
    columns = unique_names(header)
    if {"eventtimestamp", "eventname"} <= keys:
        return Layout("ga4", columns, 0, {}, french)
    if delimiter == ";":
        return Layout("french_excel", columns, 0, {}, True)
    return Layout("generic", columns, 0, {}, french)


def _is_score_column(values: list[str], low: int = 0, high: int = 10) -> bool:
    vals = [v.strip() for v in values if v.strip()]
    if not vals:
        return False
    ints = [int(v) for v in vals if re.fullmatch(r"\d+", v)]
    return len(ints) == len(vals) and all(low <= i <= high for i in ints)


def suggest_mapping(layout: Layout, data_rows: list[list[str]]) -> dict[str, str]:
    """Source column -> target field. Several sources for one target are tried in order."""
    cols = layout.columns
    values = {c: [r[i] for r in data_rows if i < len(r)] for i, c in enumerate(cols)}
    best: dict[str, tuple[int, str]] = {}
    for col in cols:
        key = norm(col)
        if layout.name == "qualtrics" and key in QUALTRICS_META - {
            norm("RecordedDate"), norm("EndDate"), norm("ExternalReference"),
            norm("ExternalDataReference"),
        }:
            continue
        hit = _SYN_INDEX.get(key)
        if hit is None:
            continue
        target, rank = hit
        if layout.name == "qualtrics" and target == "ts":
            rank = 0 if key == "recordeddate" else 1  # RecordedDate is when it was submitted
        if target not in best or rank < best[target][0]:
            best[target] = (rank, col)
    mapping = {col: target for target, (_, col) in best.items()}

    if layout.name == "ga4":
        # GA4: the signed-in user_id when present, the device's user_pseudo_id otherwise.
        ids = [c for c in cols if norm(c) in ("userid", "userpseudoid")]
        ids.sort(key=lambda c: norm(c) != "userid")
        for c in list(mapping):
            if mapping[c] == "customer_id":
                del mapping[c]
        for c in ids:
            mapping[c] = "customer_id"
    if layout.name == "surveymonkey" and "customer_id" not in mapping.values():
        custom = next((c for c in cols if norm(c) == "customdata1"), None)
        if custom and any(v.strip() for v in values.get(custom, [])):
            mapping[custom] = "customer_id"
        else:
            rid = next((c for c in cols if norm(c) == "respondentid"), None)
            if rid:
                mapping[rid] = "customer_id"
    if layout.questions:
        _map_questions(layout, values, mapping)
    return mapping


def _map_questions(layout: Layout, values: dict[str, list[str]], mapping: dict[str, str]) -> None:
    """Survey questions: NPS by its _NPS_GROUP sibling, its wording, or its 0-10 answers."""
    taken = set(mapping.values())
    keys = {norm(c): c for c in layout.columns}
    meta = QUALTRICS_META | SURVEYMONKEY_META
    for col in layout.columns:
        if col.upper().endswith("_NPS_GROUP"):
            base = keys.get(norm(col[: -len("_NPS_GROUP")]))
            if base and "nps" not in taken:
                mapping[base] = "nps"
                taken.add("nps")
    for col, question in layout.questions.items():
        if col in mapping or norm(col) in meta or col.upper().endswith("_NPS_GROUP"):
            continue
        text = question.lower()
        for target, words in QUESTION_WORDS:
            if target in taken or not any(w in text for w in words):
                continue
            if target in SCORE_RANGES and not _is_score_column(values.get(col, []), 0, 10):
                continue  # "why would you recommend...?" is the comment, not the score
            mapping[col] = target
            taken.add(target)
            break
    if "nps" not in taken:
        for col in layout.columns:
            if col in mapping or norm(col) in meta or col.upper().endswith("_NPS_GROUP"):
                continue
            vals = values.get(col, [])
            varied = any(v.strip() not in ("0", "1") for v in vals if v.strip())
            if _is_score_column(vals) and varied:
                mapping[col] = "nps"
                break


def detect_kind(targets: set[str]) -> str | None:
    """Kind of data from the mapped fields; None when the columns do not say."""
    if targets & set(SCORE_FIELDS):
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
