"""Server CPU of a page's rerun after a sidebar filter change (AppTest, one fresh process).

    python scripts/bench_filter_cpu.py --db PATH [--pages nps,journey-map] [--runs 3]
                                       [--detail] [--profile N] [--root CHECKOUT]

In a fresh process: open the page (the first view, every cache cold), then pick a persona in
the sidebar (a different one each run: a cache miss for that page, as a user's click is), then
a device (an event-level filter, the dearest kind), and time each rerun. CPU is the process's
own (every thread, DuckDB's too), robust to a busy machine; wall time follows the machine.
`--detail` prints the CPU of each `ctx.query` (function name; a cache hit costs ~0) of the
reruns, `--profile N` the N dearest functions. `--root` times another checkout's app (a
before/after on the same store). Never a test.
"""

from __future__ import annotations

import argparse
import os
import statistics
from pathlib import Path

from apptest_child import PAGES, prelude, run_child

ROOT = Path(__file__).resolve().parents[1]

CHILD = prelude("runs, profile, detail",
                'int(sys.argv[3]), int(sys.argv[4]), sys.argv[5] == "1"') + r"""
SPENT = {}
if detail:
    from ui import page as ui_page
    _query = ui_page.PageContext.query

    def query(self, fn, **kw):
        c0 = time.process_time()
        try:
            return _query(self, fn, **kw)
        finally:
            label = fn.__module__.split(".")[-1] + "." + fn.__name__
            SPENT[label] = SPENT.get(label, 0.0) + time.process_time() - c0

    ui_page.PageContext.query = query

from journey.analytics.filter_options import filter_options
from journey.db.store import Store
with Store(os.environ["PARCOURS_DB"]) as s:
    opts = filter_options(s.cursor())
personas, devices = list(opts["personas"]), list(opts.get("devices") or [])

def timed(fn):
    c0, w0 = time.process_time(), time.perf_counter()
    fn()
    return time.process_time() - c0, time.perf_counter() - w0

at = AppTest.from_file(os.path.join(root, "app.py"), default_timeout=600)
at.query_params["lang"] = "en"
at.run()
at.switch_page(page)
out = {"first": timed(at.run), "persona": [], "device": []}
SPENT.clear()
prof = cProfile.Profile() if profile else None
for i in range(runs):
    PROF["on"] = prof
    at.sidebar.multiselect(key="sb_persona").set_value([personas[i % len(personas)]])
    out["persona"].append(timed(at.run))
    at.sidebar.multiselect(key="sb_device").set_value([devices[i % len(devices)]])
    out["device"].append(timed(at.run))
    PROF["on"] = None
    # Back to no device for the next persona (a rerun not timed).
    at.sidebar.multiselect(key="sb_device").set_value([])
    at.run()
# A language switch (same filters: the page's figures are cached, only the words change).
at.sidebar.radio(key="sb_lang").set_value("fr")
out["lang"] = timed(at.run)
out["errors"] = [str(e.value)[:300] for e in at.exception]
out["detail"] = sorted(SPENT.items(), key=lambda x: -x[1])
print("JSON" + json.dumps(out))
if prof:
    s = io.StringIO()
    pstats.Stats(prof, stream=s).sort_stats("cumulative").print_stats(profile)
    print(s.getvalue())
"""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", required=True)
    ap.add_argument("--pages", default="nps,journey-map")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--profile", type=int, default=0)
    ap.add_argument("--detail", action="store_true")
    ap.add_argument("--root", help="time this checkout's app instead (before/after)")
    args = ap.parse_args(argv)
    root = Path(args.root).resolve() if args.root else ROOT
    env = {**os.environ, "PARCOURS_DB": str(Path(args.db).resolve()), "PARCOURS_DEMO": "0"}
    load = os.getloadavg()
    print(f"app: {root}; load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print("| page | first view CPU / wall (s) | persona change CPU, median / max (s) "
          "| wall | device change CPU, median / max (s) | wall | language switch CPU / wall (s) |\n"
          "|---|---:|---:|---:|---:|---:|---:|")
    for name in args.pages.split(","):
        r, rest = run_child(CHILD, root, PAGES[name],
                            [str(args.runs), str(args.profile), "1" if args.detail else "0"], env)
        if r is None:
            print(f"| {name} | failed: {rest} |")
            continue

        def cell(key: str, i: int, r: dict = r) -> str:
            xs = [x[i] for x in r[key]]
            return f"{statistics.median(xs):.2f} / {max(xs):.2f}"

        err = f" errors: {r['errors']}" if r["errors"] else ""
        print(f"| {name} | {r['first'][0]:.2f} / {r['first'][1]:.2f} | {cell('persona', 0)} "
              f"| {cell('persona', 1)} | {cell('device', 0)} | {cell('device', 1)} "
              f"| {r['lang'][0]:.2f} / {r['lang'][1]:.2f} |{err}",
              flush=True)
        for label, cpu in r["detail"][:25]:
            print(f"    {cpu * 1000:7.0f} ms  {label} (every rerun after the first view)")
        if args.profile:
            print(rest[:25000])
    load = os.getloadavg()
    print(f"load average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
