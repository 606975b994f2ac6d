"""Sentiment of each verbatim, French or English: a lexicon, and a model learned from the
store's own scored answers, strictly out of fold.

Two parts, combined:
- the **lexicon** (`lexicon.py`, hand-written): words and idioms with a polarity, negation
  ("pas", "never", "n't" flip the next three words), boosters ("très", "really") and contrast
  ("mais", "but": the clause after weighs more). Idioms come first, so "pas terrible",
  "pas mal", "rien à redire", "sans plus" mean what they mean. It needs no data: it alone
  scores a store without scored answers (and the labelled regression set).
- the **model**: TF-IDF word 1-2-grams and character 2-4-grams (within words), a ridge
  regression of the answer's NPS score (0-10) on them. Learned per store from the answers that
  have both a comment and an NPS, k-fold *by answer*: each answer's comment is scored by a model
  that never saw that answer (nor its score); answers without a score are scored by a model of
  all scored answers. Used only from `MIN_TRAINING` scored comments up; above `MAX_TRAINING`
  it learns from a seeded sample of that many (the others are scored like unscored ones).

Score in [-1, 1] = tanh(lexicon + the model's standardised prediction, weighted); the label is
negative below -NEUTRAL_BAND, positive above +NEUTRAL_BAND, neutral between.
Everything runs offline: nothing is fetched; scikit-learn fits the model in-process.
"""

from __future__ import annotations

import math
import os
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from journey.voc import distinct as dt
from journey.voc import lexicon as lx

LANGUAGES = lx.LANGUAGES
LABELS = ("negative", "neutral", "positive")
# |score| at or below this is neutral. Chosen on the labelled set (tests/data), never on the
# real exports.
NEUTRAL_BAND = 0.15
# Fewer scored comments than this and the model is not learned: the lexicon alone scores.
MIN_TRAINING = 100
FOLDS = 5
# Weights of the two parts in the combined score (before tanh). The lexicon's is the same
# with or without a model, so a store's labels move little when the model arrives.
LEXICON_WEIGHT = 1.0
MODEL_WEIGHT = 1.0
# Negation reaches this many words after the negator.
NEGATION_SPAN = 3
NEGATION_FACTOR = -0.8

_TOKEN = re.compile(r"[a-z0-9]+")


def fold(text: str) -> str:
    """Lower case, accents off, apostrophes and punctuation as spaces: the form the lexicon
    and the language cues are written in."""
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(_TOKEN.findall(text))


_ACCENTS = frozenset("éèêàùçôîâûëïœ")


def detect_language(text: str | None, default: str | None = None) -> str | None:
    """'fr', 'en' or None (no letters): stop words of each language counted in the comment,
    French accents counting for French; a tie (a short "ras", "ok") goes to French when the
    comment has accents, else to `default` (the store's usual language), else English."""
    if not text or not text.strip():
        return None
    tokens = fold(text).split()
    if not tokens:
        return None
    fr = sum(1 for t in tokens if t in lx.STOP_WORDS["fr"])
    en = sum(1 for t in tokens if t in lx.STOP_WORDS["en"])
    accents = sum(1 for ch in text.lower() if ch in _ACCENTS)
    fr += min(accents, 3)
    if fr == en:
        return "fr" if accents else (default or "en")
    return "fr" if fr > en else "en"


def _phrases() -> dict[int, dict[tuple[str, ...], float]]:
    # Idioms and multi-word lexicon entries by length, to match the longest first.
    table: dict[int, dict[tuple[str, ...], float]] = {}
    for phrase, value in list(lx.WORDS.items()) + list(lx.IDIOMS.items()):
        words = tuple(fold(phrase).split())
        if len(words) > 1:
            table.setdefault(len(words), {})[words] = value
    return dict(sorted(table.items(), reverse=True))


_PHRASES = _phrases()
# The single-word lexicon of each language (the shared words, then the language's own).
_WORDS = {lang: {**lx.WORDS, **lx.OWN_WORDS[lang]} for lang in LANGUAGES}


_PAUSE = re.compile(r"^\W*\w+\s*[,:!.…]")


def _opens_with_pause(text: str) -> bool:
    # "Super, encore une heure…": a one-word exclamation set off by punctuation.
    return bool(_PAUSE.match(text))


def lexicon_score(text: str | None, language: str | None = None) -> float:
    """The lexicon's score of one comment, in [-1, 1] (0 without any sentiment word)."""
    if not text:
        return 0.0
    tokens = fold(text).split()
    lang = language or detect_language(text) or "en"
    words = _WORDS.get(lang, _WORDS["en"])
    total = 0.0
    weight = 1.0       # contrast: the clause after "mais"/"but" counts more
    negate_left = 0    # words still under a negation
    boost = 1.0
    i = 0
    n = len(tokens)
    while i < n:
        tok = tokens[i]
        matched = False
        for size, table in _PHRASES.items():
            if i + size <= n and tuple(tokens[i:i + size]) in table:
                total += weight * boost * table[tuple(tokens[i:i + size])]
                i += size
                negate_left, boost, matched = 0, 1.0, True
                break
        if matched:
            continue
        if tok in lx.CONTRAST:
            total *= 0.6
            weight = 1.4
            negate_left, boost = 0, 1.0
        elif tok in lx.NEGATORS or (tok == lx.EN_NT and i > 0 and tokens[i - 1].endswith("n")):
            negate_left = NEGATION_SPAN
        elif tok in lx.BOOSTERS and tok not in words:
            boost *= lx.BOOSTERS[tok]
        elif tok in words and words[tok] != 0.0:
            value = words[tok] * boost
            if negate_left > 0:
                value *= NEGATION_FACTOR
            total += weight * value
            boost = 1.0
            negate_left = max(negate_left - 1, 0)
        else:
            negate_left = max(negate_left - 1, 0)
        i += 1
    if (tokens and tokens[0] in lx.IRONY_OPENERS and _opens_with_pause(text)
            and any(t in lx.COMPLAINT_CUES for t in tokens[1:])):
        opener = words.get(tokens[0], 0.0)
        rest = total - opener
        if rest <= 0.0:
            # The praise was sarcasm: it adds to the complaint instead of cancelling it.
            total = rest - abs(opener)
    # VADER's normalisation: a few strong words approach ±1 without reaching it.
    return total / math.sqrt(total * total + 1.0)


def label(score: float) -> str:
    """negative | neutral | positive for a score in [-1, 1]."""
    if score > NEUTRAL_BAND:
        return "positive"
    if score < -NEUTRAL_BAND:
        return "negative"
    return "neutral"


@dataclass(frozen=True)
class Scored:
    """Per comment (in the order given): language, score in [-1, 1], label, and whether the
    learned model took part (False: the lexicon alone)."""

    language: list[str | None]
    score: np.ndarray
    label: list[str]
    model_used: bool


# Hashed n-grams need no vocabulary: the result does not depend on how the comments were
# split into batches, and a store's old and new comments land in the same columns.
N_FEATURES = 2 ** 20
# From this many scored comments the ridge fits run two at a time (threads); below, the
# threads' start costs more than it saves.
PARALLEL_FROM = 5_000
# A store with more scored comments than this learns its model from a seeded sample of this
# many (k-fold within the sample; every other comment is scored by a model of the whole
# sample, which never saw it), and its comments' features are built FEATURE_CHUNK at a time:
# the memory then follows the cap, not the store (390,000 comments of the million-customer
# demo took 3.4 GB). A store up to the cap is scored exactly as before.
MAX_TRAINING = 50_000
FEATURE_CHUNK = 25_000
_HASHING = {"n_features": N_FEATURES, "alternate_sign": False, "norm": None,
            "dtype": np.float32, "lowercase": False, "strip_accents": None}


def _preprocess(texts: Sequence[str]) -> list[str]:
    # scikit-learn's own preprocessing (lower case, accents off), done once for both
    # analysers instead of once per analyser.
    from sklearn.feature_extraction.text import strip_accents_unicode

    return [strip_accents_unicode(t.lower()) for t in texts]


def _char_counts(docs: list[str]) -> Any:
    """Hashed counts of character 2-4-grams within words (scikit-learn's `char_wb`), built
    per distinct word: a comment's char_wb n-grams are the sum of its words' (each word
    padded with a space on both sides), so each distinct word is analysed once and the
    comments are a sparse (comments x words) @ (words x n-grams) product. Same counts as
    `HashingVectorizer(analyzer="char_wb")` on the comments, much less Python per comment
    (a store's comments share most of their words)."""
    import pandas as pd
    from scipy.sparse import csr_matrix
    from sklearn.feature_extraction.text import HashingVectorizer

    words = pd.Series(docs, dtype=object).str.split().explode()
    present = words.notna().to_numpy()
    codes, vocab = pd.factorize(words[present])
    rows = np.arange(len(docs)).repeat(
        pd.Series(present).groupby(words.index.to_numpy()).sum().to_numpy())
    per_word = csr_matrix((np.ones(len(codes), dtype=np.float32), (rows, codes)),
                          shape=(len(docs), len(vocab)))
    grams = HashingVectorizer(analyzer="char_wb", ngram_range=(2, 4), **_HASHING)
    return (per_word @ grams.transform(list(vocab))).tocsr()


def _hashed(texts: Sequence[str]) -> Any:
    """Hashed counts: character 2-4-grams within words, then word 1-2-grams."""
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import HashingVectorizer

    docs = _preprocess(texts)
    words = HashingVectorizer(ngram_range=(1, 2), **_HASHING)
    return hstack([_char_counts(docs), words.transform(docs)]).tocsr()


def _features(texts: Sequence[str]) -> Any:
    """TF-IDF (sublinear) of character 2-4-grams within words and word 1-2-grams, on the
    columns some comment uses (a ridge fit's cost follows the number of columns: dropping
    the ~2 million empty hashed ones changes no prediction)."""
    return _features_of(*dt.factorise(texts))


def _features_of(distinct: Sequence[str], rows: np.ndarray) -> Any:
    """`_features` of the comments distinct[rows[0]], distinct[rows[1]], ... (row for row,
    bit for bit): each distinct text is hashed once, the IDF counts the answers."""
    distinct, rows = dt.first_seen(distinct, rows)
    counts = _hashed(distinct)
    df = dt.weighted_df(counts, np.bincount(rows, minlength=len(distinct)))
    used = np.flatnonzero(df)
    counts = counts[:, used]  # the 2 million hashed columns' matrix goes now
    x = dt.tfidf_of(df[used], len(rows)).transform(counts, copy=False).tocsr()
    del counts
    return dt.spread(x, rows)


class _ChunkedFeatures:
    """`_features(texts)` row by row without the whole matrix: the document frequencies (and
    so the IDF and the columns kept) are counted over every comment, FEATURE_CHUNK comments
    at a time, then `rows(idx)` builds the features of some comments only. Each row is
    exactly that row of `_features(texts)` (the TF-IDF of a row needs only the IDF)."""

    def __init__(self, texts: Sequence[str], rows: np.ndarray | None = None) -> None:
        # The comments are distinct[rows[i]]: each distinct text is hashed once for the
        # document frequencies, which count the answers writing it.
        distinct, rows = dt.factorise(texts) if rows is None else (texts, rows)
        self.texts, self.row_text = dt.first_seen(distinct, rows)
        weights = np.bincount(self.row_text, minlength=len(self.texts))
        df = np.zeros(2 * N_FEATURES, dtype=np.int64)
        for start in range(0, len(self.texts), FEATURE_CHUNK):
            counts = _hashed(self.texts[start:start + FEATURE_CHUNK])
            df += dt.weighted_df(counts, weights[start:start + FEATURE_CHUNK])
        self.used = np.flatnonzero(df)
        self.tfidf = dt.tfidf_of(df[self.used], len(self.row_text))

    def rows(self, idx: np.ndarray) -> Any:
        """The features of the comments at `idx` (in that order), built FEATURE_CHUNK at a
        time (a chunk's hashed counts span all 2 million hashed columns)."""
        from scipy.sparse import vstack

        # Each chunk's distinct texts only, then one gather of the answers' rows: the rows
        # are held once (not once per chunk and again stacked).
        parts, at = [], []
        done = 0
        for start in range(0, len(idx), FEATURE_CHUNK):
            part, rows = self._chunk(idx[start:start + FEATURE_CHUNK])
            parts.append(part)
            at.append(rows + done)
            done += part.shape[0]
        distinct = parts[0] if len(parts) == 1 else vstack(parts, format="csr")
        del parts
        return dt.spread(distinct, np.concatenate(at))

    def _chunk(self, idx: np.ndarray) -> tuple[Any, np.ndarray]:
        """The features of the chunk's distinct texts, and each comment's row in them."""
        # The chunk's distinct texts in the order the chunk first writes them: their words
        # are then numbered as the chunk's comments one by one would number them, so each
        # row is stored (and summed) in the same order, bit for bit.
        texts, at = dt.first_seen(self.texts, self.row_text[idx])
        counts = _hashed(texts)[:, self.used]
        return self.tfidf.transform(counts, copy=False).tocsr(), at


def model_predictions(
    texts: Sequence[str], nps: Sequence[float | None], *, folds: int = FOLDS, seed: int = 0,
) -> np.ndarray | None:
    """The model's predicted NPS score for each comment, out of fold (None: too few scored).

    The IDF is fitted on every comment (it uses no score); the ridge
    regression is fitted k times, each time without the fold it then predicts, so an answer's
    own score never reaches its comment. Comments without a score get a model of all scored
    answers. Folds are shuffled with `seed`: the same store gives the same scores. Above
    MAX_TRAINING scored answers, see `_sampled_predictions`.
    """
    y = np.array([np.nan if v is None else float(v) for v in nps], dtype=float)
    distinct, rows = dt.factorise(texts)
    return predictions_of(distinct, rows, y, folds=folds, seed=seed)


def predictions_of(distinct: Sequence[str], rows: np.ndarray, y: np.ndarray, *,
                   folds: int = FOLDS, seed: int = 0) -> np.ndarray | None:
    """`model_predictions` of the comments distinct[rows[i]] with the scores y[i] (NaN:
    none): the same predictions, bit for bit, each distinct text's features built once."""
    from sklearn.model_selection import KFold

    scored = np.flatnonzero(~np.isnan(y))
    if len(scored) < MIN_TRAINING:
        return None
    if len(scored) > MAX_TRAINING:
        return _sampled_predictions(distinct, rows, y, scored, folds, seed)

    x = _features_of(distinct, rows)
    out = np.empty(len(rows), dtype=float)
    # (rows to learn from, rows to predict): the k folds, then all scored -> the unscored.
    jobs = [(scored[train], scored[test])
            for train, test in KFold(folds, shuffle=True, random_state=seed).split(scored)]
    unscored = np.flatnonzero(np.isnan(y))
    if len(unscored):
        jobs.append((scored, unscored))
    preds = _fits(x, y, jobs, parallel=len(scored) >= PARALLEL_FROM)
    for (_learn, predict), pred in zip(jobs, preds, strict=True):
        out[predict] = pred
    return out


def _fits(x: Any, y: np.ndarray, jobs: list[tuple[np.ndarray, np.ndarray | None]], *,
          parallel: bool) -> list[Any]:
    """One ridge fit per job (rows of `x` to learn from, rows to predict): the predictions,
    or the fitted model where there is nothing to predict (None)."""
    from joblib import Parallel, delayed
    from sklearn.linear_model import Ridge

    def fit(learn: np.ndarray, predict: np.ndarray | None) -> Any:
        model = Ridge(alpha=1.0, solver="lsqr").fit(x[learn], y[learn])
        return model if predict is None else model.predict(x[predict])

    # Threads: the fits are independent and spend their time in SciPy's sparse products,
    # which release the GIL, so two cores fit two folds at once (same numbers as one by one).
    workers = min(os.cpu_count() or 1, len(jobs), 2) if parallel else 1
    return Parallel(n_jobs=workers, prefer="threads")(delayed(fit)(a, b) for a, b in jobs)


def training_sample(candidates: np.ndarray, seed: int = 0) -> np.ndarray:
    """The MAX_TRAINING of `candidates` (row numbers) a model learns from when there are
    more, in row order; drawn with `seed`, so the same store learns from the same answers."""
    chosen = np.random.default_rng(seed).choice(candidates, MAX_TRAINING, replace=False)
    return np.sort(chosen)


def _sampled_predictions(distinct: Sequence[str], rows: np.ndarray, y: np.ndarray,
                         scored: np.ndarray, folds: int, seed: int) -> np.ndarray:
    """`model_predictions` of a store with more than MAX_TRAINING scored answers: a seeded
    sample of MAX_TRAINING of them is scored k-fold within the sample (out of fold, as
    below the cap), every other comment (scored or not) by a model of the whole sample,
    which never saw it. Features are built FEATURE_CHUNK comments at a time (the IDF of
    every comment, as below the cap), so only the sample's features are ever held."""
    from sklearn.model_selection import KFold

    sample = training_sample(scored, seed)
    features = _ChunkedFeatures(distinct, rows)
    x = features.rows(sample)
    ys = y[sample]
    positions = np.arange(len(sample))
    jobs: list[tuple[np.ndarray, np.ndarray | None]] = [
        (positions[train], positions[test])
        for train, test in KFold(folds, shuffle=True, random_state=seed).split(positions)]
    jobs.append((positions, None))
    *preds, model = _fits(x, ys, jobs, parallel=True)
    del x
    out = np.empty(len(rows), dtype=float)
    for (_learn, predict), pred in zip(jobs[:-1], preds, strict=True):
        out[sample[predict]] = pred
    rest = np.setdiff1d(np.arange(len(rows)), sample)
    for start in range(0, len(rest), FEATURE_CHUNK):
        chunk = rest[start:start + FEATURE_CHUNK]
        out[chunk] = model.predict(features.rows(chunk))
    return out


def _languages(texts: Sequence[str], usual: str | None = None) -> list[str | None]:
    distinct, rows = dt.factorise(texts)
    languages = _languages_of(distinct, np.bincount(rows, minlength=len(distinct)), usual)
    return [languages[i] for i in rows.tolist()]


def _languages_of(distinct: Sequence[str], counts: np.ndarray,
                  usual: str | None = None) -> list[str | None]:
    """The language of each distinct text, `counts[i]` answers writing text i."""
    first = [detect_language(t, "?") for t in distinct]
    if usual is None:
        # Undecided short comments take the language most of the comments are in.
        written = counts.tolist()
        usual = max(LANGUAGES, key=lambda lang: sum(
            c for v, c in zip(first, written, strict=True) if v == lang))
    return [usual if v == "?" else v for v in first]


def _lexicon_part(texts: Sequence[str], languages: Sequence[str | None]) -> np.ndarray:
    lex = np.array([lexicon_score(t, lang) for t, lang in zip(texts, languages, strict=True)],
                   dtype=float)
    return LEXICON_WEIGHT * np.arctanh(np.clip(lex, -0.999, 0.999))


def _combine(raw: np.ndarray, pred: np.ndarray | None, centre: float, spread: float
             ) -> tuple[np.ndarray, list[str]]:
    if pred is not None:
        # Standardised, so the weight means the same whatever the store's score spread.
        raw = raw + MODEL_WEIGHT * (pred - centre) / (spread or 1.0)
    score = np.tanh(raw)
    return score, [label(s) for s in score]


def score_comments(
    texts: Sequence[str], nps: Sequence[float | None] | None = None, *, seed: int = 0,
) -> Scored:
    """Language, score and label of each comment; `nps` (same order, None where unanswered)
    lets the model learn from the scored ones, out of fold."""
    distinct, rows = dt.factorise(texts)
    own = _languages_of(distinct, np.bincount(rows, minlength=len(distinct)))
    raw = _lexicon_part(distinct, own)[rows]
    pred = None
    if nps is not None:
        y = np.array([np.nan if v is None else float(v) for v in nps], dtype=float)
        pred = predictions_of(distinct, rows, y, seed=seed)
    centre = float(np.mean(pred)) if pred is not None else 0.0
    spread = float(np.std(pred)) if pred is not None else 1.0
    score, labels = _combine(raw, pred, centre, spread)
    return Scored([own[i] for i in rows.tolist()], score, labels, pred is not None)


# -- what the store holds: incremental scoring ---------------------------------------------
# Bump when the lexicon, the features or the weights change: the next import (or `rescore`)
# then rescores every comment, so no store mixes two scorers' labels.
SCORER_VERSION = "3"
# A full rescore also happens when the answers the model learns from have grown by this
# factor since the last full scoring (a model of 1.5x the answers is a different model), or
# when the store first has MIN_TRAINING of them (the model arrives). Otherwise an import
# scores only its own comments.
REFIT_GROWTH = 1.5
_META_KEYS = ("voc_scorer", "voc_trained_on", "voc_centre", "voc_spread")
_TEXT = "comment IS NOT NULL AND trim(comment) <> ''"
_TRAINABLE = f"{_TEXT} AND nps BETWEEN 0 AND 10"


def _meta(cur: Any) -> dict[str, str]:
    marks = ", ".join("?" for _ in _META_KEYS)
    rows = cur.execute(f"SELECT key, value FROM meta WHERE key IN ({marks})",
                       list(_META_KEYS)).fetchall()
    return {str(k): str(v) for k, v in rows}


def _set_meta(cur: Any, values: dict[str, str]) -> None:
    for key, value in values.items():
        cur.execute("DELETE FROM meta WHERE key = ?", [key])
        cur.execute("INSERT INTO meta VALUES (?, ?)", [key, value])


def needs_full(cur: Any) -> bool:
    """Whether the next refresh must rescore every comment (see REFIT_GROWTH)."""
    meta = _meta(cur)
    if meta.get("voc_scorer") != SCORER_VERSION or "voc_trained_on" not in meta:
        return True
    then = int(meta["voc_trained_on"])
    (now,) = cur.execute(f"SELECT COUNT(*) FROM responses WHERE {_TRAINABLE}").fetchone()
    if then < MIN_TRAINING:
        return int(now) >= MIN_TRAINING
    return int(now) >= REFIT_GROWTH * then


def _write(cur: Any, ids: Sequence[Any], languages: Sequence[str | None], score: np.ndarray,
           labels: list[str]) -> None:
    import pandas as pd

    frame = pd.DataFrame({"response_id": ids, "language": languages,
                          "sentiment": score, "sentiment_label": labels})
    cur.register("voc_scores", frame)
    try:
        cur.execute(
            "UPDATE responses SET language = s.language, sentiment = s.sentiment, "
            "sentiment_label = s.sentiment_label FROM voc_scores s "
            "WHERE responses.response_id = s.response_id"
        )
    finally:
        cur.unregister("voc_scores")


def _refresh_all(cur: Any, seed: int) -> int:
    # The distinct texts, and per answer (numpy, no Python object per answer) its id, its
    # text's number and its score (NaN: none, or not 0-10): each text's language, lexicon
    # score and features are worked out once.
    distinct = f"SELECT DISTINCT comment FROM responses WHERE {_TEXT}"
    texts = [str(r[0]) for r in cur.execute(
        f"SELECT comment FROM ({distinct}) ORDER BY comment").fetchall()]
    answers = cur.execute(
        "SELECT r.response_id, d.k, CASE WHEN r.nps BETWEEN 0 AND 10 "
        "THEN CAST(r.nps AS DOUBLE) ELSE CAST('NaN' AS DOUBLE) END AS y "
        f"FROM responses r JOIN (SELECT comment, row_number() OVER (ORDER BY comment) - 1 "
        f"AS k FROM ({distinct})) d ON r.comment = d.comment ORDER BY r.response_id"
    ).fetchnumpy()
    ids = np.asarray(answers["response_id"], dtype=np.int64)
    rows = np.asarray(answers["k"], dtype=np.int64)
    y = np.asarray(answers["y"], dtype=float)
    del answers
    cur.execute(
        "UPDATE responses SET language = NULL, sentiment = NULL, sentiment_label = NULL "
        "WHERE language IS NOT NULL OR sentiment IS NOT NULL"
    )
    own = _languages_of(texts, np.bincount(rows, minlength=len(texts)))
    raw = _lexicon_part(texts, own)[rows]
    pred = predictions_of(texts, rows, y, seed=seed) if len(rows) else None
    centre = float(np.mean(pred)) if pred is not None else 0.0
    spread = float(np.std(pred)) if pred is not None else 1.0
    if len(rows):
        score, labels = _combine(raw, pred, centre, spread)
        _write(cur, ids, np.array(own, dtype=object)[rows], score, labels)
    _set_meta(cur, {"voc_scorer": SCORER_VERSION,
                    "voc_trained_on": str(int((~np.isnan(y)).sum())),
                    "voc_centre": repr(centre), "voc_spread": repr(spread)})
    return len(rows)


def _refresh_new(cur: Any) -> int:
    """Score the comments without a sentiment (a new import's), leaving the others as they
    are: the model is fitted on the answers already scored (so never on a new answer's own
    score) and its predictions standardised as at the last full scoring."""
    from sklearn.linear_model import Ridge

    new = cur.execute(
        f"SELECT response_id, comment FROM responses WHERE {_TEXT} AND sentiment IS NULL "
        "ORDER BY response_id"
    ).fetchall()
    if not new:
        return 0
    meta = _meta(cur)
    counts = dict(cur.execute(
        "SELECT language, COUNT(*) FROM responses WHERE language IS NOT NULL "
        "GROUP BY language").fetchall())
    texts = [str(r[1]) for r in new]
    guess = _languages(texts)
    for lang in guess:
        if lang is not None:
            counts[lang] = counts.get(lang, 0) + 1
    usual = max(LANGUAGES, key=lambda lang: counts.get(lang, 0))
    languages = _languages(texts, usual)
    raw = _lexicon_part(texts, languages)
    train = cur.execute(
        f"SELECT comment, nps FROM responses WHERE {_TRAINABLE} AND sentiment IS NOT NULL "
        "ORDER BY response_id"
    ).fetchall()
    if len(train) > MAX_TRAINING:  # as in a full scoring: a seeded sample of them
        train = [train[i] for i in training_sample(np.arange(len(train)))]
    pred = None
    if len(train) >= MIN_TRAINING:
        x = _features([str(r[0]) for r in train] + texts)
        model = Ridge(alpha=1.0, solver="lsqr").fit(
            x[:len(train)], np.array([float(r[1]) for r in train]))
        pred = model.predict(x[len(train):])
    score, labels = _combine(raw, pred, float(meta.get("voc_centre", 0.0)),
                             float(meta.get("voc_spread", 1.0)))
    _write(cur, [r[0] for r in new], languages, score, labels)
    return len(new)


def refresh(cur: Any, *, seed: int = 0, full: bool | None = None) -> int:
    """Score the store's comments (`cur` inside the caller's transaction): language,
    sentiment and sentiment_label on each answer with a comment. Returns how many comments
    were scored.

    full=None (an import): only the comments not scored yet, unless `needs_full` says the
    model has changed enough (scorer version, the model's arrival, REFIT_GROWTH) to rescore
    them all; full=True: every comment (`python -m journey rescore`).
    """
    if full is None:
        full = needs_full(cur)
    return _refresh_all(cur, seed) if full else _refresh_new(cur)


def rescore(store: Any, *, seed: int = 0) -> int:
    """Rescore every comment of `store` (a `journey.db.store.Store`) in one transaction: for
    a store upgraded from before sentiment existed, or after removing an import."""
    with store.transaction() as cur:
        return refresh(cur, seed=seed, full=True)
