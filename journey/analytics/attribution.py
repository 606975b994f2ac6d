"""Attribution: which touchpoints (or channels) earn the credit for a conversion.

Seven models over the same paths, so that they can be set side by side: first touch, last
touch, linear, time decay, position-based (40/20/40), Markov removal effects and Shapley.
Every one is deterministic and exact (no simulation, no sampling).

What a path is (README, "Definitions"):
- A journey is one per customer in scope (`scope.journeys_sql`); it has *converted* by the
  one definition (`scope.converted`: its shown events reach the conversion stage or a later
  one), so the credits of every model sum to `reach.totals(...)["converted"]`.
- Its *path* is its steps (consecutive repeats collapsed, as everywhere) before the step
  where it first reaches the conversion stage: the conversion itself earns nothing. A
  journey that does not convert is a path to "no conversion" (all its steps).
- A converting journey with no step before its conversion (it starts by buying, or the
  lookback window leaves nothing) is the path `NONE_BEFORE`: a row of its own, so that no
  conversion is silently dropped and the credits still sum to the conversions.
- Level "channel": each step's channel (of its last event), consecutive repeats collapsed.
- Lookback (days): only the steps whose last event is at most that long before the
  conversion (before the journey's last event when it does not convert) count.
- Time decay: a step's age is the time from its last event to the conversion's first event.
- Revenue: a converting journey's revenue (of its shown events, as in `reach.totals`) is
  split with the same weights as its conversion (first .. position); the global models
  (Markov, Shapley) split the total revenue of the converting journeys by their shares.

SQL only fetches the steps (through `scope`, run by the `Engine`); the models are numpy on
those arrays, so each costs milliseconds once the paths are loaded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from journey.analytics import scope
from journey.analytics.filters import Filters
from journey.db.engine import Engine, EngineLike

MODELS = ("first", "last", "linear", "time_decay", "position", "markov", "shapley")
LEVELS = ("touchpoint", "channel")
DEFAULT_HALF_LIFE_DAYS = 7.0
# Position-based weights: first and last touch 40 % each, the middle 20 % shared.
POSITION_ENDS, POSITION_MIDDLE = 0.4, 0.2

# The node of a converting journey with no step before its conversion, and of a step whose
# channel is unknown. Code constants, never user text.
NONE_BEFORE = "(nothing before the conversion)"
NO_CHANNEL = "(no channel)"

COLUMNS = ["node", "conversions", "share", "revenue"]
# compare()'s columns besides the model: the credits and their n.
COMPARE_COLUMNS = ["node", "journeys", "converting", "conversions", "share", "revenue"]
_SECONDS_PER_DAY = 86_400.0


@dataclass(frozen=True)
class AttributionOptions:
    """How paths are read: level touchpoint | channel, the time-decay half-life in days,
    the lookback window in days (None: the whole journey). Bad values raise ValueError."""

    level: str = "touchpoint"
    half_life_days: float = DEFAULT_HALF_LIFE_DAYS
    lookback_days: float | None = None

    def __post_init__(self) -> None:
        if self.level not in LEVELS:
            raise ValueError(f"level must be 'touchpoint' or 'channel' (got {self.level!r}).")
        if not _positive(self.half_life_days):
            raise ValueError(
                f"half_life_days must be a number of days above 0 (got {self.half_life_days!r})."
            )
        object.__setattr__(self, "half_life_days", float(self.half_life_days))
        if self.lookback_days is not None:
            if not _positive(self.lookback_days):
                raise ValueError(
                    f"lookback_days must be a number of days above 0 (got {self.lookback_days!r})."
                )
            object.__setattr__(self, "lookback_days", float(self.lookback_days))


def _positive(value: Any) -> bool:
    return (
        isinstance(value, int | float) and not isinstance(value, bool)
        and math.isfinite(value) and value > 0
    )


def check_model(model: str) -> str:
    """`model` when it is one of MODELS, else ValueError naming them."""
    if model not in MODELS:
        raise ValueError(f"model must be one of {', '.join(MODELS)} (got {model!r}).")
    return model


# -- paths ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Paths:
    """Every journey's path as flat arrays, steps in journey order (sorted by journey).

    nodes: the node names (a step's `node` indexes it). journey / node / days: one entry per
    step (days: from the step to the conversion, or to the journey's last event).
    converted / revenue: one entry per journey (revenue 0 where there is none;
    has_revenue says whether any converting journey had some)."""

    nodes: tuple[str, ...]
    journey: np.ndarray
    node: np.ndarray
    days: np.ndarray
    converted: np.ndarray
    revenue: np.ndarray
    has_revenue: bool

    @property
    def journeys(self) -> int:
        return int(self.converted.size)

    @property
    def conversions(self) -> int:
        return int(self.converted.sum())

    @property
    def conversion_revenue(self) -> float:
        return float(self.revenue[self.converted].sum())


def paths_from_lists(
    paths: list[list[str]],
    converted: list[bool],
    *,
    days: list[list[float]] | None = None,
    revenue: list[float | None] | None = None,
) -> Paths:
    """Paths from plain lists (one list of node names per journey, already cut before the
    conversion and collapsed); an empty converting path becomes `NONE_BEFORE`. For tests
    and for callers holding paths from elsewhere."""
    if len(paths) != len(converted):
        raise ValueError("paths and converted must have one entry per journey.")
    names: dict[str, int] = {}
    journey, node, ages = [], [], []
    for j, path in enumerate(paths):
        steps = list(path)
        step_days = list(days[j]) if days is not None else [0.0] * len(steps)
        if not steps:
            if not converted[j]:
                raise ValueError("A journey that does not convert has at least one step.")
            steps, step_days = [NONE_BEFORE], [0.0]
        for name, d in zip(steps, step_days, strict=True):
            journey.append(j)
            node.append(names.setdefault(name, len(names)))
            ages.append(float(d))
    rev = [0.0 if r is None or (isinstance(r, float) and math.isnan(r)) else float(r)
           for r in (revenue or [None] * len(paths))]
    conv = np.asarray(converted, dtype=bool)
    return Paths(
        nodes=tuple(names), journey=np.asarray(journey, dtype=np.int64),
        node=np.asarray(node, dtype=np.int64), days=np.asarray(ages, dtype=float),
        converted=conv, revenue=np.asarray(rev, dtype=float),
        has_revenue=revenue is not None and any(
            r is not None and c and not (isinstance(r, float) and math.isnan(r))
            for r, c in zip(revenue, converted, strict=True)
        ),
    )


def _level_node(level: str, alias: str) -> str:
    """The SQL naming a step's node at `level` (never NULL)."""
    if level == "touchpoint":
        return f"{alias}.touchpoint" if alias == "je" else f"{alias}.node"
    return f"COALESCE({alias}.channel, '{NO_CHANNEL}')"


def load_paths(
    source: EngineLike, filters: Filters, options: AttributionOptions | None = None
) -> Paths:
    """The paths of the journeys in scope (see the module docstring for what a path is)."""
    options = options or AttributionOptions()
    engine = Engine.of(source)
    # Journeys, converted and revenue: the very relation reach.totals counts.
    j_sql, j_params = scope.journeys_sql(filters)
    conv = scope.converted("j.furthest", filters, j_params)
    journeys = engine.df(
        f"SELECT j.cid, {conv} AS converted, j.revenue FROM ({j_sql}) j ORDER BY j.cid",
        j_params, purpose="attribution.journeys",
    )
    # Node names travel once, as a dictionary of every name the store's events use (numbered
    # in name order, the same numbering the steps query joins to): fetching an integer per
    # step instead of a string halves the cost of reading the paths.
    node = _level_node(options.level, "je")
    dictionary = f"SELECT DISTINCT {node} AS node FROM journey_events je"
    numbered = (
        "SELECT d.node, CAST(ROW_NUMBER() OVER (ORDER BY d.node) - 1 AS INTEGER) AS nid "
        f"FROM ({dictionary}) d"
    )
    names = [str(r[0]) for r in engine.rows(
        f"SELECT node FROM ({numbered}) n ORDER BY nid", purpose="attribution.nodes"
    )]
    # Steps before the first step that reaches the conversion stage: touchpoint steps with
    # repeats collapsed, the same steps every flow question reads. Sorted here in numpy.
    with_sql, params, _pre = scope.steps_with(filters, scope.FlowOptions())
    conv_step = scope.converted("s.stage_position", filters, params)
    steps = engine.df(
        f"{with_sql},\n"
        "a_cv AS (SELECT s.cid, MIN(CASE WHEN "
        f"{conv_step} = 1 THEN s.step ELSE NULL END) AS conv_step FROM j_st s GROUP BY s.cid),\n"
        f"a_n AS ({numbered})\n"
        # Seconds since 1970 from microseconds: epoch() becomes Spark's UNIX_TIMESTAMP,
        # which drops the fraction of a second.
        "SELECT s.cid, s.step, n.nid, CAST(DATE_DIFF('microsecond', "
        "TIMESTAMP '1970-01-01 00:00:00', s.last_ts) AS DOUBLE) / 1000000.0 AS t, "
        "s.minutes_to_next "
        "FROM j_st s JOIN a_cv c ON c.cid = s.cid "
        f"JOIN a_n n ON n.node = {_level_node(options.level, 's')} "
        "WHERE c.conv_step IS NULL OR s.step < c.conv_step",
        params, purpose="attribution.paths",
    )
    return _paths_from_frames(journeys, steps, names, options)


def _paths_from_frames(
    journeys: pd.DataFrame, steps: pd.DataFrame, names: list[str],
    options: AttributionOptions,
) -> Paths:
    n_j = len(journeys)
    converted = journeys["converted"].fillna(0).to_numpy(dtype=np.int64) == 1
    rev_raw = pd.to_numeric(journeys["revenue"], errors="coerce").to_numpy(dtype=float)
    has_revenue = bool(np.any(~np.isnan(rev_raw) & converted))
    revenue = np.nan_to_num(rev_raw, nan=0.0)
    cid = steps["cid"].to_numpy(dtype=np.int64)
    step = steps["step"].to_numpy(dtype=np.int64)
    order = np.lexsort((step, cid))
    jid = pd.Index(journeys["cid"]).get_indexer(cid[order]).astype(np.int64)
    nid = steps["nid"].to_numpy(dtype=np.int64)[order]
    ts = steps["t"].to_numpy(dtype=float)[order]
    mtn = pd.to_numeric(steps["minutes_to_next"], errors="coerce").to_numpy(dtype=float)[order]
    # Collapse consecutive repeats of the level's node (a no-op at touchpoint level): keep
    # a step unless the next one is the same journey at the same node, so a merged step
    # keeps the time of its last event, as a touchpoint step does.
    if len(jid):
        same_next = np.zeros(len(jid), dtype=bool)
        same_next[:-1] = (jid[1:] == jid[:-1]) & (nid[1:] == nid[:-1])
        keep = ~same_next
        jid, nid, ts, mtn = jid[keep], nid[keep], ts[keep], mtn[keep]
    # The reference time of each journey: its conversion's first event (the last path step's
    # time plus its gap to the next step) or, without a conversion, its last step.
    last_ts = np.full(n_j, np.nan)
    gap = np.zeros(n_j)
    if len(jid):
        is_last = np.ones(len(jid), dtype=bool)
        is_last[:-1] = jid[1:] != jid[:-1]
        last_ts[jid[is_last]] = ts[is_last]
        gap[jid[is_last]] = np.where(np.isnan(mtn[is_last]), 0.0, mtn[is_last] * 60.0)
    ref = last_ts + np.where(converted, gap, 0.0)
    age = (ref[jid] - ts) / _SECONDS_PER_DAY if len(jid) else np.zeros(0)
    if options.lookback_days is not None and len(jid):
        keep = age <= options.lookback_days
        jid, nid, age = jid[keep], nid[keep], age[keep]
    # Converting journeys left without a step: the NONE_BEFORE path (its own code).
    has_step = np.zeros(n_j, dtype=bool)
    has_step[jid] = True
    bare = np.flatnonzero(converted & ~has_step)
    all_names = [*names, NONE_BEFORE]
    if bare.size:
        jid = np.concatenate([jid, bare])
        nid = np.concatenate([nid, np.full(bare.size, len(names), dtype=np.int64)])
        age = np.concatenate([age, np.zeros(bare.size)])
        order = np.argsort(jid, kind="stable")  # bare journeys have one step: order holds
        jid, nid, age = jid[order], nid[order], age[order]
    # Only the nodes some journey in scope has, in name order.
    used, codes = np.unique(nid, return_inverse=True)
    nodes = [all_names[i] for i in used]
    rank = np.argsort(np.array(nodes, dtype=object), kind="stable")
    remap = np.empty(len(nodes), dtype=np.int64)
    remap[rank] = np.arange(len(nodes))
    return Paths(
        nodes=tuple(nodes[i] for i in rank), journey=jid,
        node=remap[codes.reshape(-1)].astype(np.int64) if len(nodes) else codes.astype(np.int64),
        days=np.asarray(age, dtype=float), converted=converted, revenue=revenue,
        has_revenue=has_revenue,
    )


# -- the models -----------------------------------------------------------------------------
def _positions(paths: Paths) -> tuple[np.ndarray, np.ndarray]:
    """(length of the step's path, the step's position in it from 0), per step."""
    lengths = np.bincount(paths.journey, minlength=paths.journeys)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    pos = np.arange(paths.journey.size) - starts[paths.journey]
    return lengths[paths.journey], pos


def step_weights(paths: Paths, model: str, half_life_days: float = DEFAULT_HALF_LIFE_DAYS
                 ) -> np.ndarray:
    """Each step's share of its journey's conversion under a per-journey model (first, last,
    linear, time_decay, position); the weights of one journey sum to 1."""
    length, pos = _positions(paths)
    if model == "first":
        return (pos == 0).astype(float)
    if model == "last":
        return (pos == length - 1).astype(float)
    if model == "linear":
        return 1.0 / length
    if model == "position":
        ends = (pos == 0) | (pos == length - 1)
        middle = POSITION_MIDDLE / np.maximum(length - 2, 1)
        w = np.where(ends, POSITION_ENDS, middle)
        w = np.where(length == 2, 0.5, w)
        return np.where(length == 1, 1.0, w)
    if model == "time_decay":
        # 2^(-days / half-life), normalised per journey. Measured from each journey's most
        # recent step so that very old journeys do not underflow to 0 / 0.
        newest = np.full(paths.journeys, np.inf)
        np.minimum.at(newest, paths.journey, paths.days)
        raw = np.exp2(-(paths.days - newest[paths.journey]) / half_life_days)
        total = np.bincount(paths.journey, weights=raw, minlength=paths.journeys)
        return raw / total[paths.journey]
    raise ValueError(f"{model!r} is not a per-journey model.")


def markov_removal_effects(paths: Paths) -> np.ndarray:
    """Removal effect of each node under the first-order Markov chain of the paths, in
    closed form: the share of the chain's conversion probability lost when every transition
    into the node goes to "no conversion" instead.

    States: the nodes; absorbing: conversion and no conversion; the start is a distribution
    s over the first steps. Q (transient -> transient) and r (-> conversion) are the
    observed transition shares. With N = (I - Q)^-1 (the fundamental matrix), x = N r is each
    state's conversion probability, P = s.x the chain's, and the expected visits to m from the
    start are (s N)_m, so the probability of ever visiting m is h_m = (s N)_m / N_mm (N_mm:
    expected visits to m when starting there, >= 1). By the strong Markov property at the
    first visit to m, P = P(convert without visiting m) + h_m x_m, hence the removal effect
    of m is h_m x_m / P: one inverse for all nodes, no simulation, no per-node solve.

    Never a singular solve: the system is restricted to R, the states that can reach
    conversion (the others have x = 0 and a removal effect of 0). Every state of R has a
    path to conversion through states of R only (each state on it can reach conversion), so
    from every state of R the chain leaves R within |R| steps with positive probability:
    every row sum of Q_RR^|R| is < 1, the spectral radius of Q_RR is < 1, and I - Q_RR is
    invertible (N = sum of Q_RR^k converges). Self-loops (repeats kept) change nothing: they
    only scale the visits to a state, and h_m x_m does not depend on them.
    """
    k = len(paths.nodes)
    if k == 0 or paths.conversions == 0:
        return np.zeros(k)
    ids, _owner = _transition_entries(paths)
    return _removal_from_counts(np.bincount(ids, minlength=_n_features(k)).astype(float), k)


def _n_features(k: int) -> int:
    # start -> node (k), node -> node (k * k), node -> conversion (k), node -> any end (k).
    return k + k * k + 2 * k


def _transition_entries(paths: Paths) -> tuple[np.ndarray, np.ndarray]:
    """Every transition of every path as a feature id (see `_n_features`), and the journey
    it belongs to: the chain's counts are a bincount of these."""
    k = len(paths.nodes)
    j, nd = paths.journey, paths.node
    first = np.ones(j.size, dtype=bool)
    first[1:] = j[1:] != j[:-1]
    last = np.ones(j.size, dtype=bool)
    last[:-1] = j[1:] != j[:-1]
    inner = np.flatnonzero(~last)  # step -> next step of the same journey
    conv_last = np.flatnonzero(last & paths.converted[j])
    ids = np.concatenate([
        nd[first], k + nd[inner] * k + nd[inner + 1], k + k * k + nd[conv_last],
        k + k * k + k + nd[last],
    ])
    owner = np.concatenate([j[first], j[inner], j[conv_last], j[last]])
    return ids, owner


def _removal_from_counts(counts: np.ndarray, k: int) -> np.ndarray:
    """Removal effects from the chain's transition counts (layout of `_n_features`)."""
    effects = np.zeros(k)
    start = counts[:k]
    trans = counts[k:k + k * k].reshape(k, k)
    conv_end = counts[k + k * k:k + k * k + k]
    out = trans.sum(axis=1) + counts[k + k * k + k:]
    if start.sum() <= 0 or conv_end.sum() <= 0:
        return effects
    # States that can reach conversion: those with a conversion exit, then their predecessors.
    reach = conv_end > 0
    while True:
        grown = reach | (trans[:, reach].sum(axis=1) > 0)
        if (grown == reach).all():
            break
        reach = grown
    idx = np.flatnonzero(reach)
    q = trans[np.ix_(idx, idx)] / out[idx, None]
    r = conv_end[idx] / out[idx]
    s = start[idx] / start.sum()
    fundamental = np.linalg.solve(np.eye(idx.size) - q, np.eye(idx.size))
    x = fundamental @ r
    p = float(s @ x)
    visits = s @ fundamental
    if p <= 0:
        return effects
    effects[idx] = np.clip(visits / np.diag(fundamental) * x / p, 0.0, 1.0)
    return effects


# Resamples behind a removal effect's margin; seeded, so the same data gives the same margin.
BOOTSTRAP_RUNS = 200
BOOTSTRAP_SEED = 12


def markov_removal_margins(
    paths: Paths, runs: int = BOOTSTRAP_RUNS, seed: int = BOOTSTRAP_SEED
) -> np.ndarray:
    """95 % margin of each node's removal effect: half the width of the 2.5-97.5 percentile
    interval over `runs` bootstrap resamples of the journeys (Poisson weights, seeded, so
    repeatable). A chain quantity has no closed-form variance; resampling whole journeys
    keeps each journey's transitions together.

    Cheap: journeys with the same path and outcome are one pattern (a weight of Poisson(count)
    per pattern is a Poisson(1) weight per journey), and each resample is a bincount of the
    patterns' transitions plus one small inverse."""
    k = len(paths.nodes)
    if k == 0 or paths.conversions == 0 or runs < 2:
        return np.full(k, np.nan)
    ids, owner = _transition_entries(paths)
    # A journey's pattern: a 64-bit hash of its path (the set of (node, position) pairs is the
    # path) and its outcome. Two paths sharing a hash (odds ~ patterns^2 / 2^64) would only
    # pool their weights in the resampling: the margin, never a credit, could move.
    mix = (paths.node.astype(np.uint64) + np.uint64(1)) * np.uint64(0x9E3779B97F4A7C15)
    _length, pos = _positions(paths)
    mix ^= (pos.astype(np.uint64) + np.uint64(1)) * np.uint64(0xBF58476D1CE4E5B9)
    mix = mix * np.uint64(0x94D049BB133111EB) ^ (mix >> np.uint64(31))
    key = np.zeros(paths.journeys, dtype=np.uint64)
    np.add.at(key, paths.journey, mix)
    key = key * np.uint64(2) + paths.converted.astype(np.uint64)
    _keys, first_of, pattern, n_pattern = np.unique(
        key, return_index=True, return_inverse=True, return_counts=True)
    pattern = pattern.reshape(-1)
    keep = np.isin(owner, first_of)  # transitions of one journey per pattern
    ids, owner_pattern = ids[keep], pattern[owner[keep]]
    rng = np.random.default_rng(seed)
    n_features, n_patterns = _n_features(k), len(n_pattern)
    weights = rng.poisson(n_pattern, size=(runs, n_patterns)).astype(float)
    if n_patterns * n_features <= 20_000_000:
        # Every resample's counts at once: (runs x patterns) @ (patterns x transitions).
        per_pattern = np.bincount(owner_pattern * n_features + ids,
                                  minlength=n_patterns * n_features)
        all_counts = weights @ per_pattern.reshape(n_patterns, n_features).astype(float)
    else:  # many touchpoints: one bincount per resample instead of a large matrix
        all_counts = np.stack([
            np.bincount(ids, weights=w[owner_pattern], minlength=n_features) for w in weights
        ])
    samples = np.stack([_removal_from_counts(c, k) for c in all_counts])
    low, high = np.percentile(samples, [2.5, 97.5], axis=0)
    return (high - low) / 2.0


def shapley_values(paths: Paths) -> np.ndarray:
    """Shapley value of each node in the game v(S) = sum over T subset of S of the
    conversion rate of the journeys whose set of nodes is exactly T.

    Exact for any number of nodes: that v is written in Harsanyi dividends (the dividend of
    T is the conversion rate of the journeys whose set is exactly T, 0 for a set no journey
    has), and the Shapley value of a game is each coalition's dividend shared equally by its
    members: phi_i = sum over T containing i of rate(T) / |T|. So the sum runs over the sets
    journeys actually have, not over the 2^n coalitions: no sampling is ever needed
    (tests/test_attribution.py checks it against the coalition formula).
    """
    k = len(paths.nodes)
    if k == 0 or paths.journeys == 0:
        return np.zeros(k)
    words = (k + 63) // 64
    # Each journey's set of nodes as a bit mask over `words` 64-bit words.
    masks = np.zeros((paths.journeys, words), dtype=np.uint64)
    bits = np.left_shift(np.uint64(1), (paths.node % 64).astype(np.uint64))
    np.bitwise_or.at(masks, (paths.journey, paths.node // 64), bits)
    sets, inverse = np.unique(masks, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    n_set = np.bincount(inverse, minlength=len(sets))
    conv_set = np.bincount(inverse, weights=paths.converted.astype(float), minlength=len(sets))
    size = np.bitwise_count(sets).sum(axis=1)
    dividend = np.where(size > 0, conv_set / np.maximum(n_set, 1) / np.maximum(size, 1), 0.0)
    member = np.unpackbits(
        sets.astype("<u8").view(np.uint8).reshape(len(sets), -1), axis=1, bitorder="little"
    )[:, :k]
    return member.T.astype(float) @ dividend


def credit(
    paths: Paths, model: str, half_life_days: float = DEFAULT_HALF_LIFE_DAYS
) -> tuple[np.ndarray, np.ndarray]:
    """(conversions, revenue) credited to each node of `paths.nodes` by `model`; each sums
    to the converting journeys' count and revenue."""
    check_model(model)
    k = len(paths.nodes)
    conversions = paths.conversions
    if model in ("markov", "shapley"):
        score = markov_removal_effects(paths) if model == "markov" else shapley_values(paths)
        total = score.sum()
        share = score / total if total > 0 else np.zeros(k)
        return share * conversions, share * paths.conversion_revenue
    w = step_weights(paths, model, half_life_days)
    conv = paths.converted[paths.journey]
    conv_credit = np.bincount(paths.node, weights=w * conv, minlength=k)
    rev_credit = np.bincount(
        paths.node, weights=w * conv * paths.revenue[paths.journey], minlength=k
    )
    return conv_credit, rev_credit


# -- results --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Attribution:
    """One model's credits. table: node, journeys / converting (the n: journeys whose path has
    the node, and how many of them convert), conversions (credited), share (of the
    conversions), revenue (NaN when no converting journey has revenue), by conversions desc
    then node; plus
    removal_effect (0..1) for Markov. journeys / conversions / revenue: the totals credited.
    exact: always True (no model here samples or simulates)."""

    model: str
    level: str
    table: pd.DataFrame
    journeys: int
    conversions: int
    revenue: float | None
    exact: bool = True


def path_counts(paths: Paths) -> tuple[np.ndarray, np.ndarray]:
    """(journeys whose path has the node, converting ones among them), per node: the n
    behind each node's credit."""
    k = len(paths.nodes)
    pairs = np.unique(paths.journey * max(k, 1) + paths.node)
    j, nd = pairs // max(k, 1), pairs % max(k, 1)
    return (np.bincount(nd, minlength=k),
            np.bincount(nd, weights=paths.converted[j].astype(float), minlength=k).astype(int))


def _table(paths: Paths, model: str, options: AttributionOptions) -> pd.DataFrame:
    conv, rev = credit(paths, model, options.half_life_days)
    total = paths.conversions
    journeys, converting = path_counts(paths)
    df = pd.DataFrame({
        "node": pd.Series(paths.nodes, dtype=object),
        "journeys": journeys.astype("int64"),
        "converting": converting.astype("int64"),
        "conversions": conv,
        "share": conv / total if total else np.zeros(len(conv)),
        "revenue": rev if paths.has_revenue else np.full(len(rev), np.nan),
    })
    if model == "markov":
        df["removal_effect"] = markov_removal_effects(paths)
    return df.sort_values(["conversions", "node"], ascending=[False, True], kind="stable") \
        .reset_index(drop=True)


def attribute(
    source: EngineLike,
    filters: Filters,
    model: str,
    options: AttributionOptions | None = None,
    *,
    paths: Paths | None = None,
) -> Attribution:
    """The credits of `model` over the journeys in scope (`paths`, when given, is reused
    instead of loading them again)."""
    check_model(model)
    options = options or AttributionOptions()
    if paths is None:
        paths = load_paths(source, filters, options)
    return Attribution(
        model=model, level=options.level, table=_table(paths, model, options),
        journeys=paths.journeys, conversions=paths.conversions,
        revenue=paths.conversion_revenue if paths.has_revenue else None,
    )


def compare(
    source: EngineLike, filters: Filters, options: AttributionOptions | None = None,
    models: tuple[str, ...] = MODELS,
) -> pd.DataFrame:
    """Every model side by side over one load of the paths: one row per (model, node) with
    model, node, journeys, converting (its n), conversions, share, revenue; nodes in the
    order of their total credit."""
    options = options or AttributionOptions()
    paths = load_paths(source, filters, options)
    frames = []
    for model in models:
        t = _table(paths, check_model(model), options)[COMPARE_COLUMNS]
        t.insert(0, "model", model)
        frames.append(t)
    if not frames:
        return pd.DataFrame(columns=["model", *COMPARE_COLUMNS])
    out = pd.concat(frames, ignore_index=True)
    order = out.groupby("node")["conversions"].sum().sort_values(ascending=False, kind="stable")
    rank = {n: i for i, n in enumerate(sorted(order.index, key=lambda n: (-order[n], n)))}
    out["_m"] = out["model"].map({m: i for i, m in enumerate(models)})
    out["_n"] = out["node"].map(rank)
    return out.sort_values(["_m", "_n"], kind="stable").drop(columns=["_m", "_n"]) \
        .reset_index(drop=True)
