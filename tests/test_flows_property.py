"""Property test: transitions and the Sankey equal a plain-Python reference on random
journeys (few customers and touchpoints, equal timestamps for ties, repeats), on both the
precomputed and the computed path, with and without repeats, sessions and anchors."""

from __future__ import annotations

import datetime as dt
import statistics
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from small_store import replace_events

from journey.analytics import flows
from journey.analytics.filters import Filters
from journey.analytics.scope import FlowOptions
from journey.db.store import Store

T0 = dt.datetime(2024, 3, 1)
TPS = ["a", "b", "c", "d"]
_STORE: list[Store] = []


def store() -> Store:
    if not _STORE:
        _STORE.append(Store(Path(tempfile.mkdtemp()) / "prop.duckdb"))
    return _STORE[0]


def load(events: list[tuple[str, int, str]]) -> None:
    replace_events(
        store(), [(c, T0 + dt.timedelta(minutes=m), tp) for c, m, tp in events],
        columns=("customer_id", "ts", "touchpoint"),
    )


# -- the reference ----------------------------------------------------------------------------
def ref_journeys(events, keep_repeats, gap):
    """[(customer, [(node, first_minute, last_minute)])] per journey."""
    by_c = defaultdict(list)
    for i, (c, m, tp) in enumerate(events):
        by_c[c].append((m, i, tp))
    out = []
    for c, evs in sorted(by_c.items()):
        evs.sort()
        sessions, cur = [], []
        for m, _i, tp in evs:
            if cur and gap is not None and m - cur[-1][0] > gap:
                sessions.append(cur)
                cur = []
            cur.append((m, tp))
        sessions.append(cur)
        for sess in sessions:
            steps = []
            for m, tp in sess:
                if steps and steps[-1][0] == tp and not keep_repeats:
                    steps[-1][2] = m
                else:
                    steps.append([tp, m, m])
            out.append((c, [tuple(s) for s in steps]))
    return out


def ref_transitions(journeys):
    count, custs, mins = Counter(), defaultdict(set), defaultdict(list)
    for c, steps in journeys:
        pairs = [("(start)", steps[0][0], None)]
        pairs += [(a[0], b[0], b[1] - a[2]) for a, b in zip(steps, steps[1:], strict=False)]
        pairs.append((steps[-1][0], "(end)", None))
        for s, t, m in pairs:
            count[(s, t)] += 1
            custs[(s, t)].add(c)
            if m is not None:
                mins[(s, t)].append(m)
    out_of = Counter()
    for (s, _t), n in count.items():
        out_of[s] += n
    return {
        k: (n, len(custs[k]), statistics.median(mins[k]) if mins[k] else None, n / out_of[k[0]])
        for k, n in count.items()
    }


def ref_sankey(journeys, steps, top, start_at=None, end_at=None):
    rows = []  # (pos -> node) per journey plus whether it ends at each pos
    for _c, js in journeys:
        nodes = [s[0] for s in js]
        if end_at is not None:
            if end_at not in nodes:
                continue
            b = nodes.index(end_at)
            window = nodes[max(0, b - steps + 1): b + 1]
            first = steps - len(window) + 1
            rows.append(({first + k: n for k, n in enumerate(window)}, None))
        else:
            if start_at is not None:
                if start_at not in nodes:
                    continue
                nodes = nodes[nodes.index(start_at):]
            rows.append(({k + 1: n for k, n in enumerate(nodes[:steps])}, len(nodes)))
    per_pos = defaultdict(Counter)
    for posmap, _ in rows:
        for p, n in posmap.items():
            per_pos[p][n] += 1
    keep = {p: {n for n, _ in sorted(c.items(), key=lambda x: (-x[1], x[0]))[:top]}
            for p, c in per_pos.items()}

    def lab(p, n):  # the node's id: folded and drop-off nodes have reserved ids
        return f"{p} · {n}" if n in keep[p] else f"{p} | #other"

    nodes, links = Counter(), Counter()
    for posmap, length in rows:
        for p, n in posmap.items():
            nodes[lab(p, n)] += 1
            if p < steps and p + 1 in posmap:
                links[(lab(p, n), lab(p + 1, posmap[p + 1]))] += 1
            elif p < steps and length is not None and length == p:
                nodes[f"{p + 1} | #drop-off"] += 1
                links[(lab(p, n), f"{p + 1} | #drop-off")] += 1
    return len(journeys), dict(nodes), dict(links)


# -- the property -----------------------------------------------------------------------------
events_st = st.lists(
    st.tuples(st.sampled_from(["x", "y", "z"]), st.integers(0, 12), st.sampled_from(TPS)),
    min_size=0, max_size=25,
)


def assert_transitions_match(got, exp) -> None:
    """flows.transitions' frame equals the reference's {(source, target): (transitions,
    customers, median minutes or None, share of source)}: counts exactly, floats to 1e-9."""
    got_d = {
        (r.source, r.target): (r.transitions, r.customers,
                               None if r.median_minutes != r.median_minutes else r.median_minutes,
                               r.share_of_source)
        for r in got.itertuples()
    }
    assert set(got_d) == set(exp)
    for k, (n, c, med, share) in exp.items():
        g = got_d[k]
        assert g[:2] == (n, c), k
        assert (g[2] is None) == (med is None) and (med is None or abs(g[2] - med) < 1e-9), k
        assert abs(g[3] - share) < 1e-9


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    events=events_st,
    keep=st.booleans(),
    gap=st.sampled_from([None, None, 2, 5]),
    compute=st.booleans(),
    steps=st.integers(2, 4),
    top=st.integers(1, 4),
    anchor=st.sampled_from([None, ("start", "b"), ("end", "c")]),
)
def test_flows_match_reference(events, keep, gap, compute, steps, top, anchor):
    load(events)
    cur = store().cursor()
    journeys = ref_journeys(events, keep, gap)

    opts = FlowOptions(keep_repeats=keep, session_gap=gap, force_compute=compute)
    got = flows.transitions(cur, Filters(), opts)
    exp = ref_transitions(journeys)
    assert_transitions_match(got, exp)

    kw = {}
    if anchor:
        kw["start_at" if anchor[0] == "start" else "end_at"] = anchor[1]
    opts = FlowOptions(keep_repeats=keep, session_gap=gap, force_compute=compute)
    r = flows.sankey(cur, Filters(), opts, steps=steps, top=top, **kw)
    n_j, nodes, links = ref_sankey(journeys, steps, top, **kw)
    assert r["journeys"] == n_j
    assert {n["id"]: n["customers"] for n in r["nodes"]} == nodes
    assert {(lk["source_id"], lk["target_id"]): lk["customers"] for lk in r["links"]} == links


# -- the same property inside a date range ------------------------------------------------------
# Events every 8 hours over ~4 days, so a day range cuts journeys at their start, their end or
# both, through a repeated node (a step straddling the range's start or end) or between two.
HOURS = 8
STAGE_OF = {"a": "sa", "b": "sb", "c": "scd", "d": "scd"}  # c and d share a stage
_STAGED: list[bool] = []


def staged_store() -> Store:
    """The property store with a touchpoint map (once): stage level merges c and d."""
    if not _STAGED:
        with store().transaction() as cur:
            cur.execute("DELETE FROM touchpoints")
            cur.executemany(
                "INSERT INTO touchpoints (touchpoint, stage, channel, online) "
                "VALUES (?, ?, 'web', TRUE)", list(STAGE_OF.items()))
            cur.execute("DELETE FROM stages")
            cur.executemany("INSERT INTO stages (stage, position) VALUES (?, ?)",
                            [("sa", 1), ("sb", 2), ("scd", 3)])
        _STAGED.append(True)
    return store()


days_st = st.sampled_from([None] + [T0.date() + dt.timedelta(days=k) for k in range(5)])


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    events=events_st,
    keep=st.booleans(),
    gap=st.sampled_from([None, None, 2 * HOURS * 60, 5 * HOURS * 60]),
    compute=st.booleans(),
    level=st.sampled_from(["touchpoint", "stage"]),
    since=days_st,
    until=days_st,
    steps=st.integers(2, 4),
    top=st.integers(1, 4),
)
def test_flows_in_a_date_range_match_reference(events, keep, gap, compute, level, since, until,
                                              steps, top):
    """A date range keeps each customer's events inside it (a contiguous run of the journey):
    the range path (`db.range_steps`) and the computed path both equal the reference run on
    the kept events only: transitions, the Sankey and top paths, at both levels."""
    if since is None and until is None:
        until = T0.date() + dt.timedelta(days=2)
    f = Filters(since=since, until=until)
    since, until = f.since, f.until  # Filters puts them in order
    minutes = [(c, m * HOURS * 60, tp) for c, m, tp in events]
    staged_store()
    load(minutes)
    cur = store().cursor()
    kept = []
    for c, m, tp in minutes:
        day = (T0 + dt.timedelta(minutes=m)).date()
        if (since is None or day >= since) and (until is None or day <= until):
            kept.append((c, m, tp if level == "touchpoint" else STAGE_OF[tp]))
    journeys = ref_journeys(kept, keep, gap)

    opts = FlowOptions(level=level, keep_repeats=keep, session_gap=gap, force_compute=compute)
    got = flows.transitions(cur, f, opts)
    exp = ref_transitions(journeys)
    assert_transitions_match(got, exp)

    r = flows.sankey(cur, f, opts, steps=steps, top=top)
    n_j, nodes, links = ref_sankey(journeys, steps, top)
    assert r["journeys"] == n_j
    assert {n["id"]: n["customers"] for n in r["nodes"]} == nodes
    assert {(lk["source_id"], lk["target_id"]): lk["customers"] for lk in r["links"]} == links

    # Top paths: journeys grouped by their first `steps` nodes and whether they go on (then
    # more_min..more_max is the range of steps they have beyond).
    groups: dict = defaultdict(list)
    for _c, js in journeys:
        extra = max(0, len(js) - steps)
        groups[(tuple(s[0] for s in js[:steps]), extra > 0)].append(extra)
    rows = flows.top_paths(cur, f, opts, steps=steps, limit=100)
    assert {(tuple(r.path), r.more_max > 0): (r.customers, r.more_min, r.more_max)
            for r in rows.itertuples()} == {
        k: (len(v), min(v), max(v)) for k, v in groups.items()}
