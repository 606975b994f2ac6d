"""Load benchmark: N concurrent browser sessions walk every page of the app.

    python scripts/bench_load.py [--sessions 20] [--customers 5000] [--rounds 1] [--db PATH]
    python scripts/bench_load.py --sessions 5 --customers 100000      # a bigger store

Builds a demo store (or uses --db), starts the app on a free loopback port, then:
1. one session opens each page in turn, alone: the server's CPU per page view when nothing
   else runs;
2. N sessions (one headless Chromium, one context per session: each is its own Streamlit
   session) open every page `--rounds` times, all at once.
It reports errors (Streamlit exception boxes, error alerts, timeouts), page times (median and
95th percentile), and CPU read from /proc: the server process's own, per page view, and that
of everything else this script started (Chromium, Playwright), and the machine's load average
sampled every 5 s while the sessions run. Under load, page times that grow
while the server's CPU per view stays flat come from contention for the cores (browsers,
other work), not from the app. Never a test: figures depend on the machine. Everything stays
on 127.0.0.1, and the run is bounded: --deadline seconds in all.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_browser import (  # noqa: E402 - the sibling script's helpers
    CHROMIUM,
    CHROMIUM_ARGS,
    IDLE_JS,
    PAGES,
    build_store,
    start_server,
    store_facts,
)

TICK = os.sysconf("SC_CLK_TCK")
ERRORS = '[data-testid="stException"], [data-testid="stAlertContentError"]'
PAGE_TIMEOUT_MS = 180_000


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU seconds) of a live process, from /proc/<pid>/stat."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2:].split()  # the name may hold spaces
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / TICK


def tree_cpu(root: int, exclude: int | None = None) -> float:
    """CPU seconds of `root` and its live descendants (without the `exclude` subtree)."""
    parents: dict[int, int] = {}
    cpu: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (found := _stat(int(entry.name))):
            parents[int(entry.name)], cpu[int(entry.name)] = found
    total = 0.0
    for pid, seconds in cpu.items():
        p = pid
        while p and p != root and p != exclude:
            p = parents.get(p, 0)
        if p == root and pid != exclude:
            total += seconds
    return total


def server_cpu(pid: int) -> float:
    return (_stat(pid) or (0, 0.0))[1]


async def open_page(page, url: str, title: str) -> tuple[float, str | None]:
    """Seconds to interactive, and what went wrong (None when nothing did)."""
    t0 = time.perf_counter()
    try:
        # The same bound for the navigation as for the page: Playwright's own 30 s default
        # counted a page still loading on a saturated machine as an error.
        await page.goto(url, timeout=PAGE_TIMEOUT_MS)
        await page.wait_for_function(IDLE_JS, arg=title, timeout=PAGE_TIMEOUT_MS, polling=100)
    except Exception as exc:  # noqa: BLE001 - a timeout is a result here
        return time.perf_counter() - t0, f"{type(exc).__name__}: {str(exc)[:120]}"
    elapsed = time.perf_counter() - t0
    errors = await page.locator(ERRORS).all_inner_texts()
    return elapsed, (errors[0][:160] if errors else None)


async def run(url: str, server_pid: int, sessions: int, rounds: int, deadline: float) -> dict:
    from playwright.async_api import async_playwright

    me = os.getpid()
    out: dict = {"alone": [], "times": {p: [] for p, _t in PAGES}, "errors": []}
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)

        async def new_page():
            context = await browser.new_context(viewport={"width": 1440, "height": 1000},
                                                locale="en-US")
            return context, await context.new_page()

        # 1. Alone: CPU of the server per page view, nothing else running; after one view
        # that fills the caches every session shares (store facts, first queries).
        context, page = await new_page()
        before = server_cpu(server_pid)
        seconds, error = await open_page(page, f"{url}/{PAGES[0][0]}?lang=en", PAGES[0][1])
        out["cold"] = (seconds, server_cpu(server_pid) - before, error)
        for path, title in PAGES:
            before = server_cpu(server_pid)
            seconds, error = await open_page(page, f"{url}/{path}?lang=en", title)
            out["alone"].append((path, seconds, server_cpu(server_pid) - before, error))
        await context.close()

        # 2. Together: every session walks every page, all at once.
        async def walk(k: int) -> None:
            context, page = await new_page()
            try:
                for r in range(rounds):
                    # Each session starts at another page, as people do.
                    order = PAGES[(k + r) % len(PAGES):] + PAGES[:(k + r) % len(PAGES)]
                    for path, title in order:
                        if time.monotonic() > deadline:
                            out["errors"].append((k, path, "deadline reached"))
                            return
                        seconds, error = await open_page(page, f"{url}/{path}?lang=en", title)
                        out["times"][path].append(seconds)
                        if error:
                            out["errors"].append((k, path, error))
            finally:
                await context.close()

        # The machine's 1-minute load average, sampled while the sessions run: on a shared
        # machine the page times mean little without it.
        out["load"] = []

        async def sample_load() -> None:
            while True:
                out["load"].append(os.getloadavg()[0])
                await asyncio.sleep(5)

        sampler = asyncio.create_task(sample_load())
        cpu0, others0, t0 = server_cpu(server_pid), tree_cpu(me, server_pid), time.perf_counter()
        await asyncio.gather(*(walk(k) for k in range(sessions)))
        out["wall"] = time.perf_counter() - t0
        sampler.cancel()
        out["server_cpu"] = server_cpu(server_pid) - cpu0
        # Chromium's processes that ended with their context are not counted: a lower bound.
        out["others_cpu"] = tree_cpu(me, server_pid) - others0
        await browser.close()
    return out


def report(out: dict, sessions: int, customers: str) -> None:
    views = sum(len(v) for v in out["times"].values())
    print(f"\n## alone (one session), {customers}")
    seconds, cpu, error = out["cold"]
    print(f"first view after start: {seconds:.2f} s, server CPU {cpu:.2f} s {error or ''}")
    print("| page | time | server CPU |\n|---|---:|---:|")
    for path, seconds, cpu, error in out["alone"]:
        print(f"| {path} | {seconds:.2f} s | {cpu:.2f} s |" + (f" {error}" if error else ""))
    print(f"\n## {sessions} sessions at once: {views} page views in {out['wall']:.0f} s, "
          f"{len(out['errors'])} errors")
    print("| page | median | 95th pct | max |\n|---|---:|---:|---:|")
    for path, times in out["times"].items():
        if times:
            q = (statistics.quantiles(times, n=20, method="inclusive")[-1]
                 if len(times) > 1 else times[0])
            print(f"| {path} | {statistics.median(times):.2f} s | {q:.2f} s | "
                  f"{max(times):.2f} s |")
    cores = os.cpu_count() or 1
    wall = out["wall"] or 1.0
    print(f"\nserver CPU: {out['server_cpu']:.1f} s in all, "
          f"{out['server_cpu'] / max(views, 1):.2f} s per page view, "
          f"{out['server_cpu'] / wall:.2f} cores busy on average")
    print(f"browsers and driver CPU (lower bound): {out['others_cpu']:.1f} s, "
          f"{out['others_cpu'] / wall:.2f} cores on average ({cores} cores)")
    if out.get("load"):
        print(f"load average (1 min) during the run: median {statistics.median(out['load']):.1f}, "
              f"max {max(out['load']):.1f} ({len(out['load'])} samples, {cores} cores)")
    for k, path, error in out["errors"][:20]:
        print(f"  session {k} {path}: {error}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--customers", type=int, default=5_000)
    ap.add_argument("--rounds", type=int, default=1, help="walks of every page per session")
    ap.add_argument("--db", help="use this store instead of building a demo one")
    ap.add_argument("--deadline", type=float, default=1800.0, help="seconds for the whole run")
    args = ap.parse_args(argv)
    if not 1 <= args.sessions <= 50 or not 1 <= args.rounds <= 10:
        ap.error("--sessions 1..50 and --rounds 1..10")
    deadline = time.monotonic() + args.deadline

    with tempfile.TemporaryDirectory(prefix="parcours-load-") as tmp:
        db = Path(args.db) if args.db else Path(tmp) / "load.duckdb"
        if not args.db:
            secs = build_store(args.customers, db)
            print(f"demo store: {args.customers:,} customers built in {secs:.1f} s")
        _personas, events, _devices = store_facts(db)
        load = os.getloadavg()
        print(f"store: {events:,} events; load average before: {load[0]:.2f} {load[1]:.2f} "
              f"{load[2]:.2f} ({os.cpu_count()} cores)")
        proc, url = start_server(db, Path(tmp) / "streamlit.log")
        try:
            out = asyncio.run(run(url, proc.pid, args.sessions, args.rounds, deadline))
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except Exception:  # noqa: BLE001
                proc.kill()
        load = os.getloadavg()
        report(out, args.sessions, f"{events:,} events")
        print(f"load average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    return 1 if out["errors"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
