"""Parcours vs retentioneering on retentioneering's own `ecom` clickstream (issue 14).

    python scripts/bench_retentioneering.py [--copies 32] [--steps 10] [--repeat 5]
        [--rete-python /work/bench/rete-venv/bin/python] [--source CLICKSTREAM.csv[.gz]]

What it does:

1. Loads the `ecom` clickstream retentioneering ships in its package
   (`retentioneering/datasets/ecom.csv.gz`: 31,106 events, 600 users; found offline in the
   package, in this interpreter or in `--rete-python`'s), or `--source` (columns user_id,
   event, timestamp). Replicates it `--copies` times with new user ids per copy
   ("user_0000#1", ...; same timestamps): 32 copies = 995,392 events, 19,200 users.
2. Writes that as one CSV (customer_id, ts, touchpoint) and imports it into a temp Parcours
   store through the normal import path (`importer.import_file`: reading, validating, the
   journey tables), then times, through the Engine like the app, the step Sankey and the
   directly-follows transitions with repeats kept (median of `--repeat` runs after one
   warm-up, wall and CPU of the whole process).
3. Times retentioneering 5.2.4 on the same CSV (`Eventstream` with path_cols ["user_id"]:
   one path per customer, as a Parcours journey without a session gap; building it, like
   Parcours's import, is not timed): `step_sankey_data(max_steps)` (the data behind its
   Step Sankey widget) and `transition_graph_data(edge_weight="count")`.
4. Checks that the counts are identical, and says where they are not (exit 1).

How the two tools' outputs correspond (both order a path by time, ties in file order):

- Transitions. retentioneering adds `path_start` / `path_end` events to each path and
  counts consecutive (event, next event) pairs; Parcours with repeats kept counts
  (step, next step) pairs with START / END markers (`source_kind` "start", `target_kind`
  "end"). So: `path_start -> e` = START -> e (journeys beginning at e), `e -> path_end` =
  e -> END (journeys ending at e), `a -> b` = a -> b (self-pairs `a -> a` included: repeats
  are kept). Compared: every non-zero pair count.
- Step Sankey. retentioneering's step matrix holds, for each step k = 1..max_steps and
  event e, the share of paths whose k-th event is e, and a `path_end` row: the share of
  paths with fewer than k events; step 0 is `path_start` (every path). Counts = share x
  paths. Parcours's Sankey (repeats kept, `top` large enough that nothing folds into
  Other) has nodes (k, e) with their journey counts, and drop-off nodes at step k + 1 for
  the journeys ending at step k (k < steps). So: (k, e) counts equal; `path_end` at step k
  = the sum of Parcours's drop-offs at steps <= k; and both tools' path / journey totals.
  retentioneering's headless Sankey data has no links (its widget draws them from the
  matrices), so Parcours's links are checked against its own nodes: the links out of each
  node of steps 1..steps-1 plus its drop-off sum to the node.

When retentioneering cannot be run, the script says so, with the install command, still
prints Parcours's figures and exits 0 (on a stand-in clickstream of ecom's shape, labelled as
such, when the ecom file itself is not at hand either). retentioneering pins its own
pandas / numpy: install it in a separate venv and pass that interpreter:

    python3 -m venv /work/bench/rete-venv
    /work/bench/rete-venv/bin/pip install retentioneering==5.2.4
    python scripts/bench_retentioneering.py --rete-python /work/bench/rete-venv/bin/python

retentioneering sends usage events to PostHog unless RETENTIONEERING_NO_TRACK is set; the
script sets it for its runs (no network during the timings).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

REQUIRED_VERSION = "5.2.4"
INSTALL_HINT = (
    "python3 -m venv /work/bench/rete-venv && "
    f"/work/bench/rete-venv/bin/pip install retentioneering=={REQUIRED_VERSION}; then pass "
    "--rete-python /work/bench/rete-venv/bin/python"
)
START, END = "<start>", "<end>"  # the markers, named the same for both tools in the checks
STEPS_DEFAULT = 10
TOP_ALL = 100_000  # Parcours Sankey `top`: never fold a node into Other here

Pair = tuple[str, str]
Counts = dict[str, Any]


# -- the clickstream ---------------------------------------------------------------------
def rete_importable() -> bool:
    """Whether retentioneering imports in this interpreter."""
    try:
        import retentioneering  # noqa: F401
    except Exception:  # ImportError, or a broken install (pins clash with this venv's)
        return False
    return True


def ecom_path(rete_python: str | None) -> Path | None:
    """retentioneering's bundled ecom.csv.gz, from this interpreter or `rete_python`'s."""
    code = ("import pathlib, retentioneering.datasets as d; "
            "print(pathlib.Path(d.__file__).parent / 'ecom.csv.gz')")
    if rete_python:
        proc = subprocess.run([rete_python, "-c", code], capture_output=True, text=True,
                              env=_no_track_env(), check=False)
        found = Path(proc.stdout.strip()) if proc.returncode == 0 else None
    elif rete_importable():
        import retentioneering.datasets as d

        found = Path(d.__file__).parent / "ecom.csv.gz"
    else:
        found = None
    return found if found is not None and found.is_file() else None


# For when the ecom dataset is not at hand: a clickstream of the same shape (its event
# names, 3-9 sessions a user, ~52 events a user), so Parcours's figures still print.
STAND_IN_NEXT = {
    "home": ["catalog", "search", "promo_page", "account_page", "product_view"],
    "catalog": ["product_view", "product_view", "filter_results", "catalog", "search"],
    "search": ["product_view", "filter_results", "search", "catalog"],
    "filter_results": ["product_view", "product_view", "filter_results", "catalog"],
    "product_view": ["product_view", "catalog", "add_to_cart", "wishlist_add", "compare",
                     "review_page", "search"],
    "add_to_cart": ["cart", "cart", "product_view"],
    "cart": ["shipping_details", "shipping_details", "catalog", "support_chat"],
    "shipping_details": ["payment_details", "payment_details", "add_to_cart", "error_page"],
    "payment_details": ["purchase", "purchase", "payment_error", "support_chat"],
    "payment_error": ["payment_details", "support_chat"],
    "promo_page": ["catalog", "product_view"],
    "account_page": ["catalog", "home"],
    "wishlist_add": ["product_view", "catalog"],
    "compare": ["product_view"],
    "review_page": ["product_view", "add_to_cart"],
    "support_chat": ["cart", "home"],
    "error_page": ["home"],
    "purchase": ["home", "account_page"],
}


def stand_in_clickstream(users: int = 600, seed: int = 42) -> list[tuple[str, str, str]]:
    """A deterministic ecom-shaped clickstream (see STAND_IN_NEXT), in user, time order."""
    import datetime as dt
    import random

    rng = random.Random(seed)
    rows = []
    for u in range(users):
        days = sorted(rng.sample(range(181), rng.randint(3, 9)))
        for day in days:
            ts = dt.datetime(2024, 1, 1) + dt.timedelta(days=day, hours=rng.randint(8, 21))
            event = "home"
            for _ in range(rng.randint(3, 14)):
                rows.append((f"user_{u:04d}", event, f"{ts:%Y-%m-%d %H:%M:%S}"))
                ts += dt.timedelta(seconds=rng.randint(15, 180))
                event = rng.choice(STAND_IN_NEXT[event])
    return rows


def read_clickstream(path: Path) -> list[tuple[str, str, str]]:
    """(user_id, event, timestamp) rows in file order."""
    import csv

    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", newline="") as fh:
        rows = csv.DictReader(fh)
        return [(r["user_id"], r["event"], r["timestamp"]) for r in rows]


def write_replicated(rows: list[tuple[str, str, str]], copies: int, out: Path) -> int:
    """The clickstream `copies` times, user ids suffixed with the copy ("#k", k >= 1), as
    one CSV with Parcours's column names. Copies follow each other, and each keeps the
    file order, so ties in time are broken the same way in both tools. Returns the rows."""
    import csv

    with open(out, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["customer_id", "ts", "touchpoint"])
        for k in range(1, copies + 1):
            w.writerows((f"{u}#{k}", ts, ev) for u, ev, ts in rows)
    return len(rows) * copies


# -- timing ------------------------------------------------------------------------------
def timed(fn: Callable[[], Any], repeat: int) -> tuple[Any, dict[str, float]]:
    """fn's last result and the median wall / CPU ms of `repeat` runs after one warm-up.
    CPU is the whole process's (every DuckDB thread), what a shared machine can afford."""
    result = fn()
    wall, cpu = [], []
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        result = fn()
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return result, {"wall_ms": statistics.median(wall) * 1000,
                    "cpu_ms": statistics.median(cpu) * 1000}


# -- Parcours ----------------------------------------------------------------------------
def build_store(db: Path, csv_path: Path) -> dict[str, float]:
    """Import the CSV through the normal import path; its wall / CPU seconds."""
    from journey.db.store import Store
    from journey.ingest import importer

    t, c = time.perf_counter(), time.process_time()
    with Store(str(db)) as store:
        report = importer.import_file(store, str(csv_path), kind="events")
    if not report.ok:
        raise SystemExit(f"Parcours import failed: {[p.code for p in report.problems]}")
    return {"import_s": time.perf_counter() - t, "import_cpu_s": time.process_time() - c,
            "rows": report.rows_imported}


def parcours_transitions(source: Any) -> dict[Pair, int]:
    from journey.analytics import flows
    from journey.analytics.filters import Filters
    from journey.analytics.scope import FlowOptions

    df = flows.transitions(source, Filters(), FlowOptions(keep_repeats=True))
    out: dict[Pair, int] = {}
    for src, tgt, n, sk, tk in zip(df["source"], df["target"], df["transitions"],
                                   df["source_kind"], df["target_kind"], strict=True):
        key = (START if sk == flows.KIND_START else src, END if tk == flows.KIND_END else tgt)
        out[key] = int(n)
    return out


def parcours_sankey(source: Any, steps: int) -> dict[str, Any]:
    from journey.analytics import flows
    from journey.analytics.filters import Filters
    from journey.analytics.scope import FlowOptions

    return flows.sankey(source, Filters(), FlowOptions(keep_repeats=True), steps=steps,
                        top=TOP_ALL)


def sankey_counts(sankey: dict[str, Any], steps: int) -> Counts:
    """Parcours's Sankey in retentioneering's step-matrix terms (see the module docstring):
    {"paths", "nodes": {"k|event": n}, "ended": {k: paths with fewer than k events}}."""
    nodes: dict[str, int] = {}
    drops = dict.fromkeys(range(1, steps + 1), 0)
    for d in sankey["nodes"]:
        if d["kind"] == "node":
            nodes[f"{d['step']}|{d['name']}"] = int(d["customers"])
        elif d["kind"] == "dropoff":
            drops[int(d["step"])] += int(d["customers"])
        else:  # pragma: no cover - top is large enough that nothing folds
            raise AssertionError(f"unexpected folded node {d['id']}")
    ended, total = {}, 0
    for k in range(1, steps + 1):
        total += drops[k]
        ended[k] = total
    return {"paths": int(sankey["journeys"]), "nodes": nodes, "ended": ended}


def sankey_links_consistent(sankey: dict[str, Any]) -> list[str]:
    """Problems found checking that each node's outgoing links (drop-off included) add up
    to the node, for every step but the last (which has no way out drawn)."""
    out_of: dict[str, int] = {}
    for link in sankey["links"]:
        out_of[link["source_id"]] = out_of.get(link["source_id"], 0) + int(link["customers"])
    last = int(sankey["steps"])
    return [f"node {d['id']}: {d['customers']} vs links out {out_of.get(d['id'], 0)}"
            for d in sankey["nodes"]
            if d["kind"] == "node" and d["step"] < last
            and out_of.get(d["id"], 0) != d["customers"]]


def parcours_half(db: Path, steps: int, repeat: int) -> dict[str, Any]:
    """Time Parcours's two queries on the store; their counts in the shared terms."""
    from journey.analytics import flows
    from journey.analytics.filters import Filters
    from journey.db.engine import Engine
    from journey.db.store import Store

    with Store(str(db)) as store:
        cur = store.cursor()
        engine = Engine(cur)  # what the app runs queries through
        sankey, t_sankey = timed(lambda: parcours_sankey(engine, steps), repeat)
        pairs, t_trans = timed(lambda: parcours_transitions(engine), repeat)
        # For reference: the default (repeats collapsed) figures, read from precomputed steps.
        _, t_sankey0 = timed(lambda: flows.sankey(engine, Filters(), steps=steps), repeat)
        _, t_trans0 = timed(lambda: flows.transitions(engine, Filters()), repeat)
        cur.close()
    return {
        "times": {"sankey": t_sankey, "transitions": t_trans,
                  "sankey, repeats collapsed (precomputed)": t_sankey0,
                  "transitions, repeats collapsed (precomputed)": t_trans0},
        "sankey": sankey_counts(sankey, steps),
        "link_problems": sankey_links_consistent(sankey),
        "transitions": {f"{a}\t{b}": n for (a, b), n in pairs.items()},
    }


# -- retentioneering (runs in its own interpreter when its pins clash with ours) ---------
def _no_track_env() -> dict[str, str]:
    return {**os.environ, "RETENTIONEERING_NO_TRACK": "1"}


def rete_half(csv_path: Path, steps: int, repeat: int) -> dict[str, Any]:
    """Time retentioneering's Step Sankey data and transition counts on the CSV; their
    counts in the shared terms. Imports only retentioneering and pandas."""
    os.environ["RETENTIONEERING_NO_TRACK"] = "1"
    import pandas as pd
    import retentioneering as rete
    from retentioneering.eventstream.eventstream import Eventstream

    df = pd.read_csv(csv_path).rename(
        columns={"customer_id": "user_id", "touchpoint": "event", "ts": "timestamp"})
    t = time.perf_counter()
    stream = Eventstream(df, {"path_cols": ["user_id"]})
    build_s = time.perf_counter() - t
    sm, t_sankey = timed(lambda: stream.step_sankey_data(max_steps=steps), repeat)
    tm, t_trans = timed(lambda: stream.transition_graph_data(edge_weight="count"), repeat)

    return {
        "version": rete.__version__,
        "build_s": build_s,
        "times": {"sankey": t_sankey, "transitions": t_trans},
        **rete_counts(sm, tm, int(df["user_id"].nunique()), steps),
    }


def rete_counts(sm: Any, tm: Any, paths: int, steps: int) -> dict[str, Any]:
    """retentioneering's step matrix (`sm`: events x steps 0..steps, shares of paths, with
    path_start / path_end rows) and count matrix (`tm`: source x target, path_start /
    path_end included) in the shared terms (see the module docstring)."""
    nodes: dict[str, int] = {}
    ended: dict[int, int] = {}
    for event, row in sm.iterrows():
        for k in range(1, steps + 1):
            n = int(round(float(row[k]) * paths))  # shares are count / paths
            if event == "path_end":
                ended[k] = n
            elif event != "path_start" and n:
                nodes[f"{k}|{event}"] = n
    marker = {"path_start": START, "path_end": END}
    pairs = {f"{marker.get(a, a)}\t{marker.get(b, b)}": int(tm.at[a, b])
             for a in tm.index for b in tm.columns if tm.at[a, b]}
    return {"sankey": {"paths": paths, "nodes": nodes, "ended": ended}, "transitions": pairs}


def run_rete(csv_path: Path, steps: int, repeat: int, rete_python: str | None
             ) -> dict[str, Any] | str:
    """retentioneering's half, or why it could not run (a message)."""
    if rete_python is None:
        if not rete_importable():
            return "retentioneering is not installed in this interpreter"
        return rete_half(csv_path, steps, repeat)
    proc = subprocess.run(
        [rete_python, __file__, "--_rete", str(csv_path), "--steps", str(steps),
         "--repeat", str(repeat)],
        capture_output=True, text=True, env=_no_track_env(), check=False)
    if proc.returncode != 0:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return f"retentioneering could not run in {rete_python}: {tail}"
    return json.loads(proc.stdout.strip().splitlines()[-1])


# -- comparing ---------------------------------------------------------------------------
def differences(parcours: dict[str, Any], rete: dict[str, Any]) -> list[str]:
    """Every count that differs between the two tools (empty: identical)."""
    out: list[str] = []

    def diff(what: str, a: dict, b: dict) -> None:
        for key in sorted(set(a) | set(b), key=str):
            if a.get(key, 0) != b.get(key, 0):
                out.append(f"{what} {key!r}: Parcours {a.get(key, 0)}, "
                           f"retentioneering {b.get(key, 0)}")

    diff("transition", parcours["transitions"], rete["transitions"])
    ps, rs = parcours["sankey"], rete["sankey"]
    if ps["paths"] != rs["paths"]:
        out.append(f"paths: Parcours {ps['paths']}, retentioneering {rs['paths']}")
    diff("sankey node", ps["nodes"], rs["nodes"])
    diff("sankey ended by step", {int(k): v for k, v in ps["ended"].items()},
         {int(k): v for k, v in rs["ended"].items()})
    return out


def _fmt(t: dict[str, float]) -> str:
    return f"{t['wall_ms']:>9.1f} {t['cpu_ms']:>9.1f}"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--copies", type=int, default=32, help="replicas of the clickstream")
    p.add_argument("--steps", type=int, default=STEPS_DEFAULT, help="Sankey steps (both tools)")
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--rete-python", help="an interpreter with retentioneering installed")
    p.add_argument("--source", help="a clickstream CSV (user_id, event, timestamp) instead of "
                   "retentioneering's ecom dataset")
    p.add_argument("--dir", help="work directory (default: a temp dir, deleted)")
    p.add_argument("--_rete", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args._rete:  # the child run in retentioneering's interpreter
        print(json.dumps(rete_half(Path(args._rete), args.steps, args.repeat)))
        return 0

    source = Path(args.source) if args.source else ecom_path(args.rete_python)
    if source is None:
        print("retentioneering's ecom dataset was not found (it ships inside the "
              "retentioneering package): install retentioneering (below) or pass --source. "
              "Timing Parcours alone on a stand-in clickstream of the same shape.")
        print(f"  install: {INSTALL_HINT}")
    work = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="parcours-rete-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        rows = read_clickstream(source) if source else stand_in_clickstream()
        csv_path = work / "clickstream.csv"
        n = write_replicated(rows, args.copies, csv_path)
        users = len({u for u, _, _ in rows}) * args.copies
        name = source or "stand-in (not ecom)"
        print(f"clickstream: {name} x {args.copies} = {n:,} events, {users:,} users; "
              f"Sankey steps {args.steps}; median of {args.repeat} after a warm-up")
        db = work / "bench.duckdb"
        load0 = os.getloadavg()
        built = build_store(db, csv_path)
        print(f"Parcours import (normal path, journey tables included): "
              f"{built['import_s']:.1f} s wall, {built['import_cpu_s']:.1f} s CPU, "
              f"{built['rows']:,} rows")
        mine = parcours_half(db, args.steps, args.repeat)
        theirs = (run_rete(csv_path, args.steps, args.repeat, args.rete_python) if source
                  else "retentioneering was not run (no ecom dataset)")
        load1 = os.getloadavg()

        print(f"\n{'query':<56} {'wall ms':>9} {'CPU ms':>9}")
        for name, t in mine["times"].items():
            kept = "" if "collapsed" in name else ", repeats kept"
            print(f"{'Parcours ' + name + kept:<56} {_fmt(t)}")
        status = 0
        if isinstance(theirs, str):
            print(f"\n{theirs}: only Parcours's figures above.")
            print(f"  install: {INSTALL_HINT}")
        else:
            for name, t in theirs["times"].items():
                label = f"retentioneering {theirs['version']} {name}, repeats kept"
                print(f"{label:<56} {_fmt(t)}")
            print(f"(retentioneering's Eventstream built in {theirs['build_s']:.1f} s, "
                  "not timed above)")
            for name in ("sankey", "transitions"):
                a, b = mine["times"][name], theirs["times"][name]
                ratio_w, ratio_c = b["wall_ms"] / a["wall_ms"], b["cpu_ms"] / max(a["cpu_ms"], 1e-9)
                # Both: on a loaded shared machine the wall clock mostly measures the wait.
                print(f"{name}: Parcours {ratio_w:.1f}x faster in wall time "
                      f"({'met' if ratio_w >= 5 else 'MISSED'}), {ratio_c:.1f}x in CPU time "
                      f"({'met' if ratio_c >= 5 else 'MISSED'}); target >= 5x")
            found = differences(mine, theirs)
            if found:
                status = 1
                print(f"\nCOUNTS DIFFER ({len(found)}):")
                for line in found[:40]:
                    print(f"  {line}")
            else:
                print(f"\ncounts identical: {len(mine['transitions'])} transition pairs, "
                      f"{len(mine['sankey']['nodes'])} Sankey nodes over {args.steps} steps, "
                      f"{mine['sankey']['paths']:,} paths, path ends by step")
        if mine["link_problems"]:
            status = 1
            print("Parcours Sankey links do not add up: " + "; ".join(mine["link_problems"][:5]))
        print(f"load average {load0[0]:.1f} before / {load1[0]:.1f} after, "
              f"on {os.cpu_count()} CPUs")
        return status
    finally:
        if not args.dir:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
