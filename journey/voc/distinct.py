"""Comments as distinct texts and, per answer, the number of its text: a store's comments
repeat (the million-customer demo: 397,165 comments, 393 texts), and the words, n-grams,
language and lexicon score of a text are the same whoever wrote it, so each is worked out
once per text and spread to the answers by that number.

The texts are put in the order the answers first write them: scikit-learn and the sentiment
features number words and n-grams in the order they meet them, and that order decides how
each row's values are stored (so summed), so a text's row is then bit for bit the one the
answers one by one give.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

# Rows of distinct texts whose document frequencies are counted at a time.
_DF_ROWS = 4_096


def factorise(texts: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """(the distinct texts in the order first written, each text's number into them)."""
    index: dict[str, int] = {}
    rows = np.fromiter((index.setdefault(t, len(index)) for t in texts), dtype=np.int64,
                       count=len(texts))
    return list(index), rows


def first_seen(distinct: Sequence[str], rows: np.ndarray) -> tuple[list[str], np.ndarray]:
    """`distinct` put in the order `rows` first points at them (and `rows` renumbered to
    match), without the texts no row points at."""
    rows = np.asarray(rows, dtype=np.int64)
    used, first = np.unique(rows, return_index=True)
    order = used[np.argsort(first, kind="stable")]
    renumber = np.empty(len(distinct), dtype=np.int64)
    renumber[order] = np.arange(len(order))
    return [distinct[i] for i in order.tolist()], renumber[rows]


def spread(x: Any, rows: np.ndarray) -> Any:
    """The rows of `x` (one per distinct text) of each answer: `x[rows]`, or `x` itself when
    every answer wrote its own text in first-seen order (no second copy of a matrix of
    100,000 distinct comments)."""
    if len(rows) == x.shape[0] and np.array_equal(rows, np.arange(len(rows))):
        return x
    return x[rows]


def weighted_df(counts: Any, weights: np.ndarray) -> np.ndarray:
    """Per column of the sparse `counts` (one row per distinct text, written by `weights`
    answers), the answers whose comment uses it (int64). A few thousand rows at a time: the
    weight of each stored value (one per value) would otherwise cost as much as the counts."""
    if np.all(weights == 1):
        return np.bincount(counts.indices, minlength=counts.shape[1])
    df = np.zeros(counts.shape[1], dtype=np.int64)
    for start in range(0, counts.shape[0], _DF_ROWS):
        bounds = counts.indptr[start:start + _DF_ROWS + 1]
        per_value = np.repeat(weights[start:start + _DF_ROWS], np.diff(bounds))
        df += np.bincount(counts.indices[bounds[0]:bounds[-1]], weights=per_value,
                          minlength=counts.shape[1]).astype(np.int64)
    return df


def tfidf_of(df: np.ndarray, n: int) -> Any:
    """A TfidfTransformer(sublinear_tf=True) whose IDF is what its `fit` makes of `n`
    comments with these document frequencies (its own arithmetic: smooth IDF, in the
    counts' float32), the frequencies counted per answer rather than per distinct text."""
    from sklearn.feature_extraction.text import TfidfTransformer

    used_df = df.astype(np.float32) + 1.0
    idf = np.full_like(used_df, fill_value=n + 1, dtype=np.float32)
    idf /= used_df
    np.log(idf, out=idf)
    idf += 1.0
    tfidf = TfidfTransformer(sublinear_tf=True)
    tfidf.idf_ = idf
    tfidf.n_features_in_ = len(idf)
    return tfidf
