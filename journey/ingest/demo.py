"""The built-in demo data: Maison Lumière, a fictional omnichannel home-goods retailer.

Each persona walks a Markov chain over touchpoints (plus an END state). The chain is stepped
for every customer of a batch at once with numpy (~10.5 events a customer on average), and
DuckDB loads each table of a batch from one pandas frame in a single INSERT. Batches of
BATCH_CUSTOMERS customers keep a million-customer demo (~10.5M events) within the memory of
one batch; a demo up to that size is a single batch.

Everything is drawn from one `numpy.random.Generator` seeded by `seed`, and dates are fixed
(2026-01-01 .. 2026-06-30), so a seed always gives the same data, whatever today is.
"""

from __future__ import annotations

import ctypes
import gc
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from journey.db.store import EVENT_ID_STRIDE, Store, StoreError, memory_limit
from journey.ingest.demo_comments import CAUSES, COMMENTS, SENTIMENTS
from journey.voc import sentiment, themes

# -- the world ------------------------------------------------------------------------
WINDOW_START = np.datetime64("2026-01-01", "D")
N_DAYS = 181  # 2026-01-01 .. 2026-06-30
# When people are active, by hour of day (7:00-24:00): busy lunchtimes and evenings.
HOUR_WEIGHTS = np.array([1, 2, 3, 4, 4, 6, 6, 4, 4, 4, 5, 7, 9, 10, 9, 6, 3], dtype=float)
GENERATOR_VERSION = 4  # part of the content hash: bump when the data it draws changes
MAX_STEPS = 64  # a journey longer than this is cut short (very rare: ~0.1% of customers)
# Customers drawn (and loaded) at a time: a bigger demo is drawn in batches, so its memory
# stays that of one batch (~1M events) whatever its size. Up to this size a demo is one
# batch, drawn exactly as before batches existed.
BATCH_CUSTOMERS = 100_000
# While a demo of more than one batch loads, its rows wait in memory for the one commit, and
# the journey tables are built (at that commit) on top of them: DuckDB's working memory is
# held to this meanwhile (spilling to disk beyond it), so a million-customer demo loads under
# 2 GB. The store's own limit is back once the demo is in.
BIG_DEMO_MEMORY_LIMIT = "500MB"

STAGES = ["awareness", "consideration", "purchase", "retention", "advocacy"]

# name, stage, channel, online
TOUCHPOINTS: list[tuple[str, str, str, bool]] = [
    ("Social ad", "awareness", "social", True),
    ("Influencer post", "awareness", "social", True),
    ("Word of mouth", "awareness", "in person", False),
    ("Search engine", "awareness", "search", True),
    ("Newsletter", "awareness", "e-mail", True),
    ("Catalogue", "awareness", "print", False),
    ("Comparison site", "consideration", "web", True),
    ("Review site", "consideration", "web", True),
    ("Product page", "consideration", "web", True),
    ("Store visit", "consideration", "store", False),
    ("Chatbot", "consideration", "web", True),
    ("Hotline", "consideration", "phone", False),
    ("Cart", "purchase", "web", True),
    ("Checkout", "purchase", "web", True),
    ("Payment", "purchase", "web", True),
    ("Payment failed", "purchase", "web", True),
    ("In-store purchase", "purchase", "store", False),
    ("Delivery", "retention", "delivery", False),
    ("Delivery delayed", "retention", "e-mail", True),
    ("Unboxing", "retention", "in person", False),
    ("Follow-up e-mail", "retention", "e-mail", True),
    ("Customer service", "retention", "phone", False),
    ("Loyalty programme", "retention", "app", True),
    ("Community", "advocacy", "web", True),
    ("Review written", "advocacy", "web", True),
    ("Referral", "advocacy", "web", True),
    ("Social share", "advocacy", "social", True),
]
# The brand's own web touchpoints: an app user on a phone meets them in the app instead.
APP_CAPABLE = {"Product page", "Chatbot", "Cart", "Checkout", "Payment", "Payment failed",
               "Review written", "Community"}
PURCHASES = {"Payment", "In-store purchase"}  # the events that carry revenue
END = "END"

# Base transitions: from -> {to: weight}. Weights are relative; END stops the journey, so
# the END weight of a touchpoint is its drop-off. Self-loops give consecutive repeats: the
# browsing before a purchase (several product pages, comparison sites and reviews, a refined
# search, items added to the cart one by one), a chatbot conversation of several messages,
# newsletters received before one is clicked, a series of follow-up e-mails. A self-loop's
# weight changes only how long a customer stays at a touchpoint, never where they go next
# (the other weights of its row keep their ratios): the journeys with consecutive repeats
# collapsed, the drop-offs, conversions and survey scores keep the same law whatever it is.
BASE: dict[str, dict[str, float]] = {
    "Social ad": {"Social ad": .25, "Product page": .35, "Search engine": .12,
                  "Influencer post": .12, "Review site": .05, END: .08},
    "Influencer post": {"Product page": .40, "Social ad": .15, "Review site": .10,
                        "Search engine": .15, "Influencer post": .10, END: .08},
    "Word of mouth": {"Search engine": .30, "Store visit": .30, "Product page": .20, END: .06},
    "Search engine": {"Product page": .45, "Comparison site": .20, "Review site": .15,
                      "Search engine": .15, END: .06},
    "Newsletter": {"Product page": .50, "Store visit": .10, "Social ad": .10, "Newsletter": .20,
                   END: .12},
    "Catalogue": {"Store visit": .40, "Hotline": .15, "Product page": .20, END: .15},
    "Comparison site": {"Product page": .50, "Comparison site": .45, "Review site": .10,
                        END: .08},
    "Review site": {"Product page": .50, "Comparison site": .10, "Store visit": .10,
                    "Review site": .25, END: .10},
    "Product page": {"Product page": 1.0, "Cart": .28, "Chatbot": .06, "Review site": .07,
                     "Comparison site": .05, "Store visit": .05, "Hotline": .02, END: .07},
    "Store visit": {"In-store purchase": .50, "Product page": .15, "Store visit": .05,
                    END: .18},
    "Chatbot": {"Product page": .40, "Cart": .20, "Hotline": .10, "Chatbot": .25, END: .15},
    "Hotline": {"Product page": .25, "Checkout": .15, "Store visit": .15, END: .25},
    "Cart": {"Checkout": .60, "Product page": .15, "Cart": .35, END: .15},
    "Checkout": {"Payment": .78, "Payment failed": .09, END: .13},
    "Payment failed": {"Checkout": .45, "Hotline": .15, END: .30},
    "Payment": {"Delivery": .86, "Delivery delayed": .10, END: .04},
    "In-store purchase": {"Follow-up e-mail": .35, "Loyalty programme": .15, "Unboxing": .30,
                          END: .20},
    "Delivery": {"Unboxing": .70, "Customer service": .08, "Follow-up e-mail": .12, END: .05},
    "Delivery delayed": {"Delivery": .60, "Customer service": .35, END: .05},
    "Unboxing": {"Follow-up e-mail": .55, "Review written": .12, "Social share": .05,
                 "Customer service": .06, END: .12},
    # Follow-up e-mail -> Product page is the repeat-purchase loop.
    "Follow-up e-mail": {"Product page": .55, "Review written": .15, "Loyalty programme": .12,
                         "Follow-up e-mail": .20, "Community": .04, END: .18},
    "Customer service": {"Customer service": .15, "Follow-up e-mail": .25,
                         "Review written": .10, END: .35},
    "Loyalty programme": {"Product page": .40, "Community": .10, "Referral": .08, END: .35},
    "Community": {"Community": .20, "Referral": .20, "Review written": .15,
                  "Product page": .10, END: .30},
    "Review written": {"Social share": .10, "Referral": .10, "Community": .05, END: .60},
    "Referral": {"Community": .10, "Product page": .10, END: .70},
    "Social share": {"Referral": .15, END: .75},
}


@dataclass(frozen=True)
class Persona:
    name: str
    description: str
    share: float  # of all customers
    start: dict[str, float]  # where journeys begin
    tweaks: dict[tuple[str, str], float]  # (from, to) -> multiplier on BASE; "*" = any
    devices: dict[str, float]  # discovery device
    buy_devices: dict[str, float]  # device after a mid-journey switch
    switch: float  # chance to switch device at the purchase stage
    app_user: float  # chance to use the app rather than the mobile site
    pace: float  # multiplies every gap between events
    nps_base: float  # mean NPS of a smooth journey
    basket: float  # mean order value, EUR
    survey_rate: float  # chance to answer the survey of a stage reached
    age_bands: dict[str, float]


PERSONAS: list[Persona] = [
    Persona(
        name="Busy parent",
        description="Shops on the phone between two school runs; app first, quick, abandons "
        "carts when interrupted.",
        share=0.30,
        start={"Social ad": .45, "Influencer post": .25, "Search engine": .15,
               "Newsletter": .10, "Word of mouth": .05},
        tweaks={("Cart", END): 2.4, ("Product page", "Chatbot"): 1.5, ("*", "Store visit"): 0.4,
                ("*", "Hotline"): 0.3, ("Social ad", "Social ad"): 1.3},
        devices={"mobile": .78, "tablet": .12, "desktop": .10},
        buy_devices={"desktop": .75, "tablet": .25},
        switch=0.45, app_user=0.65, pace=0.6, nps_base=8.1, basket=85.0,
        survey_rate=0.20, age_bands={"25-34": .45, "35-44": .50, "45-54": .05},
    ),
    Persona(
        name="Cautious senior",
        description="Reads the catalogue, visits the store and calls the hotline before buying "
        "on a desktop; slow, and gives up when the payment fails.",
        share=0.20,
        start={"Catalogue": .30, "Word of mouth": .25, "Search engine": .20, "Newsletter": .20,
               "Social ad": .05},
        tweaks={("Product page", "Store visit"): 2.5, ("*", "Hotline"): 4.0,
                ("Checkout", END): 2.0, ("Checkout", "Payment failed"): 4.0,
                ("Payment failed", END): 2.0, ("Payment failed", "Checkout"): 0.6,
                ("*", "Chatbot"): 0.3, ("Cart", END): 1.2},
        devices={"desktop": .60, "tablet": .28, "mobile": .12},
        buy_devices={"desktop": 1.0},
        switch=0.20, app_user=0.05, pace=2.0, nps_base=8.0, basket=140.0,
        survey_rate=0.40, age_bands={"55-64": .40, "65-74": .45, "75+": .15},
    ),
    Persona(
        name="Deal hunter",
        description="Starts on search engines and comparison sites, waits for promotions, "
        "buys small baskets often.",
        share=0.30,
        start={"Search engine": .45, "Comparison site": .25, "Social ad": .15,
               "Newsletter": .15},
        tweaks={("*", "Comparison site"): 2.5, ("Product page", "Product page"): 1.3,
                ("Follow-up e-mail", "Product page"): 2.6,
                ("Loyalty programme", "Product page"): 1.5, ("Cart", END): 1.3,
                ("*", "Review written"): 0.6, ("*", "Community"): 0.4, ("*", "Referral"): 0.5},
        devices={"desktop": .50, "mobile": .40, "tablet": .10},
        buy_devices={"desktop": .80, "mobile": .20},
        switch=0.40, app_user=0.30, pace=1.0, nps_base=7.4, basket=55.0,
        survey_rate=0.25, age_bands={"18-24": .30, "25-34": .40, "35-44": .20, "45-54": .10},
    ),
    Persona(
        name="Loyal enthusiast",
        description="Knows the brand, buys again, joins the community and brings friends "
        "along.",
        share=0.20,
        start={"Newsletter": .35, "Word of mouth": .20, "Influencer post": .20,
               "Community": .10, "Product page": .15},
        tweaks={("Cart", "Checkout"): 1.4, ("Cart", END): 0.5, ("*", "Community"): 3.0,
                ("*", "Referral"): 3.0, ("*", "Review written"): 2.0,
                ("*", "Loyalty programme"): 2.5, ("Follow-up e-mail", "Product page"): 1.5,
                ("Unboxing", "Social share"): 3.0, ("Product page", END): 0.6},
        devices={"mobile": .50, "desktop": .35, "tablet": .15},
        buy_devices={"desktop": .60, "mobile": .40},
        switch=0.35, app_user=0.70, pace=1.0, nps_base=9.0, basket=120.0,
        survey_rate=0.45, age_bands={"25-34": .30, "35-44": .35, "45-54": .25, "55-64": .10},
    ),
]

# Mean gap (hours) before an event, by (stage of previous event, stage of this one);
# a step inside a stage is a click in the same session. Overridden per touchpoint below.
STAGE_GAP_H = np.array([
    # to: aware  consid  purch  retent  advoc      from:
    [0.05, 6.0, 24.0, 48.0, 96.0],  # awareness
    [72.0, 0.06, 4.0, 48.0, 96.0],  # consideration
    [96.0, 48.0, 0.04, 60.0, 96.0],  # purchase
    [240.0, 500.0, 48.0, 60.0, 72.0],  # retention (-> consideration: next purchase)
    [240.0, 400.0, 48.0, 72.0, 24.0],  # advocacy
])
TOUCHPOINT_GAP_H = {
    ("Payment", "Delivery"): 60.0,
    ("Payment", "Delivery delayed"): 72.0,
    ("Delivery delayed", "Delivery"): 150.0,
    ("Delivery", "Unboxing"): 2.0,
    ("In-store purchase", "Unboxing"): 3.0,
    ("Payment failed", "Checkout"): 0.05,
    ("Payment failed", "Hotline"): 0.5,
}

REGIONS = {"Île-de-France": .30, "Auvergne-Rhône-Alpes": .14, "Provence-Alpes-Côte d'Azur": .10,
           "Nouvelle-Aquitaine": .10, "Occitanie": .10, "Hauts-de-France": .08,
           "Grand Est": .08, "Bretagne": .05, "Belgique": .05}

# Survey comments: per touchpoint and sentiment (and cause), in demo_comments.py.
FRENCH_SHARE = 0.6  # a French brand: most comments are in French

# The French demo (`lang="fr"`, loaded when the app speaks French): the same customers and
# numbers, with the names a French team would use. Stage keys stay as they are (their labels
# are translated by the app).
NAMES_FR: dict[str, str] = {
    # touchpoints
    "Social ad": "Publicité réseaux sociaux", "Influencer post": "Publication d'influenceur",
    "Word of mouth": "Bouche-à-oreille", "Search engine": "Moteur de recherche",
    "Newsletter": "Lettre d'information", "Catalogue": "Catalogue papier",
    "Comparison site": "Comparateur de prix", "Review site": "Site d'avis",
    "Product page": "Fiche produit", "Store visit": "Visite en magasin",
    "Chatbot": "Assistant en ligne", "Hotline": "Hotline", "Cart": "Panier",
    "Checkout": "Validation de commande", "Payment": "Paiement",
    "Payment failed": "Paiement refusé", "In-store purchase": "Achat en magasin",
    "Delivery": "Livraison", "Delivery delayed": "Livraison retardée",
    "Unboxing": "Déballage", "Follow-up e-mail": "E-mail de suivi",
    "Customer service": "Service client", "Loyalty programme": "Programme de fidélité",
    "Community": "Communauté", "Review written": "Avis publié", "Referral": "Parrainage",
    "Social share": "Partage sur les réseaux",
    # channels
    "social": "réseaux sociaux", "in person": "en personne", "search": "recherche",
    "e-mail": "e-mail", "print": "imprimé", "web": "web", "store": "magasin",
    "phone": "téléphone", "delivery": "livraison", "app": "appli",
    # devices
    "mobile": "mobile", "desktop": "ordinateur", "tablet": "tablette",
    "in-store": "en magasin", "offline": "hors ligne",
}
PERSONAS_FR: dict[str, tuple[str, str]] = {
    "Busy parent": (
        "Parent pressé",
        "Achète sur son téléphone entre deux trajets d'école\u202f; l'appli d'abord, vite, "
        "et abandonne son panier quand on l'interrompt."),
    "Cautious senior": (
        "Senior prudent",
        "Lit le catalogue, passe en magasin et appelle la hotline avant d'acheter sur "
        "ordinateur\u202f; prend son temps, et renonce quand le paiement échoue."),
    "Deal hunter": (
        "Chasseur de bonnes affaires",
        "Part des moteurs de recherche et des comparateurs, attend les promotions, achète "
        "souvent de petits paniers."),
    "Loyal enthusiast": (
        "Fan fidèle",
        "Connaît la marque, rachète, rejoint la communauté et y amène ses amis."),
}
DEMO_LANGS = ("en", "fr")


def _names(names: list[str], lang: str) -> list[str]:
    return [NAMES_FR.get(n, n) for n in names] if lang == "fr" else list(names)


# -- the chain as arrays --------------------------------------------------------------
TP_NAMES = [tp[0] for tp in TOUCHPOINTS]
TP_INDEX = {name: i for i, name in enumerate(TP_NAMES)}
N_TP = len(TP_NAMES)
END_I = N_TP  # the END state's index
TP_STAGE = np.array([STAGES.index(tp[1]) for tp in TOUCHPOINTS], dtype=np.int8)
DEVICES = ["mobile", "desktop", "tablet", "in-store", "phone", "offline"]
CHANNELS = sorted({tp[2] for tp in TOUCHPOINTS} | {"app"})


def _transition_matrix(p: Persona) -> np.ndarray:
    """(N_TP, N_TP + 1) row-stochastic matrix of one persona: BASE times its tweaks."""
    m = np.zeros((N_TP, N_TP + 1))
    for src, row in BASE.items():
        for dst, w in row.items():
            m[TP_INDEX[src], END_I if dst == END else TP_INDEX[dst]] = w
    for (src, dst), factor in p.tweaks.items():
        rows = slice(None) if src == "*" else TP_INDEX[src]
        cols = slice(None) if dst == "*" else (END_I if dst == END else TP_INDEX[dst])
        m[rows, cols] *= factor
    return m / m.sum(axis=1, keepdims=True)


def _comment_table(lang: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """COMMENTS[lang] as flat arrays, so a million answers get their comment by indexing:
    (texts, offset[category, touchpoint], count[category, touchpoint]); categories are
    SENTIMENTS then CAUSES, and a count of 0 means that touchpoint has no such list."""
    cats = SENTIMENTS + CAUSES
    texts: list[str] = []
    offset = np.zeros((len(cats), N_TP), dtype=np.int64)
    count = np.zeros((len(cats), N_TP), dtype=np.int64)
    for c, cat in enumerate(cats):
        for t, name in enumerate(TP_NAMES):
            found = COMMENTS[lang][name].get(cat, [])
            offset[c, t], count[c, t] = len(texts), len(found)
            texts.extend(found)
    return np.array(texts, dtype=object), offset, count


def _check_tables() -> None:
    # Catch typos in the tables above at import time, not as silent zero probabilities.
    assert set(BASE) == set(TP_NAMES), set(TP_NAMES) ^ set(BASE)
    known = set(TP_NAMES) | {END, "*"}
    for p in PERSONAS:
        assert set(p.start) <= set(TP_NAMES), p.name
        assert all(s in known and d in known for s, d in p.tweaks), p.name
    assert abs(sum(p.share for p in PERSONAS) - 1) < 1e-9
    # Every touchpoint has every sentiment in both languages, the same number of texts in
    # each (the French demo draws the same comment by index), and causes only where known.
    for name in TP_NAMES:
        en, fr = COMMENTS["en"][name], COMMENTS["fr"][name]
        assert set(SENTIMENTS) <= set(en) <= set(SENTIMENTS + CAUSES), name
        assert {k: len(v) for k, v in en.items()} == {k: len(v) for k, v in fr.items()}, name
        assert all(en[s] for s in SENTIMENTS), name
    assert set(COMMENTS["en"]) == set(COMMENTS["fr"]) == set(TP_NAMES)


_check_tables()
COMMENT_TABLES = {lang: _comment_table(lang) for lang in ("en", "fr")}


def _pick(rng: np.random.Generator, probs: dict[str, float], size: int,
          labels: list[str] | None = None) -> np.ndarray:
    """Indices (into `labels`, default the dict's keys) drawn with the dict's weights."""
    keys = list(probs)
    w = np.array([probs[k] for k in keys])
    idx = rng.choice(len(keys), size=size, p=w / w.sum())
    if labels is None:
        return idx
    return np.array([labels.index(k) for k in keys])[idx]


def _wall_clock(awake_s: np.ndarray) -> np.ndarray:
    """Seconds on the awake clock -> timestamps; monotonic, so journey order is kept."""
    day, frac = np.divmod(np.clip(awake_s, 0, N_DAYS * 86400 - 1), 86400.0)
    knots = np.concatenate(([0.0], np.cumsum(HOUR_WEIGHTS) / HOUR_WEIGHTS.sum()))
    hours = np.interp(frac / 86400.0, knots, np.arange(24 - len(HOUR_WEIGHTS), 25))
    secs = day * 86400 + np.minimum(hours * 3600, 86399)
    return (WINDOW_START.astype("datetime64[s]") + secs.astype("timedelta64[s]")).astype(
        "datetime64[us]")


def _segment_cumsum(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Cumulative sum restarting at each customer's first event (`starts` = row offsets)."""
    total = np.cumsum(values)
    offset = np.repeat(total[starts] - values[starts], np.diff(np.append(starts, len(values))))
    return total - offset


# -- generation -----------------------------------------------------------------------
@dataclass
class SampleData:
    """The demo as frames, ready to load (ids relative to the import: 0, 1, ...)."""

    touchpoints: pd.DataFrame
    personas: pd.DataFrame
    customers: pd.DataFrame
    events: pd.DataFrame
    responses: pd.DataFrame


def generate(customers: int = 5000, seed: int = 42, lang: str = "en") -> SampleData:
    """Draw the whole demo for `customers` customers; the same seed gives the same frames.

    `lang="fr"`: the same draws (so the same numbers), with French touchpoint, channel,
    device and persona names, and every comment in French. Above BATCH_CUSTOMERS the
    batches of `generate_batches` are put end to end (`load_sample` loads them one by one
    instead, so a million customers never sit in memory at once).
    """
    batches = list(generate_batches(customers, seed, lang))
    if len(batches) == 1:
        return batches[0]
    return SampleData(
        touchpoints=batches[0].touchpoints,
        personas=batches[0].personas,
        **{name: pd.concat([getattr(b, name) for b in batches], ignore_index=True)
           for name in ("customers", "events", "responses")},
    )


def generate_batches(customers: int = 5000, seed: int = 42,
                     lang: str = "en") -> Iterator[SampleData]:
    """The demo in batches of at most BATCH_CUSTOMERS customers, each a complete
    SampleData (ids continue from the batch before: customers ML-0000001.., events and
    responses 0..). The first batch draws from `default_rng(seed)` as a one-batch demo
    always did, so a demo of up to BATCH_CUSTOMERS customers is unchanged; batch k >= 1
    draws from `default_rng([seed, k])` (customers are independent of each other)."""
    if customers < 1:
        raise StoreError("The demo needs at least one customer (--customers 1 or more).")
    if lang not in DEMO_LANGS:
        raise StoreError(f"The demo speaks {' or '.join(DEMO_LANGS)}, not {lang!r}.")
    events = responses = 0
    for k, first in enumerate(range(0, customers, BATCH_CUSTOMERS)):
        rng = np.random.default_rng(seed if k == 0 else [seed, k])
        batch = _draw(rng, min(BATCH_CUSTOMERS, customers - first), lang, first, events,
                      responses)
        events += len(batch.events)
        responses += len(batch.responses)
        yield batch


def _draw(rng: np.random.Generator, n: int, lang: str, first_customer: int,
          first_event: int, first_response: int) -> SampleData:
    """One batch of `n` customers, numbered from `first_customer` (0-based), their events
    and responses from `first_event` / `first_response`."""

    # Customers: persona, devices, app use.
    persona = rng.choice(len(PERSONAS), size=n, p=[p.share for p in PERSONAS]).astype(np.int8)
    dev_a = np.empty(n, np.int8)
    dev_b = np.empty(n, np.int8)
    app_user = np.empty(n, bool)
    age = np.empty(n, object)
    for k, p in enumerate(PERSONAS):
        sel = np.flatnonzero(persona == k)
        dev_a[sel] = _pick(rng, p.devices, len(sel), DEVICES)
        switch = rng.random(len(sel)) < p.switch
        other = _pick(rng, p.buy_devices, len(sel), DEVICES)
        # A "switch" to the same device is no switch: the customer keeps it.
        dev_b[sel] = np.where(switch, other, dev_a[sel])
        app_user[sel] = rng.random(len(sel)) < p.app_user
        ages = list(p.age_bands)
        age[sel] = np.array(ages, dtype=object)[_pick(rng, p.age_bands, len(sel))]
    region = np.array(list(REGIONS), dtype=object)[_pick(rng, REGIONS, n)]

    # Journeys: step the chain for everyone at once. Each (persona, state) row's cumulative
    # probabilities are shifted by the row number so one searchsorted samples every row.
    cum = np.stack([np.cumsum(_transition_matrix(p), axis=1) for p in PERSONAS])
    cum[:, :, -1] = 1.0  # guard against rounding: u < 1 always lands on a state
    n_rows = len(PERSONAS) * N_TP
    flat = (cum.reshape(n_rows, N_TP + 1) + np.arange(n_rows)[:, None]).ravel()
    states = np.full((n, MAX_STEPS), END_I, dtype=np.int8)
    for k, p in enumerate(PERSONAS):
        sel = np.flatnonzero(persona == k)
        states[sel, 0] = _pick(rng, p.start, len(sel), TP_NAMES)
    active = np.arange(n)
    for step in range(1, MAX_STEPS):
        row = persona[active].astype(np.int64) * N_TP + states[active, step - 1]
        u = rng.random(len(active))
        nxt = np.searchsorted(flat, row + u, side="right") - row * (N_TP + 1)
        states[active, step] = nxt
        active = active[nxt != END_I]
        if not len(active):
            break

    # Flatten to events in customer order, then step order: that order is the event id.
    mask = states != END_I
    length = mask.sum(axis=1)
    cust = np.repeat(np.arange(n, dtype=np.int32), length)
    tp = states[mask].astype(np.int8)
    starts = np.concatenate(([0], np.cumsum(length)[:-1]))
    m = len(tp)
    first = np.zeros(m, bool)
    first[starts] = True
    prev = np.where(first, tp, np.roll(tp, 1))
    stage = TP_STAGE[tp]
    pers = persona[cust]

    # Time: gaps from the stage/touchpoint tables, scaled by the persona's pace.
    gap_mean = STAGE_GAP_H[TP_STAGE[:, None], TP_STAGE[None, :]]
    for (a, b), hours in TOUCHPOINT_GAP_H.items():
        gap_mean[TP_INDEX[a], TP_INDEX[b]] = hours
    pace = np.array([p.pace for p in PERSONAS])[pers]
    gap_s = rng.exponential(1.0, m) * gap_mean[prev, tp] * 3600 * pace + 20
    gap_s[first] = 0
    offset_s = _segment_cumsum(gap_s, starts)
    duration = offset_s[starts + length - 1]
    # Times are drawn on an "awake clock" (every second is one people are active in) and
    # mapped to the wall clock by _wall_clock, so nobody shops at 4 a.m.
    window = float(N_DAYS * 86400)
    # Journeys start anywhere that lets them finish in the window; the few longer than the
    # window are squeezed into it.
    squeeze = np.minimum(1.0, window / np.maximum(duration, 1))
    start_s = rng.random(n) * np.maximum(window - duration * squeeze, 0)
    ts_s = start_s[cust] + offset_s * squeeze[cust]
    ts = _wall_clock(ts_s)

    # Device: online touchpoints use the discovery device, then (after a switch) the buying
    # device from the purchase stage on; offline ones have their own.
    online = np.array([t[3] for t in TOUCHPOINTS])
    channel_of = np.array([CHANNELS.index(t[2]) for t in TOUCHPOINTS], dtype=np.int8)
    offline_dev = np.array(
        [DEVICES.index({"store": "in-store", "phone": "phone"}.get(t[2], "offline"))
         for t in TOUCHPOINTS], dtype=np.int8)
    device = np.where(stage >= STAGES.index("purchase"), dev_b[cust], dev_a[cust])
    device = np.where(online[tp], device, offline_dev[tp]).astype(np.int8)
    app_capable = np.array([name in APP_CAPABLE for name in TP_NAMES])
    in_app = app_capable[tp] & app_user[cust] & (device == DEVICES.index("mobile"))
    channel = np.where(in_app, CHANNELS.index("app"), channel_of[tp]).astype(np.int8)

    # Revenue on purchases: log-normal around the persona's basket.
    is_buy = np.isin(tp, [TP_INDEX[x] for x in PURCHASES])
    basket = np.array([p.basket for p in PERSONAS])[pers[is_buy]]
    revenue = np.full(m, np.nan)
    revenue[is_buy] = np.round(basket * rng.lognormal(-0.18, 0.6, is_buy.sum()), 2)

    ids = _customer_ids(n, first_customer)
    tp_names = _names(TP_NAMES, lang)
    events = pd.DataFrame({
        "event_id": np.arange(first_event, first_event + m, dtype=np.int64),
        "customer_id": pd.Categorical.from_codes(cust, ids),
        "ts": ts,
        "touchpoint": pd.Categorical.from_codes(tp, tp_names),
        "channel": pd.Categorical.from_codes(channel, _names(CHANNELS, lang)),
        "device": pd.Categorical.from_codes(device, _names(DEVICES, lang)),
        "stage": pd.Categorical.from_codes(stage, STAGES),
        "revenue": revenue,
    })

    responses = _responses(rng, cust, tp, stage, ts_s, pers, starts, ids, lang)
    responses["response_id"] += first_response
    personas = [(PERSONAS_FR[p.name] if lang == "fr" else (p.name, p.description))
                for p in PERSONAS]
    customers_df = pd.DataFrame({
        "customer_id": ids,
        "persona": pd.Categorical.from_codes(persona, [name for name, _ in personas]),
        "attributes": '{"age_band": "' + pd.Series(age, dtype=object) + '", "region": "'
        + pd.Series(region, dtype=object) + '", "app_user": '
        + pd.Series(np.where(app_user, "true", "false"), dtype=object) + "}",
    })
    touchpoints = pd.DataFrame(
        [(name, stage, _names([channel], lang)[0], online)
         for name, (_, stage, channel, online) in zip(tp_names, TOUCHPOINTS, strict=True)],
        columns=["touchpoint", "stage", "channel", "online"])
    return SampleData(
        touchpoints=touchpoints,
        personas=pd.DataFrame(personas, columns=["persona", "description"]),
        customers=customers_df,
        events=events,
        responses=responses,
    )


def _customer_ids(n: int, first: int = 0) -> np.ndarray:
    # "ML" for Maison Lumière, so demo ids do not clash with a real CRM's numbers.
    return np.char.add(
        "ML-", np.char.zfill(np.arange(first + 1, first + n + 1).astype(str), 7)).astype(object)


def _responses(rng: np.random.Generator, cust: np.ndarray, tp: np.ndarray, stage: np.ndarray,
               ts_s: np.ndarray, pers: np.ndarray, starts: np.ndarray,
               ids: np.ndarray, lang: str = "en") -> pd.DataFrame:
    """One survey per stage a customer reached (answered at the survey rate), scored by
    what that customer had been through by then."""
    failed = _segment_cumsum((tp == TP_INDEX["Payment failed"]).astype(np.int32), starts) > 0
    late = _segment_cumsum((tp == TP_INDEX["Delivery delayed"]).astype(np.int32), starts) > 0
    calls = _segment_cumsum(
        np.isin(tp, [TP_INDEX["Hotline"], TP_INDEX["Customer service"]]).astype(np.int32), starts)
    bought = _segment_cumsum(np.isin(tp, [TP_INDEX[x] for x in PURCHASES]).astype(np.int32),
                             starts)

    # The survey follows the last event of each (customer, stage).
    key = cust.astype(np.int64) * len(STAGES) + stage
    _, last_rev = np.unique(key[::-1], return_index=True)
    at = len(key) - 1 - last_rev
    rate = np.array([p.survey_rate for p in PERSONAS])[pers[at]]
    at = np.sort(at[rng.random(len(at)) < rate])  # customer, then time order
    k = len(at)

    mu = (np.array([p.nps_base for p in PERSONAS])[pers[at]]
          - 4.0 * failed[at] - 4.0 * late[at] - 0.6 * np.minimum(calls[at], 3)
          + 0.4 * np.minimum(bought[at], 3) + 0.3 * (stage[at] == STAGES.index("advocacy")))
    nps = np.clip(np.rint(rng.normal(mu, 1.3)), 0, 10).astype(np.int64)
    csat = np.clip(np.rint(nps / 2.2 + 0.6 + rng.normal(0, 0.6, k)), 1, 5)
    csat = pd.array(np.where(rng.random(k) < 0.5, csat, np.nan)).astype("Int64")
    ces = np.clip(np.rint(mu * 0.6 + 1 + rng.normal(0, 0.8, k) - 1.5 * failed[at]), 1, 7)
    has_ces = (stage[at] >= STAGES.index("purchase")) & (rng.random(k) < 0.6)
    ces = pd.array(np.where(has_ces, ces, np.nan)).astype("Int64")

    # Comments: about the touchpoint answered about, in the score's sentiment; a detractor
    # names the cause (a failed payment, a late parcel) where that touchpoint has such words.
    # The draws (`french`, `pick`) are the same whatever the texts, so every other figure of
    # the demo stays as it was.
    where = tp[at]
    cats = SENTIMENTS + CAUSES
    has = {c: COMMENT_TABLES["en"][2][cats.index(c)] > 0 for c in CAUSES}
    category = np.select(
        [(nps <= 6) & failed[at] & has["payment"][where],
         (nps <= 6) & late[at] & has["delivery"][where], nps <= 6, nps <= 8],
        [cats.index("payment"), cats.index("delivery"), cats.index("negative"),
         cats.index("passive")], cats.index("positive"))
    french = rng.random(k) < FRENCH_SHARE  # drawn in both languages: the same numbers
    if lang == "fr":
        french[:] = True
    pick = rng.random(k)
    comment = np.full(k, None, dtype=object)
    for tongue, flag in (("fr", french), ("en", ~french)):
        texts, offset, count = COMMENT_TABLES[tongue]
        n_texts = count[category[flag], where[flag]]
        comment[flag] = texts[offset[category[flag], where[flag]]
                              + (pick[flag] * n_texts).astype(np.int64)]
    comment[rng.random(k) >= 0.45] = None  # most people skip the free-text box

    delay_s = rng.exponential(20 * 3600, k) + 600
    resp_ts = _wall_clock(np.minimum(ts_s[at] + delay_s, N_DAYS * 86400 - 1))
    return pd.DataFrame({
        "response_id": np.arange(k, dtype=np.int64),
        "customer_id": pd.Categorical.from_codes(cust[at], ids),
        "ts": resp_ts,
        "stage": pd.Categorical.from_codes(stage[at], STAGES),
        "touchpoint": pd.Categorical.from_codes(tp[at], _names(TP_NAMES, lang)),
        "nps": nps,
        "csat": csat,
        "ces": ces,
        "comment": comment,
    })


# -- loading --------------------------------------------------------------------------
def content_hash(customers: int, seed: int, lang: str = "en") -> str:
    """What identifies one demo: the same seed, size and language give the same data."""
    text = f"parcours-demo:v{GENERATOR_VERSION}:seed={seed}:customers={customers}"
    if customers > BATCH_CUSTOMERS:  # drawn in batches since: not the data drawn before
        text += f":batches={BATCH_CUSTOMERS}"
    if lang != "en":
        text += f":lang={lang}"
    return "demo:" + hashlib.sha256(text.encode()).hexdigest()


def demo_file_name(customers: int, seed: int, lang: str = "en") -> str:
    if lang == "fr":
        return f"Données de démonstration (graine {seed}, {customers} clients)"
    return f"Demo data (seed {seed}, {customers} customers)"


def demo_import(store: Store) -> dict[str, Any] | None:
    """The demo import in the store (import_id, file_name, imported_at), or None."""
    rows = store.cursor().execute(
        "SELECT import_id, file_name, imported_at FROM imports WHERE kind = 'demo' "
        "ORDER BY import_id LIMIT 1"
    ).fetchall()
    if not rows:
        return None
    return dict(zip(("import_id", "file_name", "imported_at"), rows[0], strict=True))


def demo_share(store: Store) -> dict[str, Any] | None:
    """What the demo holds and what the user's own imports hold, side by side, when both
    are in the store: {"import_id", "demo": counts, "yours": counts} (counts of events,
    responses, customers); None without the demo."""
    found = demo_import(store)
    if found is None:
        return None
    cur = store.cursor()
    out: dict[str, Any] = {"import_id": int(found["import_id"])}
    for side, cond in (("demo", "IN"), ("yours", "NOT IN")):
        ids = f"import_id {cond} (SELECT import_id FROM imports WHERE kind = 'demo')"
        events, responses, customers = cur.execute(
            f"SELECT (SELECT count(*) FROM events WHERE {ids}), "
            f"(SELECT count(*) FROM responses WHERE {ids}), "
            f"(SELECT count(*) FROM (SELECT customer_id FROM events WHERE {ids} UNION "
            f"SELECT customer_id FROM responses WHERE {ids} AND customer_id IS NOT NULL UNION "
            f"SELECT customer_id FROM customers WHERE {ids}))"
        ).fetchone()
        out[side] = {"events": int(events), "responses": int(responses),
                     "customers": int(customers)}
    return out


def is_demo(store: Store) -> bool:
    """True when the store holds demo data (the app shows a banner then)."""
    return demo_import(store) is not None


def load_sample(store: Store, customers: int = 5000, seed: int = 42,
                lang: str = "en") -> dict[str, Any]:
    """Generate the demo (in `lang`: "en" or "fr") and load it as one import, in one
    transaction.

    Refused (StoreError, store unchanged) when a demo is already loaded: the same one would
    duplicate every row, and another one would reuse the same customer ids.
    """
    chash = content_hash(customers, seed, lang)
    _refuse_second_demo(store, chash)  # fail fast, before generating millions of rows
    name = demo_file_name(customers, seed, lang)
    if customers <= BATCH_CUSTOMERS:
        return _load(store, customers, seed, lang, chash, name)
    con = store.cursor()
    (background,) = con.execute(
        "SELECT current_setting('allocator_background_threads')").fetchall()[0]
    con.execute(f"SET memory_limit = '{BIG_DEMO_MEMORY_LIMIT}'")
    # DuckDB's allocator then hands freed memory back as it goes, not at its next task.
    con.execute("SET allocator_background_threads = true")
    try:
        return _load(store, customers, seed, lang, chash, name)
    finally:
        con.execute(f"SET memory_limit = '{memory_limit()}'")  # the store's own
        con.execute(f"SET allocator_background_threads = {bool(background)}")


def _load(store: Store, customers: int, seed: int, lang: str, chash: str,
          name: str) -> dict[str, Any]:
    summary = {"events": 0, "customers": 0, "responses": 0, "touchpoints": 0, "personas": 0}
    with store.transaction() as cur:
        _refuse_second_demo(store, chash, cur)
        # fetchall, not fetchone: DuckDB 2 refuses more work on a cursor with a half-read result.
        import_id = int(cur.execute(
            "SELECT coalesce(max(import_id), 0) + 1 FROM imports").fetchall()[0][0])
        summary["import_id"] = import_id
        # One batch of customers at a time, each dropped once in the store's tables: memory
        # stays that of a batch (the frames of a million customers are ~2 GB).
        for k, data in enumerate(generate_batches(customers, seed, lang)):
            _insert_batch(cur, data, import_id, first=k == 0)
            for key in ("events", "customers", "responses"):
                summary[key] += len(getattr(data, key))
            summary["touchpoints"] = len(data.touchpoints)
            summary["personas"] = len(data.personas)
            del data
        _give_back_memory()
        # The demo's comments get their sentiment like an imported survey's.
        sentiment.refresh(cur)
        _give_back_memory()
        themes.refresh(cur)
        _give_back_memory()
        summary = {key: summary[key] for key in (
            "import_id", "events", "customers", "responses", "touchpoints", "personas")}
        report = (f"Demo data, Maison Lumière (fictional home-goods retailer): "
                  f"{summary['events']} events, {summary['customers']} customers, "
                  f"{summary['responses']} survey responses, {summary['touchpoints']} "
                  f"touchpoints, {summary['personas']} personas; seed {seed}.")
        cur.execute(
            "INSERT INTO imports (import_id, file_name, content_hash, kind, layout, rows, "
            "skipped, imported_at, report) VALUES (?, ?, ?, 'demo', 'demo', ?, 0, "
            "now()::TIMESTAMP, ?)",
            [import_id, name, chash,
             summary["events"] + summary["responses"] + summary["customers"], report])
    return summary


def _give_back_memory() -> None:
    """Hand the memory a step of a big demo's load freed (drawing the batches, scoring or
    theming the comments) back to the system before the next step: glibc keeps freed small
    objects' pages otherwise, and the next step would pile up on top of them."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to trim
        pass


def _insert_batch(cur: Any, data: SampleData, import_id: int, *, first: bool) -> None:
    """One batch's rows into the store's tables (the touchpoint map and personas with the
    first batch: every batch carries the same)."""
    base = import_id * EVENT_ID_STRIDE
    views = (("demo_customers", data.customers), ("demo_events", data.events),
             ("demo_responses", data.responses))
    if first:
        views = (("demo_tp", data.touchpoints), ("demo_personas", data.personas), *views)
    for view, frame in views:
        cur.register(view, frame)
    try:
        if first:
            # A touchpoint or persona the user already mapped keeps the user's mapping.
            cur.execute(
                "INSERT INTO touchpoints (touchpoint, stage, channel, online, import_id) "
                "SELECT touchpoint, stage, channel, online, ? FROM demo_tp "
                "ON CONFLICT (touchpoint) DO NOTHING", [import_id])
            cur.execute(
                "INSERT INTO personas (persona, description, import_id) "
                "SELECT persona, description, ? FROM demo_personas "
                "ON CONFLICT (persona) DO NOTHING", [import_id])
        cur.execute(
            "INSERT INTO customers SELECT customer_id, CAST(persona AS VARCHAR), "
            "attributes, ? FROM demo_customers", [import_id])
        cur.execute(
            "INSERT INTO events SELECT event_id + ?, CAST(customer_id AS VARCHAR), ts, "
            "CAST(touchpoint AS VARCHAR), CAST(channel AS VARCHAR), CAST(device AS VARCHAR), "
            "CAST(stage AS VARCHAR), revenue, ?, NULL FROM demo_events", [base, import_id])
        cur.execute(
            "INSERT INTO responses (response_id, customer_id, ts, stage, touchpoint, nps, "
            "csat, ces, comment, import_id, ces_high_is_easy) "
            "SELECT response_id + ?, CAST(customer_id AS VARCHAR), ts, "
            "CAST(stage AS VARCHAR), CAST(touchpoint AS VARCHAR), nps, csat, ces, comment, "
            "?, TRUE FROM demo_responses", [base, import_id])
    finally:
        for view, _ in views:
            cur.unregister(view)


def _refuse_second_demo(store: Store, chash: str, cur: Any = None) -> None:
    cur = cur or store.cursor()
    rows = cur.execute(
        "SELECT import_id, file_name, imported_at, content_hash = ? FROM imports "
        "WHERE kind = 'demo' OR content_hash = ? ORDER BY import_id LIMIT 1", [chash, chash]
    ).fetchall()
    if not rows:
        return
    import_id, file_name, imported_at, same = rows[0]
    when = f"{imported_at:%Y-%m-%d %H:%M}"
    if same:
        raise StoreError(
            f"This demo data is already loaded: import {import_id} \"{file_name}\" "
            f"({when}). Loading it again would duplicate every row."
        )
    raise StoreError(
        f"The store already holds demo data: import {import_id} \"{file_name}\" ({when}). "
        f"Remove it first (python -m journey remove {import_id}) to load another demo."
    )
