"""Finding themes in verbatims: TF-IDF of word terms, NMF, one primary theme per comment.

Offline and deterministic: scikit-learn's NMF with the NNDSVD start (no random draw) and,
where a sample is taken, a sample drawn with the given seed. Pure computation on a list of
texts: storing the themes and keeping users' edits is `themes.py`.
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from journey.voc import distinct as dt
from journey.voc import theme_words as tw

# At most this many themes, and fewer when the comments are few: a theme needs at least
# MIN_SIZE comments (and MIN_SHARE of them) to be called recurring.
MAX_THEMES = 10
MIN_SIZE = 3
MIN_SHARE = 0.01
# A comment joins its strongest theme only if its weight there reaches this share of the
# strongest weight any comment has on that theme; weaker ties leave it without a theme.
MIN_WEIGHT = 0.08
# A term in more than this share of the comments is left out: it cannot tell comments apart,
# and it makes every component alike, so they merge into one ("livraison" in all of 15
# comments joined the late ones and the damaged ones). A subject MOST comments share is a
# theme, not a stop word: 0.5 here dropped "livraison" from 9 delivery comments of 15 and
# found no theme at all. Words everywhere because they say nothing are theme_words' lists.
MAX_DF = 0.95
# The NMF is fitted on at most this many comments (a seeded sample), then every comment is
# projected on it: 100,000 verbatims cost one fit on the sample and one cheap projection.
FIT_SAMPLE = 12_000
EXAMPLES = 3
# Two components with term weights this alike (cosine) are one subject split in two.
MERGE_SIMILAR = 0.3
LABEL_TERMS = 3
# At most this many terms describe the comments (the most frequent ones).
MAX_FEATURES = 20_000


@dataclass(frozen=True)
class Found:
    """One theme: its label from its top terms, the terms' weights (for matching across
    recomputes) and its size."""

    label: str
    terms: dict[str, float]
    size: int


@dataclass(frozen=True)
class Themes:
    """themes[k] for k = 0..; theme[i] is comment i's theme (-1: none) and weight[i] how
    strongly it belongs there (examples are the strongest)."""

    themes: list[Found]
    theme: np.ndarray
    weight: np.ndarray


def _vectorise(tokens: list[list[tuple[str, str]]], counts: np.ndarray) -> tuple[object, object]:
    """TF-IDF of the distinct comments `tokens`, each written by `counts` answers: what
    TfidfVectorizer(min_df, max_df, max_features, sublinear_tf) fitted on every answer's
    comment gives, row for row, with the document frequencies counted per answer (a text
    five answers wrote is in five documents). Returns the terms (sorted) and the rows."""
    from sklearn.feature_extraction.text import CountVectorizer

    n = int(counts.sum())
    min_count = max(MIN_SIZE, int(n * 0.002))
    max_count = MAX_DF * n
    # No pruning here: the vectoriser would count each distinct text once.
    vec = CountVectorizer(analyzer=tw.terms_of, dtype=np.float32)
    x = vec.fit_transform(tokens)
    # Each stored value is a row's count of a term: per answer, the documents holding the
    # term and its total count are these sums weighted by the answers writing each text.
    dfs = dt.weighted_df(x, counts)
    # CountVectorizer._limit_features, on the per-answer frequencies.
    mask = (dfs <= max_count) & (dfs >= min_count)
    if mask.sum() > MAX_FEATURES:
        # The total counts, exact integers, in the float32 the vectoriser sums them in.
        per_value = np.repeat(counts, np.diff(x.indptr))
        tfs = np.bincount(x.indices, weights=per_value * x.data,
                          minlength=x.shape[1]).astype(x.dtype)
        keep = (-tfs[mask]).argsort()[:MAX_FEATURES]
        new_mask = np.zeros(len(dfs), dtype=bool)
        new_mask[np.where(mask)[0][keep]] = True
        mask = new_mask
    kept = np.where(mask)[0]
    if len(kept) == 0:
        raise ValueError("After pruning, no terms remain.")
    x = x[:, kept]
    tfidf = dt.tfidf_of(dfs[kept], n)  # the IDF of every answer's comment
    terms = vec.get_feature_names_out()[kept]
    return terms, tfidf.transform(x, copy=False)


def _surfaces(tokens: list[list[tuple[str, str]]], counts: np.ndarray,
              vocab: set[str]) -> dict[str, str]:
    """The most frequent written form of each stem (accents kept), counted per answer:
    labels read "livraisons" or "livraison" as people wrote it, not a stem nobody writes."""
    seen: dict[str, Counter[str]] = {}
    for doc, count in zip(tokens, counts.tolist(), strict=True):
        for key, surface in doc:
            if key in vocab:
                seen.setdefault(key, Counter())[surface] += count
    return {k: max(c.items(), key=lambda kv: (kv[1], kv[0]))[0] for k, c in seen.items()}


def label_of(top: list[str], surfaces: dict[str, str]) -> str:
    """A short label from a theme's top terms: a pair first when it leads ("délai
    attente"), then single words not already said, at most LABEL_TERMS words."""
    picked: list[str] = []
    for term in top:
        parts = term.split()
        if all(p in picked for p in parts):
            continue
        if len(picked) + len(parts) > LABEL_TERMS:
            continue
        picked += [p for p in parts if p not in picked]
        if len(picked) >= LABEL_TERMS:
            break
    return " · ".join(surfaces.get(p, p) for p in picked)


def _word_projection(vocab: np.ndarray) -> object:
    """terms × words (sparse: a big vocabulary would not fit dense): a pair's weight goes
    half to each of its words, so "livraison retard" and "livraison" + "retard" compare as
    the same subject."""
    from scipy.sparse import csr_matrix

    words = sorted({w for t in vocab for w in t.split()})
    index = {w: i for i, w in enumerate(words)}
    rows, cols, vals = [], [], []
    for i, term in enumerate(vocab):
        parts = term.split()
        for p in parts:
            rows.append(i)
            cols.append(index[p])
            vals.append(1.0 / len(parts))
    return csr_matrix((vals, (rows, cols)), shape=(len(vocab), len(words)))


def _merge_alike(w: np.ndarray, h: np.ndarray,
                 vocab: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Merge components whose words weigh alike (cosine above MERGE_SIMILAR), the closest
    pair first: NMF asked for more themes than the comments hold splits one subject in two
    ("attente · caisse" and "caisse · attente · longue"); merged, it is one theme."""
    project = _word_projection(vocab)
    while h.shape[0] > 1:
        by_word = np.asarray((project.T @ h.T).T)
        unit = by_word / np.maximum(np.linalg.norm(by_word, axis=1, keepdims=True), 1e-12)
        sim = unit @ unit.T
        np.fill_diagonal(sim, -1.0)
        a, b = np.unravel_index(int(np.argmax(sim)), sim.shape)
        if sim[a, b] < MERGE_SIMILAR:
            break
        a, b = min(a, b), max(a, b)
        h[a] += h[b]
        w[:, a] += w[:, b]
        h, w = np.delete(h, b, axis=0), np.delete(w, b, axis=1)
    return w, h


def find(texts: Sequence[str], *, seed: int = 0, max_themes: int = MAX_THEMES) -> Themes:
    """Themes of `texts` and each text's primary theme (or none)."""
    distinct, rows = dt.factorise(texts)
    return find_distinct(distinct, rows, seed=seed, max_themes=max_themes)


def find_distinct(distinct: Sequence[str], rows: np.ndarray, *, seed: int = 0,
                  max_themes: int = MAX_THEMES) -> Themes:
    """`find` of the comments distinct[rows[0]], distinct[rows[1]], ... (the same results,
    byte for byte): each distinct text is split into words and vectorised once, however
    many answers wrote it (the million-customer demo: 397,165 comments, 393 texts)."""
    from sklearn.decomposition import NMF
    from sklearn.exceptions import ConvergenceWarning

    n = len(rows)
    none = Themes([], np.full(n, -1, dtype=int), np.zeros(n))
    floor = max(MIN_SIZE, int(np.ceil(n * MIN_SHARE)))
    k = min(max_themes, n // floor)
    if k < 1:
        return none
    distinct, rows = dt.first_seen(distinct, rows)
    counts = np.bincount(rows, minlength=len(distinct))
    # Each text is split into words once: the vectoriser and the labels share them.
    tokens = [tw.words(t) for t in distinct]
    try:
        vocab, xd = _vectorise(tokens, counts)
    except ValueError:  # no term in enough comments
        return none
    if xd.shape[1] < 2:
        return none
    k = min(k, xd.shape[1])
    fit_rows = np.arange(n)
    if n > FIT_SAMPLE:
        fit_rows = np.sort(np.random.default_rng(seed).choice(n, FIT_SAMPLE, replace=False))
    # The NMF sees one row per answer, as before: the projection starts from the mean of
    # every row and stops on their summed progress, so the answers' rows stay (a sparse
    # copy of a few values per answer; the words and terms are the distinct texts').
    x = dt.spread(xd, rows)
    del xd
    model = NMF(n_components=k, init="nndsvd", max_iter=300, random_state=seed)
    with warnings.catch_warnings(), np.errstate(invalid="ignore"):
        # Stopping at max_iter still leaves usable themes, and the fit's error measure may
        # take the root of a rounding-negative 0: no warning in an import's output.
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(x[fit_rows])
        projected = model.transform(x)
    del x
    w, h = _merge_alike(projected, model.components_.copy(), vocab)
    k = h.shape[0]
    best = w.argmax(axis=1)
    strength = w[np.arange(n), best]
    top_weight = np.maximum(w.max(axis=0), 1e-12)
    theme = np.where(strength >= MIN_WEIGHT * top_weight[best], best, -1)
    theme[strength <= 0] = -1
    # Themes too small to recur are dropped: their comments are left without a theme.
    sizes = np.bincount(theme[theme >= 0], minlength=k)
    keep = [j for j in range(k) if sizes[j] >= floor]
    surfaces = _surfaces(tokens, counts, {t for t in vocab if " " not in t})
    found: list[Found] = []
    remap = np.full(k, -1, dtype=int)
    # Biggest first, ties by the label: the order (and the ids a new store gets) is stable.
    order = []
    for j in keep:
        top_idx = np.argsort(-h[j], kind="stable")[:12]
        top = [str(vocab[i]) for i in top_idx if h[j, i] > 0]
        order.append((-int(sizes[j]), label_of(top, surfaces), j, top_idx))
    for new, (neg, label, j, top_idx) in enumerate(sorted(order, key=lambda o: o[:2])):
        norm = float(np.linalg.norm(h[j])) or 1.0
        weights = {str(vocab[i]): round(float(h[j, i]) / norm, 4) for i in top_idx
                   if h[j, i] > 0}
        found.append(Found(label, weights, -neg))
        remap[j] = new
    theme = np.where(theme >= 0, remap[np.maximum(theme, 0)], -1)
    weight = np.where(theme >= 0, strength, 0.0)
    return Themes(found, theme, weight)
