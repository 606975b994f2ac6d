"""The journey map, filled from data: stages across, lanes down.

`build_map` gathers, per stage, what the CX team would otherwise type by hand: the
touchpoints met there, how many customers reach the stage and go on, how they feel (NPS,
or CSAT where nobody answered the NPS question), where it hurts (worst drop-off, or a
negative score, with that touchpoint's own negative comments) and the team's opportunities
(notes kept in the store); and the persona card (who, how many, on which channels/devices).
Every number comes from `reach` / `metrics` / `flows`, so the map and the other pages never
disagree: its n is the overview's customers, a stage's customers the funnel's "reached at
all" bar. Its title is written from the very `Filters` that ran its queries.

No streamlit here: the page, the exports and the CLI all draw from the same `JourneyMap`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from journey import i18n
from journey.analytics import fix_first, flows, metrics, reach, scope
from journey.analytics.filters import Filters
from journey.analytics.stats import (
    SMALL_SAMPLE,
    Difference,
    nps_difference,
    proportion_difference,
)
from journey.db.engine import Engine, EngineLike

# How many items each lane shows: a map on a slide must stay readable.
TOP_TOUCHPOINTS = 3
MAX_PAIN_POINTS = 2
VERBATIMS_PER_PAIN = 2
MIX_ITEMS = 3
# "Suggested from data" on the opportunities lane: the first rows of the "fix first" table
# that promise extra conversions (the "top three").
SUGGESTIONS = 3
# A drop-off rate over a handful of customers is noise, not a pain point.
MIN_PASSING = 5
MIN_SCORE_N = 5
# A score is a pain only when it is negative in itself, not merely below its stage: an NPS
# under 0 (more detractors than promoters), a CSAT with fewer than half satisfied. A +40
# touchpoint in a +60 stage is no pain point on a wall.
NEGATIVE_NPS_BELOW = 0.0
NEGATIVE_CSAT_BELOW = 50.0
# Verbatims fetched per (stage, touchpoint) before removing repeated words.
VERBATIM_CANDIDATES = 10
# Where a pain point's words come from.
VERBATIMS_TOUCHPOINT = "touchpoint"
VERBATIMS_STAGE = "stage"

# Lanes compared by `compare_maps`, all in "points" so their deltas are comparable:
# shares and rates in percentage points, NPS in NPS points.
LANE_REACH = "reach"
LANE_CONVERSION = "conversion"
LANE_SCORE = "score"
# compare_maps calls a move below this many customers (or answers) on either side noise.
MIN_COMPARE_N = SMALL_SAMPLE


@dataclass(frozen=True)
class TouchpointCell:
    name: str
    channel: str | None
    online: bool | None
    customers: int


@dataclass(frozen=True)
class PainPoint:
    touchpoint: str
    reason: str  # "dropoff" | "score"
    dropoff_rate: float | None
    passing: int | None
    score: float | None  # NPS (or CSAT) of the touchpoint
    score_metric: str | None
    score_n: int | None
    verbatims: tuple[str, ...] = ()
    # VERBATIMS_TOUCHPOINT: answers about this touchpoint; VERBATIMS_STAGE: none there, so
    # answers about the stage as a whole (no touchpoint named); None: no negative words.
    verbatim_scope: str | None = None


@dataclass(frozen=True)
class PersonaCard:
    """Who the map is about: the card a service designer pins at the map's left."""

    name: str | None  # None: all customers (no persona picked)
    description: str | None  # from the persona list; None when the data gives none
    customers: int  # customers on the map
    all_customers: int  # customers under the same filters, any persona
    share: float | None  # customers / all_customers
    channels: tuple[tuple[str, float], ...]  # top channels, share of the map's events
    devices: tuple[tuple[str, float], ...]  # top devices, share of the map's events


@dataclass(frozen=True)
class Suggestion:
    """A "fix first" row shown on the opportunities lane, beside (never instead of) the
    team's note: extra conversions (± margin) if the touchpoint's drop-off rate (%) fell to
    its stage's median (%). `noise`: a small sample or an interval that includes 0."""

    touchpoint: str
    rank: int
    extra_conversions: float
    extra_margin: float
    dropoff_rate: float
    stage_median_dropoff: float
    passing: int
    noise: bool


@dataclass(frozen=True)
class StageColumn:
    stage: str
    label: str
    position: int
    touchpoints: tuple[TouchpointCell, ...]
    customers: int  # reached the stage (or a later one) at all: the funnel's bar
    reach: float | None  # share of the journeys on the map
    conversion_to_next: float | None  # next stage's customers / these; None on the last
    score_metric: str | None  # "nps" | "csat" | None (no answers)
    score: float | None
    margin: float | None
    n: int
    small_sample: bool
    pain_points: tuple[PainPoint, ...]
    opportunity: str
    channel_mix: tuple[tuple[str, float], ...]  # (channel, share), all of them, largest first
    device_mix: tuple[tuple[str, float], ...]  # names translated: offline / unknown devices
    promoters: int = 0  # NPS answers behind the score (for a difference's margin)
    detractors: int = 0
    suggestions: tuple[Suggestion, ...] = ()  # "suggested from data", apart from the note


@dataclass(frozen=True)
class JourneyMap:
    title: str
    persona: str | None
    lang: str
    filters: Filters
    filters_text: str
    first_ts: dt.datetime | None
    last_ts: dt.datetime | None
    n: int  # customers on the map
    responses: int
    stages: tuple[StageColumn, ...] = field(default_factory=tuple)
    card: PersonaCard | None = None

    @property
    def is_empty(self) -> bool:
        return self.n == 0 and self.responses == 0

    @property
    def date_range(self) -> str:
        if self.first_ts is None or self.last_ts is None:
            return ""
        return f"{self.first_ts:%Y-%m-%d} – {self.last_ts:%Y-%m-%d}"

    def stage(self, key: str) -> StageColumn | None:
        for s in self.stages:
            if s.stage == key:
                return s
        return None


# -- small helpers -------------------------------------------------------------------------
def _t(key: str, lang: str, **kw: Any) -> str:
    return i18n.t(key, lang, **kw)


def _stage_label(stage: str, lang: str, stages_df: pd.DataFrame | None) -> str:
    return i18n.stage_label(stage, lang, stages_df)


def _num(value: Any) -> float | None:
    """A plain float, or None for NULL/NaN (pandas gives both)."""
    if value is None:
        return None
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def _int(value: Any) -> int:
    f = _num(value)
    return int(f) if f is not None else 0


_UNKNOWN = {"channel": "map.channel_unknown", "device": "map.device_unknown"}


def touchpoint_detail(tp: TouchpointCell, lang: str) -> str:
    """Under a touchpoint on the map: its channel, online or offline, its customers
    ("web · online · 120"). A channel the offline words already say ("in person" beside
    "in person / offline") is said once."""
    where = _t("map.online", lang) if tp.online else (
        _t("map.offline", lang) if tp.online is False else "")
    said = {w.strip().casefold() for w in where.split("/")}
    channel = tp.channel or ""
    if channel.strip().casefold() in said:
        channel = ""
    return " · ".join(x for x in (channel, where, i18n.fmt_int(tp.customers, lang)) if x)


def _mix(df: pd.DataFrame, stage: str, by: str, lang: str) -> tuple[tuple[str, float], ...]:
    """(name, share of the stage's events), largest first; stage_mix() already sorts.
    Events without a device read "in person / offline" at an offline touchpoint, else
    "device not recorded"."""
    if df is None or df.empty:
        return ()
    sub = df[df["stage"] == stage]
    out: dict[str, float] = {}
    for name, share in zip(_mix_names(sub, by, lang), sub["share"], strict=True):
        out[name] = out.get(name, 0.0) + (_num(share) or 0.0)
    # Largest first again (a folded pair may outgrow the names before it); ties keep
    # stage_mix()'s order.
    return tuple(sorted(out.items(), key=lambda kv: -kv[1]))


def _mix_names(df: pd.DataFrame, by: str, lang: str) -> list[str]:
    """The names a mix shows: a value as recorded, else the words for offline / not
    recorded; a recorded value the offline words already say ("offline", "in person") is
    folded into them, so a card never reads "offline · in person / offline"."""
    offline = _t("map.offline", lang)
    said = {w.strip().casefold() for w in offline.split("/")}
    words = {metrics.MIX_OFFLINE: offline, metrics.MIX_UNKNOWN: _t(_UNKNOWN[by], lang)}
    return [words[k] if k != metrics.MIX_VALUE else
            offline if str(n).strip().casefold() in said else str(n)
            for n, k in zip(df[by], df["kind"], strict=True)]


def title_for(filters: Filters, lang: str) -> str:
    """A map's title, written from the filters that ran its queries: the personas they
    keep, else all customers."""
    if filters.personas:
        return _t("map.title_persona", lang, persona=", ".join(filters.personas))
    return _t("map.title_all", lang)


def map_filters(filters: Filters, persona: str | None) -> Filters:
    """The filters of a map of `persona` (None: the filters' own personas). A persona narrows
    the sidebar's choice, never contradicts it: one outside it raises ValueError."""
    if not persona:
        return filters
    if filters.personas and persona not in filters.personas:
        raise ValueError(
            f"The persona {persona!r} is not among the filters' personas "
            f"({', '.join(filters.personas)})."
        )
    return filters.replace(personas=(persona,))


# A pain point quotes words that are negative *as words*: the comment's stored sentiment
# label (journey/voc/sentiment.py, scored at import). A detractor's "great staff, shame about
# the price" is no complaint about the staff, and an NPS alone says nothing about the words;
# a comment not scored yet (`python -m journey rescore`) is never quoted.
_NEGATIVE_SQL = "r.sentiment_label = 'negative'"


def negative_verbatims(source: EngineLike, filters: Filters) -> pd.DataFrame:
    """Negative comments (by their sentiment label) under `filters`, at most
    VERBATIM_CANDIDATES per (stage, touchpoint), worst first: [stage, touchpoint, nps,
    comment].

    Worst = lowest NPS, then lowest CSAT, then the most negative words, then newest; a
    touchpoint is the answer's own (or where the store placed it, as every score of the map
    counts it); touchpoint NULL = an answer about its stage as a whole. Comments labelled
    neutral or positive never appear, whatever their score.
    """
    sql, params = scope.responses_sql(filters)
    params["v_per"] = VERBATIM_CANDIDATES
    q = (
        f"WITH fr AS ({sql}), neg AS (SELECT fr.stage, fr.touchpoint, fr.nps, fr.comment, "
        "ROW_NUMBER() OVER (PARTITION BY fr.stage, fr.touchpoint ORDER BY "
        "CASE WHEN fr.nps IS NULL THEN 1 ELSE 0 END, fr.nps, "
        "CASE WHEN fr.csat IS NULL THEN 1 ELSE 0 END, fr.csat, r.sentiment, "
        "CASE WHEN fr.ts IS NULL THEN 1 ELSE 0 END, fr.ts DESC, fr.response_id) AS rn "
        "FROM fr JOIN responses r ON r.response_id = fr.response_id "
        "WHERE fr.comment IS NOT NULL AND trim(fr.comment) <> '' "
        f"AND {_NEGATIVE_SQL}) "
        "SELECT stage, touchpoint, nps, comment, rn FROM neg WHERE rn <= $v_per "
        "ORDER BY CASE WHEN stage IS NULL THEN 1 ELSE 0 END, stage, "
        "CASE WHEN touchpoint IS NULL THEN 1 ELSE 0 END, touchpoint, rn"
    )
    return Engine.of(source).df(q, params, purpose="journey_map.negative_verbatims")


def _distinct_words(texts: Any) -> tuple[str, ...]:
    """Up to VERBATIMS_PER_PAIN different comments, in the given (worst-first) order:
    several customers may write the very same words."""
    seen: dict[str, str] = {}
    for text in texts:
        words = " ".join(str(text).split())
        seen.setdefault(words.casefold(), words)
        if len(seen) == VERBATIMS_PER_PAIN:
            break
    return tuple(seen.values())


def _words_for(
    neg: pd.DataFrame, stage: str, touchpoint: str
) -> tuple[tuple[str, ...], str | None]:
    """A pain point's words: negative comments on its touchpoint, else (none there) on its
    stage as a whole; never another touchpoint's, never a positive answer's."""
    if neg is None or neg.empty:
        return (), None
    own = neg[neg["touchpoint"] == touchpoint]
    if not own.empty:
        return _distinct_words(own["comment"]), VERBATIMS_TOUCHPOINT
    whole = neg[(neg["stage"] == stage) & neg["touchpoint"].isna()]
    if not whole.empty:
        return _distinct_words(whole["comment"]), VERBATIMS_STAGE
    return (), None


def _top_mix(df: pd.DataFrame, by: str, lang: str) -> tuple[tuple[str, float], ...]:
    """(name, share of all the map's events), largest first, MIX_ITEMS of them: the stage
    mixes summed over stages (their events count every event once, stage or not)."""
    if df is None or df.empty:
        return ()
    g = df.assign(name=_mix_names(df, by, lang))
    g = g.groupby("name", as_index=False)["events"].sum()
    total = float(g["events"].sum())
    if total <= 0:
        return ()
    g = g.sort_values(["events", "name"], ascending=[False, True], kind="stable")
    return tuple((str(n), float(e) / total)
                 for n, e in zip(g["name"].head(MIX_ITEMS), g["events"].head(MIX_ITEMS),
                                 strict=True))


def persona_description(engine: Engine, who: str | None) -> str | None:
    """The persona's description from the persona list; None for all customers, or when the
    data gives none."""
    if not who:
        return None
    row = engine.one("SELECT description FROM personas WHERE persona = ?", [who],
                     purpose="journey_map.persona_description")
    if row and row[0] is not None and str(row[0]).strip():
        return str(row[0]).strip()
    return None


def persona_card(
    engine: Engine,
    who: str | None,
    customers: int,
    all_customers: int,
    ch_mix: pd.DataFrame,
    dev_mix: pd.DataFrame,
    lang: str,
) -> PersonaCard:
    """The card of `who` (None: all customers): its description from the persona list,
    its size against every customer under the same filters, its top channels and devices."""
    return PersonaCard(
        name=who, description=persona_description(engine, who), customers=customers,
        all_customers=all_customers,
        share=customers / all_customers if all_customers else None,
        channels=_top_mix(ch_mix, "channel", lang), devices=_top_mix(dev_mix, "device", lang),
    )


# -- the map -------------------------------------------------------------------------------
@dataclass(frozen=True)
class MapFacts:
    """What `build_map` reads from the store for one map (filters, persona), in no language:
    the app caches it per (filters, persona, data version), so a language switch redraws the
    map from it without a query, and the page's emotion curve reuses its scores by stage."""

    filters: Filters  # the map's own filters (map_filters of the filters and persona)
    who: str | None  # the one persona the map shows, None for several or all
    overview: dict[str, Any]
    funnel: pd.DataFrame
    nps_by_stage: pd.DataFrame
    csat_by_stage: pd.DataFrame
    nps_by_touchpoint: pd.DataFrame
    csat_by_touchpoint: pd.DataFrame
    dropoffs: pd.DataFrame
    touchpoints: pd.DataFrame
    channel_mix: pd.DataFrame
    device_mix: pd.DataFrame
    negative: pd.DataFrame
    everyone: dict[str, Any]  # reach.totals under the same filters, any persona
    fixes: pd.DataFrame  # "fix first" without the removal effect (not shown on the map)
    order: tuple[tuple[str, int], ...]  # the stages in journey order, with positions
    description: str | None  # the persona's, from the persona list


def map_facts(source: EngineLike, filters: Filters, *, persona: str | None = None
              ) -> MapFacts:
    """Every query of the map of `persona` (None: the filters' own personas) under `filters`.
    """
    engine = Engine.of(source)
    f = map_filters(filters, persona)
    # Notes and the card belong to one persona: the one the map shows, when it shows one.
    who = f.personas[0] if len(f.personas) == 1 else None
    # Independent read queries: run at once, each on its own cursor (DuckDB runs them in
    # parallel and releases the GIL), instead of one after the other.
    (ov, funnel, nps_st, csat_st, nps_tp, csat_tp, drops, tops, ch_mix, dev_mix, neg,
     everyone, fixes) = _run_all(engine, [
        (metrics.overview, f, {}),
        (reach.funnel, f, {}),
        (metrics.nps, f, {"by": "stage"}),
        (metrics.csat, f, {"by": "stage"}),
        (metrics.nps, f, {"by": "touchpoint"}),
        (metrics.csat, f, {"by": "touchpoint"}),
        (flows.dropoffs, f, {}),
        (metrics.top_touchpoints, f, {"limit": 100_000}),
        (metrics.stage_mix, f, {"by": "channel"}),
        (metrics.stage_mix, f, {"by": "device"}),
        (negative_verbatims, f, {}),
        # The persona card's "share of all": the same filters, any persona.
        (reach.totals, f.replace(personas=()), {}),
        # The suggestions rank by extra conversions: the Markov removal effect (half of the
        # table's cost, reading every journey's path) is not on the map.
        (fix_first.fix_first, f, {"margins": False, "removal": False}),
    ])
    # Stages in journey order: the funnel's (the stages in use, or the filtered ones).
    bars = reach.stage_rows(funnel)
    if not bars.empty:
        order = [(str(r["stage"]), _int(r["position"])) for _, r in bars.iterrows()]
    else:
        order = reach.stages_in_use(engine, f)
    return MapFacts(
        filters=f, who=who, overview=dict(ov), funnel=funnel, nps_by_stage=nps_st,
        csat_by_stage=csat_st, nps_by_touchpoint=nps_tp, csat_by_touchpoint=csat_tp,
        dropoffs=drops, touchpoints=tops, channel_mix=ch_mix, device_mix=dev_mix,
        negative=neg, everyone=dict(everyone), fixes=fixes,
        order=tuple((str(s), int(p)) for s, p in order),
        description=persona_description(engine, who),
    )


def build_map(
    source: EngineLike,
    filters: Filters,
    *,
    lang: str,
    persona: str | None = None,
    stages_df: pd.DataFrame | None = None,
    notes_df: pd.DataFrame | None = None,
) -> JourneyMap:
    """The journey map of one persona (or everyone) under `filters`.

    `persona` narrows the filters to that persona and picks its notes; `stages_df`
    (Store.stages()) gives the team's own stage labels; `notes_df` (Store.notes(persona))
    the opportunities. Both are read from `source` when not given.
    """
    engine = Engine.of(source)
    facts = map_facts(engine, filters, persona=persona)
    if stages_df is None:
        stages_df = engine.df(
            "SELECT stage, position, label_en, label_fr FROM stages ORDER BY position, stage",
            purpose="journey_map.stages",
        )
    if notes_df is None:
        notes_df = engine.df(
            "SELECT stage, note FROM notes WHERE persona = ? ORDER BY stage", [facts.who or ""],
            purpose="journey_map.notes",
        )
    return assemble(facts, lang=lang, stages_df=stages_df, notes_df=notes_df)


def assemble(facts: MapFacts, *, lang: str, stages_df: pd.DataFrame | None,
             notes_df: pd.DataFrame) -> JourneyMap:
    """The map of `facts` in `lang`, with the team's stage labels and notes: no query."""
    f, who = facts.filters, facts.who
    ov, nps_st, csat_st = facts.overview, facts.nps_by_stage, facts.csat_by_stage
    drops, tops, neg = facts.dropoffs, facts.touchpoints, facts.negative
    ch_mix, dev_mix = facts.channel_mix, facts.device_mix
    notes = {str(r["stage"]): str(r["note"]) for _, r in notes_df.iterrows()}
    suggestions = _suggestions(facts.fixes)
    tp_stage = {str(r["touchpoint"]): r["stage"] for _, r in tops.iterrows()}
    order = list(facts.order)
    funnel_by = {str(r["stage"]): r for _, r in reach.stage_rows(facts.funnel).iterrows()}
    journeys = _int(ov.get("journeys"))

    columns: list[StageColumn] = []
    pains_by_stage: dict[str, tuple[PainPoint, ...]] = {}
    for stage, _position in order:
        metric, score = _stage_score(stage, nps_st, csat_st)[:2]
        pains_by_stage[stage] = _pain_points(stage, drops, facts.nps_by_touchpoint,
                                             facts.csat_by_touchpoint, tp_stage, metric, score)
    for i, (stage, position) in enumerate(order):
        fr = funnel_by.get(stage)
        customers = _int(fr["customers"]) if fr is not None else 0
        nxt = funnel_by.get(order[i + 1][0]) if i + 1 < len(order) else None
        conversion = _num(nxt["from_previous"]) if nxt is not None else None
        share = customers / journeys if journeys else None

        metric, score, margin, n, small = _stage_score(stage, nps_st, csat_st)
        promoters, detractors = _nps_counts(stage, nps_st) if metric == "nps" else (0, 0)

        # Touchpoints of the stage, by customers.
        tps: list[TouchpointCell] = []
        if not tops.empty:
            # top_touchpoints() is already ranked: customers, events, name.
            sub = tops[tops["stage"] == stage]
            for _, r in sub.head(TOP_TOUCHPOINTS).iterrows():
                on = r["online"]
                tps.append(TouchpointCell(
                    name=str(r["touchpoint"]),
                    channel=None if pd.isna(r["channel"]) else str(r["channel"]),
                    online=None if on is None or pd.isna(on) else bool(on),
                    customers=_int(r["customers"]),
                ))

        pains = tuple(
            PainPoint(p.touchpoint, p.reason, p.dropoff_rate, p.passing, p.score,
                      p.score_metric, p.score_n, *_words_for(neg, stage, p.touchpoint))
            for p in pains_by_stage[stage]
        )

        columns.append(StageColumn(
            stage=stage, label=_stage_label(stage, lang, stages_df), position=position,
            touchpoints=tuple(tps), customers=customers, reach=share,
            conversion_to_next=conversion, score_metric=metric, score=score, margin=margin,
            n=n, small_sample=small, pain_points=pains, opportunity=notes.get(stage, ""),
            channel_mix=_mix(ch_mix, stage, "channel", lang),
            device_mix=_mix(dev_mix, stage, "device", lang),
            promoters=promoters, detractors=detractors,
            suggestions=suggestions.get(stage, ()),
        ))

    n = _int(ov.get("customers"))
    everyone = _int(facts.everyone.get("customers"))
    card = PersonaCard(
        name=who, description=facts.description, customers=n, all_customers=everyone,
        share=n / everyone if everyone else None,
        channels=_top_mix(ch_mix, "channel", lang), devices=_top_mix(dev_mix, "device", lang),
    )
    return JourneyMap(
        title=title_for(f, lang), persona=who, lang=lang, filters=f,
        filters_text=f.describe(lang, lambda s: _stage_label(s, lang, stages_df)),
        first_ts=_ts(ov.get("first_ts")), last_ts=_ts(ov.get("last_ts")),
        n=n, responses=_int(ov.get("responses")),
        stages=tuple(columns), card=card,
    )


def _suggestions(fixes: pd.DataFrame) -> dict[str, tuple[Suggestion, ...]]:
    """stage -> its rows among the first SUGGESTIONS of the "fix first" table that promise
    extra conversions, in rank order."""
    if fixes is None or fixes.empty:
        return {}
    out: dict[str, list[Suggestion]] = {}
    for _, r in fixes[fixes["extra_conversions"] > 0].head(SUGGESTIONS).iterrows():
        if r["stage"] is None or pd.isna(r["stage"]):
            continue
        out.setdefault(str(r["stage"]), []).append(Suggestion(
            touchpoint=str(r["touchpoint"]), rank=_int(r["rank"]),
            extra_conversions=float(r["extra_conversions"]),
            extra_margin=float(r["extra_margin"]), dropoff_rate=float(r["dropoff_rate"]),
            stage_median_dropoff=float(r["stage_median_dropoff"]), passing=_int(r["passing"]),
            noise=fix_first.is_noise(r),
        ))
    return {k: tuple(v) for k, v in out.items()}


def _run_all(
    engine: Engine,
    calls: list[tuple[Callable[..., Any], Filters, dict[str, Any]]],
) -> list[Any]:
    """`fn(engine, filters, **kw)` for each call, in order; at once on forks of the engine
    when there are several (read-only queries, so no ordering between them)."""
    if len(calls) <= 1 or not engine.can_fork:
        return [fn(engine, f, **kw) for fn, f, kw in calls]

    def one(call: tuple[Callable[..., Any], Filters, dict[str, Any]]) -> Any:
        fn, f, kw = call
        with engine.fork() as forked:
            return fn(forked, f, **kw)

    with ThreadPoolExecutor(max_workers=min(len(calls), 6)) as pool:
        return list(pool.map(one, calls))


def _stage_score(
    stage: str, nps_st: pd.DataFrame, csat_st: pd.DataFrame
) -> tuple[str | None, float | None, float | None, int, bool]:
    """Emotion: NPS where the stage has NPS answers, CSAT otherwise:
    (metric, score, margin, n, small sample)."""
    for name, df, val_col in (("nps", nps_st, "nps"), ("csat", csat_st, "csat_pct")):
        if df is None or df.empty:
            continue
        row = df[df["stage"] == stage]
        if row.empty or _int(row.iloc[0]["n"]) == 0:
            continue
        r = row.iloc[0]
        return (name, _num(r[val_col]), _num(r.get("margin")), _int(r["n"]),
                bool(r.get("small_sample", False)))
    return None, None, None, 0, False


def _nps_counts(stage: str, nps_st: pd.DataFrame) -> tuple[int, int]:
    """(promoters, detractors) of the stage's NPS answers."""
    if nps_st is None or nps_st.empty:
        return 0, 0
    row = nps_st[nps_st["stage"] == stage]
    if row.empty:
        return 0, 0
    return _int(row.iloc[0]["promoters"]), _int(row.iloc[0]["detractors"])


def _ts(value: Any) -> dt.datetime | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.to_pydatetime()
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())
    try:
        return pd.Timestamp(value).to_pydatetime()
    except (ValueError, TypeError):
        return None


def _real_dropoffs(drops: pd.DataFrame, stage: str) -> pd.DataFrame:
    """The stage's touchpoints where journeys do end, worst rate first.

    A rate of 0 is no pain (at or after the conversion stage every journey has converted,
    so nobody "drops off" there); a rate over a handful of journeys is noise.
    """
    sub = drops[
        (drops["stage"] == stage) & (drops["passing"] >= MIN_PASSING)
        & (drops["dropoff_rate"] > 0)
    ]
    return sub.sort_values(
        ["dropoff_rate", "passing", "touchpoint"], ascending=[False, False, True]
    )


def _pain_points(
    stage: str,
    drops: pd.DataFrame,
    nps_tp: pd.DataFrame,
    csat_tp: pd.DataFrame,
    tp_stage: dict[str, Any],
    stage_metric: str | None,
    stage_score: float | None,
) -> tuple[PainPoint, ...]:
    """The stage's worst drop-off, then its worst-scored touchpoint (if another one);
    without their verbatims (build_map fetches those for every stage at once)."""
    found: list[PainPoint] = []
    if drops is not None and not drops.empty:
        sub = _real_dropoffs(drops, stage)
        for _, r in sub.head(1).iterrows():
            found.append(PainPoint(
                touchpoint=str(r["touchpoint"]), reason="dropoff",
                dropoff_rate=_num(r["dropoff_rate"]), passing=_int(r["passing"]),
                score=None, score_metric=None, score_n=None,
            ))
    metric = stage_metric or "nps"
    df = nps_tp if metric == "nps" else csat_tp
    val_col = "nps" if metric == "nps" else "csat_pct"
    if df is not None and not df.empty:
        sub = df[df["touchpoint"].map(lambda tp: tp_stage.get(str(tp)) == stage)]
        sub = sub[(sub["n"] >= MIN_SCORE_N) & sub[val_col].notna()]
        # A pain point is negative in itself (never a positive NPS), and below its stage:
        # the best of a bad stage is no pain.
        floor = NEGATIVE_NPS_BELOW if metric == "nps" else NEGATIVE_CSAT_BELOW
        sub = sub[sub[val_col] < floor]
        if stage_score is not None:
            sub = sub[sub[val_col] < stage_score]
        sub = sub.sort_values([val_col, "n", "touchpoint"], ascending=[True, False, True])
        for _, r in sub.iterrows():
            if len(found) >= MAX_PAIN_POINTS:
                break
            tp = str(r["touchpoint"])
            if any(p.touchpoint == tp for p in found):
                # Same touchpoint: keep one entry that carries both facts.
                found = [
                    PainPoint(p.touchpoint, p.reason, p.dropoff_rate, p.passing,
                              _num(r[val_col]), metric, _int(r["n"]))
                    if p.touchpoint == tp else p
                    for p in found
                ]
                continue
            found.append(PainPoint(
                touchpoint=tp, reason="score", dropoff_rate=None, passing=None,
                score=_num(r[val_col]), score_metric=metric, score_n=_int(r["n"]),
            ))
            break
    if drops is not None and not drops.empty and len(found) < MAX_PAIN_POINTS:
        # A second drop-off when no touchpoint was scored in this stage.
        sub = _real_dropoffs(drops, stage)
        for _, r in sub.iterrows():
            if len(found) >= MAX_PAIN_POINTS:
                break
            if any(p.touchpoint == str(r["touchpoint"]) for p in found):
                continue
            found.append(PainPoint(
                touchpoint=str(r["touchpoint"]), reason="dropoff",
                dropoff_rate=_num(r["dropoff_rate"]), passing=_int(r["passing"]),
                score=None, score_metric=None, score_n=None,
            ))
    return tuple(found)


# -- comparison ------------------------------------------------------------------------------
LANE_COLUMNS = ["stage", "lane", "value", "n", "x", "promoters", "detractors"]


def lane_values(jm: JourneyMap) -> pd.DataFrame:
    """Every comparable number on the map as rows [stage, lane, value, n, x, promoters,
    detractors], values in points.

    A rate's value is 100 * x / n: reach is the stage's customers (x) of the map's journeys
    (n), conversion the next stage's customers of this stage's, a mix share the stage's
    events on that channel/device, counted on the stage's customers (n; x = share * n, an
    approximation: events of one customer are not independent). The score is NPS only (CSAT
    is on another scale), n its answers.
    """
    rows: list[tuple[Any, ...]] = []
    by_stage = {s.stage: s for s in jm.stages}
    order = [s.stage for s in jm.stages]
    for i, s in enumerate(jm.stages):
        rows.append((s.stage, LANE_REACH, None if s.reach is None else 100 * s.reach,
                     jm.n, s.customers, 0, 0))
        nxt = by_stage[order[i + 1]] if i + 1 < len(order) else None
        rows.append((
            s.stage, LANE_CONVERSION,
            None if s.conversion_to_next is None else 100 * s.conversion_to_next, s.customers,
            nxt.customers if nxt is not None else 0, 0, 0,
        ))
        rows.append((s.stage, LANE_SCORE, s.score if s.score_metric == "nps" else None, s.n,
                     0, s.promoters, s.detractors))
        for name, share in s.channel_mix:
            rows.append((s.stage, f"channel:{name}", 100 * share, s.customers,
                         share * s.customers, 0, 0))
        for name, share in s.device_mix:
            rows.append((s.stage, f"device:{name}", 100 * share, s.customers,
                         share * s.customers, 0, 0))
    return pd.DataFrame(rows, columns=LANE_COLUMNS)


def _lane_difference(r: pd.Series) -> Difference | None:
    n_a, n_b = int(r["n_a"]), int(r["n_b"])
    if n_a <= 0 or n_b <= 0:
        return None
    if r["lane"] == LANE_SCORE:
        return nps_difference((n_a, int(r["promoters_a"]), int(r["detractors_a"])),
                              (n_b, int(r["promoters_b"]), int(r["detractors_b"])))
    return proportion_difference(n_a, r["x_a"], n_b, r["x_b"])


def compare_maps(a: JourneyMap, b: JourneyMap, *, min_n: int = MIN_COMPARE_N) -> pd.DataFrame:
    """Lane values of two maps side by side, what moved beyond the noise first.

    Columns: stage, lane, value_a, value_b, delta (= b - a), margin (its 95% margin, see
    `stats.proportion_difference` / `stats.nps_difference`), significant. Reach, conversion
    and mix shares are in percentage points, NPS in NPS points. A mix item seen on only one
    map counts as 0 % on the other when that stage has a mix at all; values missing on
    either side (no answers, last stage) are left out. A move is significant when its
    interval leaves out 0 and both sides rest on at least `min_n` customers (or answers):
    a 75-point swing among 4 customers is noise, not the headline of a workshop. Order:
    significant moves first, then by the size of the move.
    """
    va, vb = lane_values(a), lane_values(b)
    m = va.merge(vb, on=["stage", "lane"], how="outer", suffixes=("_a", "_b"))
    columns = ["stage", "lane", "value_a", "value_b", "delta", "margin", "significant"]
    is_mix = m["lane"].str.startswith(("channel:", "device:"))
    for side, jm in (("a", a), ("b", b)):
        for col in ("value", "n", "x", "promoters", "detractors"):
            m[f"{col}_{side}"] = m[f"{col}_{side}"].astype("float64")
        # A mix item missing on one side: 0 % of that side's stage customers.
        stage_n = {s.stage: float(s.customers) for s in jm.stages}
        missing = is_mix & m[f"value_{side}"].isna()
        m.loc[missing, f"value_{side}"] = 0.0
        m.loc[missing, f"x_{side}"] = 0.0
        m.loc[missing, f"n_{side}"] = [stage_n.get(st_, 0.0) for st_ in m.loc[missing, "stage"]]
        for col in ("n", "x", "promoters", "detractors"):
            m[f"{col}_{side}"] = m[f"{col}_{side}"].fillna(0.0)
    m = m.dropna(subset=["value_a", "value_b"]).copy()
    if m.empty:
        return pd.DataFrame(columns=columns)
    diffs = [_lane_difference(r) for _, r in m.iterrows()]
    m["delta"] = m["value_b"] - m["value_a"]
    m["margin"] = [np.nan if d is None else d.margin for d in diffs]
    m["significant"] = [
        bool(d is not None and d.significant and n_a >= min_n and n_b >= min_n)
        for d, n_a, n_b in zip(diffs, m["n_a"], m["n_b"], strict=True)
    ]
    pos = {s.stage: s.position for s in (*a.stages, *b.stages)}
    m["_abs"] = m["delta"].abs()
    m["_pos"] = m["stage"].map(pos).fillna(0)
    m = m.sort_values(["significant", "_abs", "_pos", "lane"],
                      ascending=[False, False, True, True], kind="stable")
    return m[columns].reset_index(drop=True)
