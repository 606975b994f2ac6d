"""analytics/attribution.py: the seven models on the published toy examples (each worked by
hand here), what a path is on a store, and properties every model keeps."""

from __future__ import annotations

import datetime as dt
import itertools
import math
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from small_store import clock, replace_events, small_store

from journey.analytics import attribution as at
from journey.analytics import reach
from journey.analytics.attribution import (
    MODELS,
    NONE_BEFORE,
    AttributionOptions,
    credit,
    paths_from_lists,
)
from journey.analytics.filters import Filters
from journey.db.store import Store


def credits(paths, model, **kw) -> dict[str, float]:
    conv, _rev = credit(paths, model, **kw)
    return dict(zip(paths.nodes, conv.tolist(), strict=True))


# -- the toy examples (issue #12) -------------------------------------------------------------
TOY = paths_from_lists([["A", "B", "C"], ["A", "C"]], [True, True])


def test_first_and_last_touch():
    assert credits(TOY, "last") == {"A": 0.0, "B": 0.0, "C": 2.0}
    assert credits(TOY, "first") == {"A": 2.0, "B": 0.0, "C": 0.0}


def test_linear():
    # A>B>C gives a third each, A>C a half each: A = 1/3 + 1/2 = 5/6, B = 1/3, C = 5/6.
    got = credits(TOY, "linear")
    assert got == pytest.approx({"A": 5 / 6, "B": 1 / 3, "C": 5 / 6}, abs=1e-12)


def test_position_based():
    # A>B>C: 40/20/40; A>C: two touches, 50/50. A = .4 + .5, B = .2, C = .4 + .5.
    got = credits(TOY, "position")
    assert got == pytest.approx({"A": 0.9, "B": 0.2, "C": 0.9}, abs=1e-12)
    one = paths_from_lists([["X"]], [True])
    assert credits(one, "position") == {"X": 1.0}
    four = paths_from_lists([["P", "Q", "R", "S"]], [True])
    assert credits(four, "position") == pytest.approx({"P": .4, "Q": .1, "R": .1, "S": .4})


def test_time_decay_half_life_seven_days():
    days = [30, 24, 18, 12, 6, 0]
    paths = paths_from_lists([list("UVWXYZ")], [True], days=[days])
    raw = [2 ** (-d / 7) for d in days]
    expected = [w / sum(raw) for w in raw]
    got = credit(paths, "time_decay", half_life_days=7)[0]
    assert got.tolist() == pytest.approx(expected, abs=1e-12)
    assert np.round(got, 4).tolist() == [0.0236, 0.0428, 0.0776, 0.1405, 0.2545, 0.4610]
    # The half-life is an option: 1 day makes the latest touch weigh far more.
    assert credit(paths, "time_decay", half_life_days=1)[0][-1] > 0.49


def test_markov_removal_effects_three_channels():
    # C1>C2>C3 converts, C1 and C2>C3 do not. Chain: start->C1 2/3, start->C2 1/3,
    # C1->C2 1/2, C1->null 1/2, C2->C3 1, C3->conv 1/2, C3->null 1/2.
    # P = 2/3 * 1/2 * 1/2 + 1/3 * 1/2 = 1/3. Without C1: 1/3 * 1/2 = 1/6 (effect 1/2);
    # without C2 or C3: 0 (effect 1). Shares 0.5 / 2.5, 1 / 2.5, 1 / 2.5 of one conversion.
    paths = paths_from_lists([["C1", "C2", "C3"], ["C1"], ["C2", "C3"]], [True, False, False])
    assert at.markov_removal_effects(paths).tolist() == pytest.approx([0.5, 1.0, 1.0])
    assert credits(paths, "markov") == pytest.approx({"C1": 0.2, "C2": 0.4, "C3": 0.4})


def test_markov_loops_exactly_two_and_one():
    # A>B>A>B>B>A, A>B>B>A>A, A>A, each converting (repeats collapse: A>B>A>B>A, A>B>A, A).
    # A -> B 3 times, A -> conv 3 times, B -> A 3 times: P = 1. Without A: 0 (effect 1);
    # without B: A converts half the time, P = 1/2 (effect 1/2). A = 3 * 1/1.5, B = 3 * .5/1.5.
    paths = paths_from_lists([list("ABABA"), list("ABA"), ["A"]], [True] * 3)
    got = credits(paths, "markov")
    assert got == pytest.approx({"A": 2.0, "B": 1.0}, abs=1e-12)
    # Self-loops (repeats kept) change nothing.
    kept = paths_from_lists([list("ABABBA"), list("ABBAA"), list("AA")], [True] * 3)
    assert credits(kept, "markov") == pytest.approx({"A": 2.0, "B": 1.0}, abs=1e-12)


def test_markov_never_solves_a_singular_system():
    # D and E loop into each other and never convert: I - Q is singular on {D, E}, so a
    # solve over every state fails; here they simply cannot reach conversion and get 0.
    paths = paths_from_lists(
        [["A"], ["D", "E", "D", "E"], ["A", "D"]], [True, False, False]
    )
    # Make the D<->E loop absorbing in the observed counts: every exit of D goes to E and
    # back except one journey end, still no conversion is reachable from them.
    got = credits(paths, "markov")
    assert got["D"] == 0.0 and got["E"] == 0.0
    assert got["A"] == pytest.approx(1.0)


def test_markov_may_credit_a_touchpoint_no_converting_journey_passed():
    # A first-order chain stitches journeys together: S>B does not convert, B alone does,
    # yet start->S->B->conv is a chain path, so removing S loses conversion probability.
    # P = 1/2 * 1/2 + 1/2 * 1 * 1/2 = 1/2; without S: 1/4 (effect 1/2); without B: 0 (1).
    paths = paths_from_lists([["B"], ["S", "B"]], [True, False])
    assert credits(paths, "markov") == pytest.approx({"B": 2 / 3, "S": 1 / 3})


def test_markov_margins_are_repeatable_and_shrink_with_n():
    small = paths_from_lists([["C1", "C2", "C3"], ["C1"], ["C2", "C3"]], [True, False, False])
    m = at.markov_removal_margins(small)
    assert (m >= 0).all() and m.tolist() == at.markov_removal_margins(small).tolist()
    # The same journeys 400 times: the chain is the same, the margins much narrower.
    big = paths_from_lists([["C1", "C2", "C3"], ["C1"], ["C2", "C3"]] * 400,
                           [True, False, False] * 400)
    assert at.markov_removal_effects(big).tolist() == pytest.approx([0.5, 1.0, 1.0])
    wide = at.markov_removal_margins(big)
    assert (wide < m).all() and (wide < 0.1).all()
    # Nothing converts: no margin to give.
    none = paths_from_lists([["A"]], [False])
    assert np.isnan(at.markov_removal_margins(none)).all()


def shapley_by_coalitions(v: dict[frozenset, float], players: list[str]) -> dict[str, float]:
    """The textbook formula: sum over coalitions S without i of |S|!(n-|S|-1)!/n! times
    v(S + i) - v(S)."""
    n = len(players)
    out = {}
    for i in players:
        others = [p for p in players if p != i]
        total = 0.0
        for size in range(n):
            for s in itertools.combinations(others, size):
                weight = math.factorial(size) * math.factorial(n - size - 1) / math.factorial(n)
                total += weight * (v[frozenset(s) | {i}] - v.get(frozenset(s), 0.0))
        out[i] = total
    return out


def test_shapley_published_example():
    v = {
        frozenset("F"): 0.2, frozenset("O"): 0.1, frozenset("L"): 0.17,
        frozenset("FO"): 0.47, frozenset("FL"): 0.67, frozenset("LO"): 0.27,
        frozenset("FLO"): 1.0,
    }
    # By hand: F = 1/3 (.2) + 1/6 (.47 - .1) + 1/6 (.67 - .17) + 1/3 (1 - .27) = .455.
    hand = shapley_by_coalitions(v, ["F", "O", "L"])
    assert hand == pytest.approx({"F": 0.455, "O": 0.205, "L": 0.340}, abs=5e-4)
    # Journeys whose sets have those rates: v(S) = sum of the rates of the sets inside S, so
    # rate(exactly FO) = .47 - .2 - .1 = .17, FL = .3, LO = 0, FLO = 1 - .94 = .06.
    groups = [("F", 5, 1), ("O", 10, 1), ("L", 100, 17), ("FO", 100, 17), ("FL", 10, 3),
              ("LO", 1, 0), ("FLO", 50, 3)]
    paths_, conv = [], []
    for members, n, k in groups:
        for i in range(n):
            paths_.append(list(members))
            conv.append(i < k)
    paths = paths_from_lists(paths_, conv)
    phi = dict(zip(paths.nodes, at.shapley_values(paths).tolist(), strict=True))
    assert phi == pytest.approx(hand, abs=1e-9)
    # Credits: the shares of phi (which sum to v(FLO) = 1) of the 42 conversions.
    got = credits(paths, "shapley")
    assert sum(got.values()) == pytest.approx(42)
    assert {k: x / 42 for k, x in got.items()} == pytest.approx(
        {"F": 0.455, "O": 0.205, "L": 0.340}, abs=5e-4)


def test_shapley_is_exact_with_many_items():
    # 20 distinct items: the dividend formula still equals the coalition formula (here on
    # a handful of players whose game we can enumerate, inside a 20-item store).
    rng = np.random.default_rng(7)
    names = [f"t{i:02d}" for i in range(20)]
    paths_, conv = [], []
    for _ in range(300):
        size = int(rng.integers(1, 4))
        paths_.append(list(rng.choice(names, size=size, replace=False)))
        conv.append(bool(rng.random() < 0.3))
    paths = paths_from_lists(paths_, conv)
    phi = dict(zip(paths.nodes, at.shapley_values(paths).tolist(), strict=True))
    # v(S) for every S over the 20 items is too many; check the efficiency axiom
    # (sum phi = v(all) = sum of the rates of the observed sets) and one player by hand.
    sets: dict[frozenset, list[bool]] = {}
    for p, c in zip(paths_, conv, strict=True):
        sets.setdefault(frozenset(p), []).append(c)
    rates = {s: sum(cs) / len(cs) for s, cs in sets.items()}
    assert sum(phi.values()) == pytest.approx(sum(rates.values()))
    who = names[3]
    assert phi[who] == pytest.approx(sum(r / len(s) for s, r in rates.items() if who in s))


def test_shapley_dividends_match_coalitions_on_random_small_games():
    rng = np.random.default_rng(3)
    players = list("PQRST")
    paths_, conv = [], []
    for _ in range(200):
        size = int(rng.integers(1, 6))
        paths_.append(list(rng.choice(players, size=size, replace=False)))
        conv.append(bool(rng.random() < 0.4))
    sets: dict[frozenset, list[bool]] = {}
    for p, c in zip(paths_, conv, strict=True):
        sets.setdefault(frozenset(p), []).append(c)
    rates = {s: sum(cs) / len(cs) for s, cs in sets.items()}
    v = {}
    for size in range(1, 6):
        for s in itertools.combinations(players, size):
            fs = frozenset(s)
            v[fs] = sum(r for t, r in rates.items() if t <= fs)
    hand = shapley_by_coalitions(v, players)
    paths = paths_from_lists(paths_, conv)
    phi = dict(zip(paths.nodes, at.shapley_values(paths).tolist(), strict=True))
    assert phi == pytest.approx(hand, abs=1e-12)


def test_options_and_models_refuse_bad_values():
    for bad in (0, -1, math.nan, math.inf, True, "7"):
        with pytest.raises(ValueError, match="half_life_days"):
            AttributionOptions(half_life_days=bad)
        with pytest.raises(ValueError, match="lookback_days"):
            AttributionOptions(lookback_days=bad)
    with pytest.raises(ValueError, match="level"):
        AttributionOptions(level="stage")
    with pytest.raises(ValueError, match="model"):
        at.check_model("u-shaped")


# -- properties -------------------------------------------------------------------------------
journeys_strategy = st.lists(
    st.tuples(st.lists(st.sampled_from("abcdef"), min_size=0, max_size=6), st.booleans()),
    min_size=1, max_size=25,
)


def _build(journeys):
    paths_, conv = [], []
    for p, c in journeys:
        # Collapse consecutive repeats as a path is; a non-converting path has a step.
        steps = [x for i, x in enumerate(p) if i == 0 or p[i - 1] != x]
        if not steps and not c:
            steps = ["a"]
        paths_.append(steps)
        conv.append(c)
    return paths_, conv


@settings(max_examples=150, deadline=None)
@given(journeys_strategy)
def test_every_model_credits_non_negative_amounts_summing_to_the_conversions(journeys):
    paths_, conv = _build(journeys)
    paths = paths_from_lists(paths_, conv, revenue=[10.0 * (i + 1) for i in range(len(conv))])
    for model in MODELS:
        c, rev = credit(paths, model)
        assert (c >= -1e-12).all() and (rev >= -1e-9).all()
        assert c.sum() == pytest.approx(sum(conv), abs=1e-9)
        assert rev.sum() == pytest.approx(paths.conversion_revenue, rel=1e-9, abs=1e-9)


@settings(max_examples=150, deadline=None)
@given(journeys_strategy)
def test_a_touchpoint_on_no_converting_path_gets_nothing(journeys):
    paths_, conv = _build(journeys)
    paths = paths_from_lists(paths_, conv)
    on_converting = {n for p, c in zip(paths_, conv, strict=True) if c for n in p}
    for model in MODELS:
        got = credits(paths, model)
        for node, value in got.items():
            if node in on_converting or node == NONE_BEFORE:
                continue
            if model == "markov":
                # The chain may stitch it into a converting chain path
                # (test_markov_may_credit_...); only a state that cannot reach
                # conversion in the chain is sure to get 0.
                continue
            assert value == 0.0, (model, node)
    # Markov: a node no chain path leads from to conversion gets 0.
    m = credits(paths, "markov")
    succ: dict[str, set[str]] = {}
    conv_exit = set()
    for p, c in zip(paths_, conv, strict=True):
        for x, y in zip(p, p[1:], strict=False):
            succ.setdefault(x, set()).add(y)
        if c and p:
            conv_exit.add(p[-1])
    can = set(conv_exit)
    changed = True
    while changed:
        changed = False
        for x, ys in succ.items():
            if x not in can and ys & can:
                can.add(x)
                changed = True
    for node, value in m.items():
        if node not in can and node != NONE_BEFORE:
            assert value == 0.0


@settings(max_examples=100, deadline=None)
@given(journeys_strategy, st.permutations("abcdef"))
def test_renaming_touchpoints_permutes_the_credits(journeys, perm):
    paths_, conv = _build(journeys)
    rename = dict(zip("abcdef", perm, strict=True))
    a = paths_from_lists(paths_, conv)
    b = paths_from_lists([[rename[x] for x in p] for p in paths_], conv)
    for model in MODELS:
        ga, gb = credits(a, model), credits(b, model)
        assert {rename.get(k, k): v for k, v in ga.items()} == pytest.approx(gb, abs=1e-9)


# -- on a store: what a path is ---------------------------------------------------------------
T0 = dt.datetime(2024, 6, 1, 9, 0)


day = clock(T0)


TOUCHPOINTS = [
    ("ad", "awareness", "social", True),
    ("mail", "awareness", "e-mail", True),
    ("site", "consideration", "web", True),
    ("blog", "consideration", "web", True),
    ("checkout", "purchase", "web", True),
    ("club", "retention", "app", True),
]
EVENTS = [
    # a: ad > site (twice: one step) > blog > checkout, then club after the conversion.
    ("a", day(0), "ad", "mobile", None),
    ("a", day(1), "site", "mobile", None),
    ("a", day(2), "site", "mobile", None),
    ("a", day(2.5), "blog", "mobile", None),
    ("a", day(3), "checkout", "desktop", 40.0),
    ("a", day(9), "club", "mobile", 7.0),
    # b: ad > checkout, half a day apart.
    ("b", day(0), "ad", "desktop", None),
    ("b", day(0.5), "checkout", "desktop", 10.0),
    # c: site only, no conversion.
    ("c", day(1), "site", "desktop", None),
    # d: buys at once: no touchpoint before the conversion.
    ("d", day(2), "checkout", "mobile", 5.0),
    # e: mail > ad > site, no conversion.
    ("e", day(0), "mail", "mobile", None),
    ("e", day(1), "ad", "mobile", None),
    ("e", day(5), "site", "mobile", None),
]
CUSTOMERS = [("a", "Parent"), ("b", "Parent"), ("c", "Senior"), ("d", "Senior"),
             ("e", "Parent")]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    s = small_store(tmp_path_factory.mktemp("attr") / "a.duckdb", events=EVENTS,
                    touchpoints=TOUCHPOINTS, customers=CUSTOMERS)
    yield s
    s.close()


def table(store, model, filters=None, **opts):
    result = at.attribute(store.cursor(), filters or Filters(), model, AttributionOptions(**opts))
    return {r.node: (round(r.conversions, 10), None if math.isnan(r.revenue) else
                     round(r.revenue, 10)) for r in result.table.itertuples()}, result


def test_paths_on_a_store(store):
    paths = at.load_paths(store.cursor(), Filters())
    by_journey: dict[int, list[str]] = {}
    for j, n in zip(paths.journey.tolist(), paths.node.tolist(), strict=True):
        by_journey.setdefault(j, []).append(paths.nodes[n])
    # Journeys by customer key; the conversion step and everything after it are cut.
    assert sorted(by_journey.values()) == sorted([
        ["ad", "site", "blog"], ["ad"], ["site"], [NONE_BEFORE], ["mail", "ad", "site"]])
    assert paths.conversions == 3 == reach.totals(store.cursor(), Filters())["converted"]


def test_last_and_first_touch_on_a_store_with_revenue(store):
    # Revenue of a converting journey: its shown events' (a: 40 + 7 after buying).
    got, result = table(store, "last")
    assert got == {"ad": (1.0, 10.0), "blog": (1.0, 47.0), NONE_BEFORE: (1.0, 5.0),
                   "mail": (0.0, 0.0), "site": (0.0, 0.0)}
    assert (result.conversions, result.journeys, result.revenue) == (3, 5, 62.0)
    got, _ = table(store, "first")
    assert got["ad"] == (2.0, 57.0) and got[NONE_BEFORE] == (1.0, 5.0)


def test_channel_level_collapses_channel_repeats(store):
    # a: social > web (site and blog are both web: one step); b: social; d: none before.
    got, _ = table(store, "linear", level="channel")
    # Revenue: a's 47 split in halves, b's 10 to social.
    assert got == {"social": (1.5, 33.5), "web": (0.5, 23.5), NONE_BEFORE: (1.0, 5.0),
                   "e-mail": (0.0, 0.0)}


def test_time_decay_ages_on_a_store(store):
    # a: ad's step ends day 0, site's day 2, blog's day 2.5; the conversion is day 3:
    # ages 3, 1 and 0.5 days. b: ad half a day before.
    got, _ = table(store, "time_decay", half_life_days=7)
    raw = [2 ** (-3 / 7), 2 ** (-1 / 7), 2 ** (-0.5 / 7)]
    assert got["ad"][0] == pytest.approx(raw[0] / sum(raw) + 1.0)
    assert got["site"][0] == pytest.approx(raw[1] / sum(raw))
    assert got["blog"][0] == pytest.approx(raw[2] / sum(raw))


def test_lookback_window(store):
    # 1 day before the conversion: a keeps site (ends day 2) and blog; b keeps ad (0.5).
    got, _ = table(store, "linear", lookback_days=1)
    assert got["site"][0] == pytest.approx(0.5) and got["blog"][0] == pytest.approx(0.5)
    assert got["ad"][0] == pytest.approx(1.0)
    # 0.6 days: a keeps blog only (half a day before), b its ad.
    got, _ = table(store, "linear", lookback_days=0.6)
    assert (got["blog"][0], got["ad"][0], got[NONE_BEFORE][0]) == (1.0, 1.0, 1.0)
    # 0.4 days: nothing is left before a's and b's conversions.
    got, _ = table(store, "first", lookback_days=0.4)
    assert got == {NONE_BEFORE: (3.0, 62.0), "site": (0.0, 0.0)}


FILTERS = [
    Filters(),
    Filters(personas=["Parent"]),
    Filters(devices=["mobile"]),
    Filters(since=day(0.4).date(), until=day(4).date()),
    Filters(channels=["web"]),
    Filters(outcome="dropped_off"),
    Filters(conversion_stage="consideration"),
]


@pytest.mark.parametrize("f", FILTERS, ids=range(len(FILTERS)))
def test_credits_sum_to_the_converted_figure_under_every_filter(store, f):
    converted = reach.totals(store.cursor(), f)["converted"]
    both = at.compare(store.cursor(), f)
    for model in MODELS:
        rows = both[both["model"] == model]
        assert rows["conversions"].sum() == pytest.approx(converted), model
        if converted:
            assert rows["share"].sum() == pytest.approx(1.0)


def test_a_device_filter_reads_the_shown_events_only(store):
    # On mobile: a's ad, site, blog, then club (retention, later than purchase: a converted
    # on mobile, at the club, day 9, with 7 of revenue); d converts with nothing before; b's
    # and c's events are on desktop.
    paths = at.load_paths(store.cursor(), Filters(devices=["mobile"]))
    assert paths.conversions == 2 == reach.totals(store.cursor(), Filters(devices=["mobile"]))[
        "converted"]
    got, _ = table(store, "time_decay", Filters(devices=["mobile"]))
    # Ages from the club (day 9): blog 6.5 days, site 7, ad 9.
    raw = {"ad": 2 ** (-9 / 7), "site": 2 ** (-7 / 7), "blog": 2 ** (-6.5 / 7)}
    assert got["blog"][0] == pytest.approx(raw["blog"] / sum(raw.values()))
    assert got["blog"][1] == pytest.approx(7 * raw["blog"] / sum(raw.values()))
    assert got[NONE_BEFORE] == (1.0, 5.0)


def test_compare_has_every_model_and_nodes_in_one_order(store):
    both = at.compare(store.cursor(), Filters())
    assert list(dict.fromkeys(both["model"])) == list(MODELS)
    orders = {tuple(g["node"]) for _m, g in both.groupby("model", sort=False)}
    assert len(orders) == 1


def test_an_empty_scope_credits_nothing(store):
    result = at.attribute(store.cursor(), Filters(personas=["Nobody"]), "markov")
    assert result.conversions == 0 and result.table.empty


# -- property: on a store, precomputed and computed paths agree and sum to converted ----------
_STORE: list[Store] = []


def prop_store() -> Store:
    if not _STORE:
        s = Store(Path(tempfile.mkdtemp()) / "attr_prop.duckdb")
        with s.transaction() as cur:
            cur.executemany(
                "INSERT INTO touchpoints (touchpoint, stage, channel, online) "
                "VALUES (?, ?, ?, true)",
                [("a", "awareness", "social"), ("b", "consideration", "web"),
                 ("c", "consideration", "app"), ("p", "purchase", "web")],
            )
        _STORE.append(s)
    return _STORE[0]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from("uvwxy"), st.integers(0, 60 * 24 * 20),
                          st.sampled_from("abcp")), min_size=1, max_size=30))
def test_store_paths_sum_to_converted_both_ways(events):
    s = prop_store()
    replace_events(s, [(c, T0 + dt.timedelta(minutes=m), tp) for c, m, tp in events],
                   columns=("customer_id", "ts", "touchpoint"))
    converted = reach.totals(s.cursor(), Filters())["converted"]
    wide = Filters(since="2000-01-01")  # an event condition: the computed path
    for f in (Filters(), wide):
        both = at.compare(s.cursor(), f)
        for model in MODELS:
            rows = both[both["model"] == model]
            assert rows["conversions"].sum() == pytest.approx(converted)
    a = at.compare(s.cursor(), Filters())
    b = at.compare(s.cursor(), wide)
    assert a[["model", "node"]].values.tolist() == b[["model", "node"]].values.tolist()
    assert np.allclose(a["conversions"], b["conversions"])


# -- SQL that travels ---------------------------------------------------------------------------
class _Recorder:
    """A cursor that remembers every statement it runs."""

    def __init__(self, cur) -> None:
        self.cur, self.sql = cur, []

    def execute(self, sql, params=None):
        self.sql.append(sql)
        return self.cur.execute(sql, params or {})


@pytest.mark.parametrize("f", [Filters(), Filters(personas=["Parent"], outcome="converted"),
                               Filters(devices=["mobile"], since="2024-06-01")],
                         ids=range(3))
def test_attribution_and_fix_first_sql_transpiles_to_spark(store, f):
    import sqlglot

    from journey.analytics import fix_first

    rec = _Recorder(store.cursor())
    for level in ("touchpoint", "channel"):
        at.compare(rec, f, AttributionOptions(level=level, lookback_days=3))
    fix_first.fix_first(rec, f)
    assert len(rec.sql) >= 7
    for sql in set(rec.sql):
        for stmt in sqlglot.transpile(sql, read="duckdb", write="spark",
                                      unsupported_level=sqlglot.ErrorLevel.RAISE):
            assert stmt


def test_each_credit_has_its_n(store):
    # Journeys whose path passes a node, and the converting ones among them (a, b, d convert).
    both = at.compare(store.cursor(), Filters())
    n = both[both["model"] == "last"].set_index("node")[["journeys", "converting"]]
    assert n.to_dict("index") == {
        "ad": {"journeys": 3, "converting": 2}, "site": {"journeys": 3, "converting": 1},
        "blog": {"journeys": 1, "converting": 1}, "mail": {"journeys": 1, "converting": 0},
        NONE_BEFORE: {"journeys": 1, "converting": 1},
    }
