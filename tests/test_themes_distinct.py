"""Themes and sentiment found on the distinct texts, weighted by how many answers wrote each,
are exactly those found comment by comment (issue 14: the million-customer demo has ~390,000
comments but 393 distinct texts).

The hashes were recorded on the code before the distinct texts (main at 0c18167): a hand-made
set full of repeated comments, with and without the NMF's fit sample, and two seeded demo
stores (under and above the sentiment model's and the theme fit's caps). Any byte that moves
in a theme, its label, its terms, or an answer's theme, weight, language or score fails here.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
import three_subjects

from journey.db.store import Store
from journey.ingest import demo
from journey.voc import sentiment, theme_model, theme_words


def _repeated() -> list[str]:
    # The 33 verbatims, each written 1 to 4 times, interleaved, plus variants that are other
    # texts to the store (case, spacing) but the same words to the themes.
    base = [r["text"] for r in three_subjects.rows()]
    out: list[str] = []
    for round_ in range(4):
        out += [t for i, t in enumerate(base) if i % 4 >= round_]
    out += [t.upper() for t in base[:5]] + [f"  {t}  " for t in base[10:14]]
    return out


def _digest(found: theme_model.Themes) -> str:
    themes = [[f.label, f.terms, f.size] for f in found.themes]
    blob = json.dumps(themes, sort_keys=True).encode()
    blob += found.theme.astype(np.int64).tobytes() + found.weight.astype(np.float64).tobytes()
    return hashlib.sha256(blob).hexdigest()


def test_repeated_comments_give_the_themes_found_one_by_one() -> None:
    texts = _repeated()
    assert (len(texts), len(set(texts))) == (90, 42)
    found = theme_model.find(texts)
    assert sorted((f.label, f.size) for f in found.themes) == [
        ("caisse · attente · samedi", 31), ("high · compared · shops", 5),
        ("livraison · retard · arrived", 28), ("prix · excessifs · plantes", 18)]
    assert _digest(found) == (
        "4243e5a432fb2057cf9838c42551668151a40f6c0d217bef836972b9224c8322")


def test_repeated_comments_with_a_fit_sample(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(theme_model, "FIT_SAMPLE", 40)  # the NMF learns from 40 of 90 rows
    assert _digest(theme_model.find(_repeated(), seed=3)) == (
        "ab8a304001d6913aa164dedbbd8fa8aa0d4b2bb312f4b820f5c050c98c242277")


def _store_digest(path: Path) -> str:
    with Store(path) as store:
        cur = store.cursor()
        answers = cur.execute(
            "SELECT response_id, language, sentiment, sentiment_label, theme_id, theme_weight "
            "FROM responses ORDER BY response_id").fetchall()
        themes = cur.execute("SELECT theme_id, label, terms, active FROM themes "
                             "ORDER BY theme_id").fetchall()
    blob = repr(answers).encode() + repr(themes).encode()
    return hashlib.sha256(blob).hexdigest()


def test_a_seeded_demo_store_scores_and_themes_as_before(tmp_path: Path) -> None:
    path = tmp_path / "d.duckdb"
    with Store(path) as store:
        summary = demo.load_sample(store, customers=1500, seed=5)
    assert summary["responses"] == 1303  # 594 with a comment, 208 distinct texts
    assert _store_digest(path) == (
        "1981fcba29a1580e8f4792fb636df5715e52e7a8a96bb26c055eee697dbbd93f")


def test_a_demo_store_above_the_caps_as_before(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    # The big demo's paths on a small one: the NMF fitted on a sample, the sentiment model
    # learned from a sample, features built chunk by chunk.
    monkeypatch.setattr(theme_model, "FIT_SAMPLE", 150)
    monkeypatch.setattr(sentiment, "MAX_TRAINING", 120)
    monkeypatch.setattr(sentiment, "FEATURE_CHUNK", 97)
    path = tmp_path / "d.duckdb"
    with Store(path) as store:
        demo.load_sample(store, customers=1500, seed=5)
    assert _store_digest(path) == (
        "96ccd867f4d87a8d14b75c3afea1b6fc8f470beff2952abb0696bd8c3537cc3b")


def _by_answer(texts: list[str], max_features: int) -> tuple[list[str], object]:
    # The reference: scikit-learn's vectoriser on every answer's comment (what `find` did).
    from sklearn.feature_extraction.text import TfidfVectorizer

    n = len(texts)
    vec = TfidfVectorizer(
        analyzer=theme_words.terms_of, min_df=max(theme_model.MIN_SIZE, int(n * 0.002)),
        max_df=theme_model.MAX_DF, sublinear_tf=True, max_features=max_features,
        dtype=np.float32)
    x = vec.fit_transform([theme_words.words(t) for t in texts])
    return list(vec.get_feature_names_out()), x


@pytest.mark.parametrize("max_features", [20_000, 12])
def test_distinct_rows_are_scikit_learns_rows_byte_for_byte(
        max_features: int, monkeypatch: pytest.MonkeyPatch) -> None:
    # 12 of the 62 terms frequent enough: the cut by total count falls among four terms
    # counted 5 times each (a tie argsort breaks).
    monkeypatch.setattr(theme_model, "MAX_FEATURES", max_features)
    texts = _repeated()
    terms, want = _by_answer(texts, max_features)
    index: dict[str, int] = {}
    rows = np.array([index.setdefault(t, len(index)) for t in texts])
    tokens = [theme_words.words(t) for t in index]
    vocab, got = theme_model._vectorise(tokens, np.bincount(rows))
    assert list(vocab) == terms
    assert len(terms) == (12 if max_features == 12 else 62)
    got = got[rows]
    assert got.dtype == want.dtype == np.float32
    for part in ("indptr", "indices", "data"):
        assert np.array_equal(getattr(got, part), getattr(want, part)), part


def test_distinct_texts_in_any_order_give_the_same_themes() -> None:
    texts = _repeated()
    # The texts listed backwards, with one no answer wrote: rows point into that list.
    distinct = ["jamais écrit", *sorted(set(texts), reverse=True)]
    rows = np.array([distinct.index(t) for t in texts])
    assert _digest(theme_model.find_distinct(distinct, rows)) == _digest(
        theme_model.find(texts))


@pytest.mark.parametrize("df_rows", [4_096, 7])
def test_distinct_features_are_the_features_of_every_answer(
        df_rows: int, monkeypatch: pytest.MonkeyPatch) -> None:
    # The reference: the hashed counts of every answer's comment, TF-IDF fitted on them all
    # (what the sentiment model learned from before the distinct texts). 7: the document
    # frequencies of the 42 distinct texts counted 7 rows at a time.
    from sklearn.feature_extraction.text import TfidfTransformer

    monkeypatch.setattr("journey.voc.distinct._DF_ROWS", df_rows)
    texts = _repeated()
    counts = sentiment._hashed(texts)
    used = np.flatnonzero(np.diff(counts.tocsc().indptr))
    want = TfidfTransformer(sublinear_tf=True).fit_transform(counts[:, used]).tocsr()
    got = sentiment._features(texts)
    assert got.shape == want.shape == (90, len(used))
    for part in ("indptr", "indices", "data"):
        assert np.array_equal(getattr(got, part), getattr(want, part)), part


def test_sentiment_of_distinct_texts_in_any_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sentiment, "MIN_TRAINING", 20)  # 67 of the 90 answers are scored
    texts = _repeated()
    scores = [float(i % 11) if i % 4 else None for i in range(len(texts))]
    distinct = ["jamais écrit", *sorted(set(texts), reverse=True)]
    rows = np.array([distinct.index(t) for t in texts])
    y = np.array([np.nan if v is None else v for v in scores])
    want = sentiment.model_predictions(texts, scores, folds=3)
    assert want is not None and want.shape == (90,)
    assert np.array_equal(sentiment.predictions_of(distinct, rows, y, folds=3), want)
    assert sentiment._languages(texts) == [
        sentiment.detect_language(t, "fr") for t in texts]  # most of them are French
