"""Where `python -m journey sample` holds its memory: the peak resident memory (RSS) of each
phase of loading the demo (drawing the batches, inserting them, scoring the comments' sentiment,
finding their themes, building the journey tables, the commit), sampled every 50 ms. A phase
shorter than that may show no sample; "load (other)" is the rest of the load (handing memory
back between phases).

    python scripts/bench_sample_memory.py [--customers 1000000] [--seed 42]

Loads the demo into a new store in a temporary folder, exactly as `sample` does
(`demo.load_sample`), with each phase's functions wrapped to name the phase the samples fall
in. Prints, per phase, its peak RSS and its wall time, then the whole load's peak. Heavy at a
million customers (~10.5M events, several minutes): run it under `nice -n 10`, alone.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from journey.db import derived  # noqa: E402
from journey.db.store import Store  # noqa: E402
from journey.ingest import demo  # noqa: E402
from journey.voc import sentiment, themes  # noqa: E402

_phase = ["start"]
_peaks: dict[str, int] = {}
_walls: dict[str, float] = {}


def _rss_kib() -> int:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def _sample(stop: threading.Event) -> None:
    while not stop.is_set():
        rss = _rss_kib()
        name = _phase[0]
        _peaks[name] = max(_peaks.get(name, 0), rss)
        stop.wait(0.05)


def _as(name: str, fn: Callable[..., Any], then: str | None = None) -> Callable[..., Any]:
    def run(*args: Any, **kwargs: Any) -> Any:
        before, _phase[0] = _phase[0], name
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            _walls[name] = _walls.get(name, 0.0) + time.perf_counter() - start
            _phase[0] = then or before
    return run


def _drawn(fn: Callable[..., Iterator[Any]]) -> Callable[..., Iterator[Any]]:
    # The batches are drawn lazily, between inserts: only the drawing counts as "draw".
    def run(*args: Any, **kwargs: Any) -> Iterator[Any]:
        batches = fn(*args, **kwargs)
        while True:
            _phase[0] = "draw batches"
            start = time.perf_counter()
            try:
                batch = next(batches)
            except StopIteration:
                return
            finally:
                _walls["draw batches"] = (_walls.get("draw batches", 0.0)
                                          + time.perf_counter() - start)
                _phase[0] = "load (other)"
            yield batch
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    demo.generate_batches = _drawn(demo.generate_batches)
    demo._insert_batch = _as("insert batches", demo._insert_batch)
    sentiment.refresh = _as("sentiment", sentiment.refresh)
    themes.refresh = _as("themes", themes.refresh)
    derived.refresh = _as("journey tables", derived.refresh, then="commit")
    stop = threading.Event()
    sampler = threading.Thread(target=_sample, args=(stop,), daemon=True)
    sampler.start()
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        with Store(Path(tmp) / "sample.duckdb") as store:
            _phase[0] = "load (other)"
            summary = demo.load_sample(store, customers=args.customers, seed=args.seed)
            _phase[0] = "after the load"
        _walls["whole load"] = time.perf_counter() - start
        stop.set()
        sampler.join()
    print(f"{summary['events']:,} events, {summary['responses']:,} responses "
          f"({args.customers:,} customers, seed {args.seed})")
    print("| phase | peak RSS (MiB) | wall (s) |")
    print("|---|---:|---:|")
    for name in dict.fromkeys([*_peaks, *_walls]):
        if name == "whole load":
            continue
        peak, wall = _peaks.get(name), _walls.get(name)
        print(f"| {name} | {'' if peak is None else f'{peak / 1024:,.0f}'} | "
              f"{'' if wall is None else f'{wall:.1f}'} |")
    print(f"whole load: peak {max(_peaks.values()) / 1024:,.0f} MiB, "
          f"{_walls['whole load']:.1f} s wall")


if __name__ == "__main__":
    main()
