"""Quality and speed of the voice-of-the-customer sentiment (issue 13).

    python scripts/bench_voc.py [--real DIR] [--n 100000]

1. AUC, promoters' (9-10) vs detractors' (0-6) comments, on the two real NPS exports in
   ../shared/real-exports (skipped when absent): each file is imported into a fresh store the
   way a user would (`importer.import_file`, which scores the comments), and the stored
   sentiment is compared with the stored NPS. The model part is out of fold (5 folds by
   answer), so no comment is scored by a model that saw its own answer's score. The lexicon
   alone and the model alone are printed beside the combination.
2. Accuracy on tests/data/verbatims_labelled.csv (negative/neutral/positive), lexicon alone:
   that set has no scores to learn from.
3. Time to score N verbatims with their scores (language, lexicon, vectorising, 5 + 1 ridge
   fits), its parts, and an import of 1,000 new comments into a store of those N
   (incremental); then the time to find their themes (TF-IDF of word terms, NMF fitted on a
   seeded sample, every comment projected): comments drawn from the two files and the
   labelled set, each made distinct; then the same draw as written (repeats kept), scored
   and themed.
4. The themes found on each real file once imported (the store's own, as the NPS page and
   `query themes` show them), as a Markdown table for the README: label, size, share, NPS
   with its 95% margin.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sklearn.metrics import roc_auc_score  # noqa: E402

from journey.analytics import themes  # noqa: E402
from journey.analytics.filters import Filters  # noqa: E402
from journey.db.store import Store  # noqa: E402
from journey.ingest import importer  # noqa: E402
from journey.voc import sentiment, theme_model  # noqa: E402

FILES = ("nps_benavent_fr.csv", "nps_miro_feedback.csv")
LABELLED = ROOT / "tests" / "data" / "verbatims_labelled.csv"


def _auc(nps: np.ndarray, score: np.ndarray) -> float:
    keep = (nps >= 9) | (nps <= 6)
    return float(roc_auc_score(nps[keep] >= 9, score[keep]))


def real_file(path: Path) -> tuple[list[str], np.ndarray]:
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "b.duckdb") as store:
        report = importer.import_file(store, path)
        if not report.ok:
            raise SystemExit(report.to_text())
        rows = store.cursor().execute(
            "SELECT comment, nps, sentiment FROM responses WHERE sentiment IS NOT NULL "
            "AND nps BETWEEN 0 AND 10 ORDER BY response_id").fetchall()
        found = themes.themes(store.cursor(), Filters())
    texts = [r[0] for r in rows]
    nps = np.array([r[1] for r in rows], dtype=float)
    stored = np.array([r[2] for r in rows], dtype=float)
    lex = np.array([sentiment.lexicon_score(t) for t in texts])
    model = sentiment.model_predictions(texts, list(nps))
    print(f"{path.name}: {len(texts):,} scored comments, {int(((nps >= 9) | (nps <= 6)).sum()):,}"
          f" promoters or detractors")
    print(f"  AUC stored sentiment (lexicon + out-of-fold model): {_auc(nps, stored):.3f}")
    print(f"  AUC lexicon alone: {_auc(nps, lex):.3f}")
    if model is not None:
        print(f"  AUC model alone (out of fold): {_auc(nps, model):.3f}")
    print_themes(path.name, found)
    return texts, nps


def print_themes(name: str, found: object) -> None:
    """The store's themes as a Markdown table (what the README shows)."""
    total = int(found["size"].sum())
    print(f"\nThemes of {name} ({total:,} comments in a theme):\n")
    print("| theme | comments | share | NPS ± 95% margin (n) |")
    print("|---|---:|---:|---:|")
    for r in found.itertuples(index=False):
        print(f"| {r.label} | {r.size:,} | {r.share:.1%} | {r.nps:+.1f} ± {r.margin:.1f} "
              f"({r.nps_n:,}) |")
    print()


def labelled() -> list[str]:
    with LABELLED.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    result = sentiment.score_comments([r["text"] for r in rows])
    for lang in ("fr", "en", None):
        part = [(g, r) for g, r in zip(result.label, rows, strict=True)
                if lang is None or r["lang"] == lang]
        acc = sum(g == r["label"] for g, r in part) / len(part)
        print(f"labelled set {lang or 'all'}: accuracy {acc:.1%} on {len(part)}")
    return [r["text"] for r in rows]


def _clock() -> tuple[float, float]:
    return time.process_time(), time.perf_counter()


def _since(start: tuple[float, float]) -> str:
    cpu, wall = time.process_time() - start[0], time.perf_counter() - start[1]
    return f"{wall:.1f} s wall, {cpu:.1f} s CPU"


def speed(pool: list[tuple[str, float | None]], n: int, new: int = 1_000) -> None:
    rng = np.random.default_rng(0)
    picks = rng.integers(0, len(pool), size=n)
    # Distinct texts (a customer number appended), so nothing is scored twice for free.
    texts = [f"{pool[i][0]} (client {k})" for k, i in enumerate(picks)]
    nps = [pool[i][1] for i in picks]
    start = _clock()
    result = sentiment.score_comments(texts, nps)
    scored = time.perf_counter() - start[1]
    print(f"{n:,} verbatims scored, full (model used: {result.model_used}): {_since(start)}, "
          f"on {os.cpu_count()} cores")
    # Where the time goes, part by part (the same steps again).
    start = _clock()
    languages = sentiment._languages(texts)
    sentiment._lexicon_part(texts, languages)
    print(f"  language + lexicon: {_since(start)}")
    start = _clock()
    sentiment._features(texts)
    print(f"  n-gram features (TF-IDF): {_since(start)}")
    # An import of `new` comments into a store holding the n above, all scored: what
    # `sentiment.refresh` does then (lexicon of the new ones, features of all, one fit).
    from sklearn.linear_model import Ridge

    extra = [f"{pool[int(i)][0]} (new {k})" for k, i in
             enumerate(rng.integers(0, len(pool), size=new))]
    trained = [(t, y) for t, y in zip(texts, nps, strict=True) if y is not None]
    start = _clock()
    sentiment._lexicon_part(extra, sentiment._languages(extra))
    x = sentiment._features([t for t, _ in trained] + extra)
    model = Ridge(alpha=1.0, solver="lsqr").fit(x[:len(trained)], [y for _, y in trained])
    model.predict(x[len(trained):])
    print(f"an import of {new:,} new comments into that store (incremental: only they are "
          f"scored, one fit on the {len(trained):,} scored answers): {_since(start)}")
    start = _clock()
    found = theme_model.find(texts)
    themed = int((found.theme >= 0).sum())
    twall = time.perf_counter() - start[1]
    print(f"{n:,} verbatims themed ({len(found.themes)} themes, {themed:,} comments in one): "
          f"{_since(start)}")
    print(f"scored (full) and themed: {scored + twall:.1f} s wall, of which theming "
          f"{twall / (scored + twall):.0%}")
    # The same draw as written, repeats kept: a store's comments repeat (the demo's ~390,000
    # are ~700 texts), and each distinct text is split, scored and vectorised once.
    written = [pool[i][0] for i in picks]
    start = _clock()
    sentiment.score_comments(written, nps)
    theme_model.find(written)
    print(f"{n:,} verbatims as drawn ({len(set(written)):,} distinct texts), scored (full) "
          f"and themed: {_since(start)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--real", type=Path, default=ROOT.parent / "shared" / "real-exports")
    parser.add_argument("--n", type=int, default=100_000, help="verbatims to time (0: skip)")
    args = parser.parse_args()
    pool: list[tuple[str, float | None]] = []
    for name in FILES:
        path = args.real / name
        if path.is_file():
            texts, nps = real_file(path)
            pool += list(zip(texts, nps.tolist(), strict=True))
        else:
            print(f"{name}: not found in {args.real}, skipped")
    pool += [(t, None) for t in labelled()]
    if args.n > 0:
        speed(pool, args.n)


if __name__ == "__main__":
    main()
