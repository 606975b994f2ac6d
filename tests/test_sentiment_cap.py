"""The sentiment model of a big store: above MAX_TRAINING scored answers it learns from a
seeded sample of them and builds features chunk by chunk (what keeps the million-customer
demo's ~400,000 comments within memory); a store up to the cap is scored as it always was."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from journey.voc import sentiment


def _store(n: int = 300) -> tuple[list[str], list[float | None]]:
    # Promoters and detractors with their own words, every fifth answer without a score.
    rng = np.random.default_rng(11)
    good = ["vendeuse adorable", "caisse rapide", "belles plantes", "bon choix", "great lamp"]
    bad = ["attente caisse", "rayon vide", "vendeur absent", "prix ticket", "late parcel"]
    texts: list[str] = []
    scores: list[float | None] = []
    for i in range(n):
        promoter = i % 3 != 0
        words = rng.choice(good if promoter else bad, size=2)
        texts.append(f"{words[0]} et {words[1]} n{i}")
        scores.append(None if i % 5 == 4 else (9.0 + i % 2 if promoter else float(i % 7)))
    return texts, scores


def test_a_store_under_the_cap_is_scored_byte_for_byte_as_before() -> None:
    # The hash of the predictions made by the scorer before the cap existed (main at
    # 57fa216), on this very input: the cap changes no byte of a store below it.
    texts, scores = _store()
    assert sum(s is not None for s in scores) < sentiment.MAX_TRAINING
    pred = sentiment.model_predictions(texts, scores)
    assert hashlib.sha256(pred.tobytes()).hexdigest() == (
        "06ccd6b23eddf25c334e330280ac7550cd2d2361b453b33262b2026dd598692b")


def test_chunked_features_are_the_features_row_by_row(monkeypatch) -> None:
    texts, _ = _store(250)
    monkeypatch.setattr(sentiment, "FEATURE_CHUNK", 37)  # 7 chunks, the last one short
    whole = sentiment._features(texts)
    chunked = sentiment._ChunkedFeatures(texts)
    # Any rows, in any order, built 37 at a time (three pieces here).
    rows = np.concatenate([[249, 0, 36, 37, 120], np.arange(200, 100, -1)])
    part = chunked.rows(rows)
    assert part.shape == (105, whole.shape[1])
    assert part.dtype == whole.dtype
    assert (part != whole[rows]).nnz == 0  # exactly equal: same IDF, same columns


def test_above_the_cap_the_model_learns_from_a_seeded_sample_out_of_fold(monkeypatch) -> None:
    texts, scores = _store()
    scored = np.flatnonzero([s is not None for s in scores])  # 240 of 300
    monkeypatch.setattr(sentiment, "MAX_TRAINING", 120)
    monkeypatch.setattr(sentiment, "FEATURE_CHUNK", 64)
    before = sentiment.model_predictions(texts, scores)
    assert np.array_equal(sentiment.model_predictions(texts, scores), before)  # seeded
    sample = sentiment.training_sample(scored)
    assert len(sample) == 120 and set(sample) <= set(scored)
    assert list(sample) == sorted(sample)
    outside = np.setdiff1d(scored, sample)
    assert len(outside) == 120

    # A scored answer outside the sample is never learned from: changing its score
    # changes no prediction at all.
    flipped = list(scores)
    flipped[outside[0]] = 10.0 - scores[outside[0]]
    assert np.array_equal(sentiment.model_predictions(texts, flipped), before)
    # One inside moves the other folds' models and the sample's model, never its own
    # prediction (out of fold, as below the cap).
    inside = int(sample[0])
    flipped = list(scores)
    flipped[inside] = 10.0 - scores[inside]
    after = sentiment.model_predictions(texts, flipped)
    assert after[inside] == pytest.approx(before[inside], abs=1e-9)
    assert not np.allclose(after, before)

    # Still a model of the store's words: promoters' comments predicted well above
    # detractors', inside and outside the sample alike.
    promoter = np.array([i % 3 != 0 for i in range(len(texts))])
    for rows in (sample, outside):
        assert before[rows][promoter[rows]].mean() > before[rows][~promoter[rows]].mean() + 3
