"""Voice of the customer: language, sentiment (lexicon, idioms, negation, out-of-fold model),
stored with the answer at import, and `query verbatims`.

The labelled set (tests/data/verbatims_labelled.csv, 100 French + 100 English customer-service
verbatims written for Parcours) is scored by the lexicon alone, as a store without scored
answers would be: it is the regression test of the hand-written part. The real-file AUCs are
measured by scripts/bench_voc.py, never here (it learns and times; tests stay quick).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from journey.cli import main
from journey.db.store import Store
from journey.ingest import importer
from journey.voc import lexicon, sentiment

LABELLED = Path(__file__).resolve().parent / "data" / "verbatims_labelled.csv"


def _labelled() -> list[dict[str, str]]:
    with LABELLED.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_labelled_set_is_balanced_and_large_enough() -> None:
    rows = _labelled()
    assert len(rows) >= 200
    assert sum(r["lang"] == "fr" for r in rows) == sum(r["lang"] == "en" for r in rows)
    assert {r["label"] for r in rows} == set(sentiment.LABELS)
    assert {r["topic"] for r in rows} == {"delivery", "payment", "store", "hotline", "app"}


def test_labelled_set_accuracy_at_least_85_percent() -> None:
    rows = _labelled()
    # No NPS given: the lexicon alone scores, as in a store without scored answers.
    result = sentiment.score_comments([r["text"] for r in rows])
    assert not result.model_used
    right = sum(got == r["label"] for got, r in zip(result.label, rows, strict=True))
    for lang in ("fr", "en"):
        part = [(got, r) for got, r in zip(result.label, rows, strict=True) if r["lang"] == lang]
        assert sum(g == r["label"] for g, r in part) / len(part) >= 0.85, lang
    assert right / len(rows) >= 0.85


def test_language_of_each_comment() -> None:
    rows = _labelled()
    found = [sentiment.detect_language(r["text"]) for r in rows]
    assert sum(f == r["lang"] for f, r in zip(found, rows, strict=True)) / len(rows) >= 0.95
    assert sentiment.detect_language("") is None
    assert sentiment.detect_language("  ") is None
    assert sentiment.detect_language("ras", "fr") == "fr"


@pytest.mark.parametrize(("text", "expected"), [
    ("Accueil pas terrible.", "negative"),
    ("Pas mal du tout.", "positive"),
    ("Rien à redire.", "positive"),
    ("Correct, sans plus.", "neutral"),
    ("Le personnel n'est pas aimable.", "negative"),
    ("Je ne suis jamais déçu.", "positive"),
    ("Not bad at all.", "positive"),
    ("The staff were not helpful.", "negative"),
    ("I was never disappointed.", "positive"),
    ("Great, another hour on hold.", "negative"),
    ("Super, encore une heure d'attente.", "negative"),
    ("Cher, mais un accueil vraiment excellent.", "positive"),
    ("Expensive but the staff were great.", "positive"),
    ("Livraison prévue jeudi.", "neutral"),
])
def test_idioms_negation_irony_and_contrast(text: str, expected: str) -> None:
    assert sentiment.label(sentiment.lexicon_score(text)) == expected


def test_scores_are_bounded() -> None:
    texts = ["très très très bien " * 30, "nul nul nul horrible " * 30, "", "123"]
    scores = [sentiment.lexicon_score(t) for t in texts]
    assert all(-1.0 < s < 1.0 for s in scores)
    assert scores[2] == scores[3] == 0.0


def test_every_language_table_has_one_shape_and_folded_entries() -> None:
    # lexicons/<lang>.json: the same sections in each, every entry written as the scorer folds
    # text (else it could never match), values within -1..+1, and no shared word or idiom
    # given in two tables (the second would silently win over the first).
    tables = {lang: lexicon.load_table(lang) for lang in lexicon.LANGUAGES}
    for lang, table in tables.items():
        assert tuple(table) == lexicon.SECTIONS, lang
        for section in ("idioms", "words", "own_words", "boosters"):
            for term, value in table[section].items():
                assert sentiment.fold(term) == term, (lang, section, term)
                assert -1.0 <= value <= 1.0 or section == "boosters", (lang, term, value)
        for section in ("stop_words", "negators", "contrast", "irony_openers",
                        "complaint_cues"):
            assert all(sentiment.fold(w) == w for w in table[section]), (lang, section)
    for section in ("idioms", "words", "boosters"):
        assert not set(tables["fr"][section]) & set(tables["en"][section]), section
    # What the scorer reads is the tables put together, French then English.
    assert lexicon.WORDS == {**tables["fr"]["words"], **tables["en"]["words"]}
    assert lexicon.OWN_WORDS["fr"]["terrible"] == -0.3
    assert lexicon.OWN_WORDS["en"]["terrible"] == -0.9
    assert "pas" in lexicon.NEGATORS and "not" in lexicon.NEGATORS
    assert lexicon.STOP_WORDS["fr"].isdisjoint(lexicon.STOP_WORDS["en"])


def _synthetic(n: int = 240) -> tuple[list[str], list[float]]:
    rng = np.random.default_rng(3)
    good = ["vendeuse adorable", "caisse rapide", "belles plantes", "bon choix"]
    bad = ["attente caisse", "rayon vide", "vendeur absent", "prix ticket"]
    texts, scores = [], []
    for i in range(n):
        promoter = i % 2 == 0
        words = rng.choice(good if promoter else bad, size=2)
        texts.append(f"{words[0]} et {words[1]} n{i}")
        scores.append(10.0 if promoter else 2.0)
    return texts, scores


def test_model_is_out_of_fold_an_answer_never_scores_its_own_comment() -> None:
    texts, scores = _synthetic()
    before = sentiment.model_predictions(texts, scores)
    assert before is not None
    # Changing one answer's score moves the models of the other folds, never the one that
    # scores that answer: its own prediction stays exactly what it was.
    flipped = list(scores)
    flipped[0] = 0.0 if scores[0] > 5 else 10.0
    after = sentiment.model_predictions(texts, flipped)
    assert after[0] == pytest.approx(before[0], abs=1e-9)
    assert not np.allclose(after, before)
    # Same store, same scores (the folds are seeded).
    assert np.array_equal(sentiment.model_predictions(texts, scores), before)


def test_model_needs_enough_scored_answers() -> None:
    texts, scores = _synthetic(40)
    assert sentiment.model_predictions(texts, scores) is None
    result = sentiment.score_comments(texts, scores)
    assert not result.model_used


def test_model_learns_the_stores_own_words() -> None:
    texts, scores = _synthetic()
    result = sentiment.score_comments(texts, scores)
    assert result.model_used
    y = np.array(scores) >= 9
    # "rayon vide" / "prix ticket" carry no lexicon polarity; the model learns them.
    assert result.score[y].mean() > result.score[~y].mean() + 0.3


SURVEY = (
    "customer_id;date;nps;comment\n"
    "c1;2025-03-01;10;Rien à redire, personnel très aimable\n"
    "c2;2025-03-02;2;Accueil pas terrible et attente trop longue\n"
    "c3;2025-03-03;8;\n"
    "c4;2025-03-04;9;Great store, friendly staff\n"
).encode()


def test_import_stores_language_and_sentiment_with_the_answer(tmp_path: Path) -> None:
    db = tmp_path / "v.duckdb"
    with Store(db) as store:
        report = importer.import_file(store, SURVEY, file_name="survey.csv")
        assert report.ok, report.to_text()
        rows = store.cursor().execute(
            "SELECT customer_id, language, sentiment_label, sentiment FROM responses "
            "ORDER BY customer_id").fetchall()
    got = {r[0]: r[1:3] for r in rows}
    assert got == {"c1": ("fr", "positive"), "c2": ("fr", "negative"), "c3": (None, None),
                   "c4": ("en", "positive")}
    assert all(r[3] is None or -1 <= r[3] <= 1 for r in rows)


def test_query_verbatims_json(tmp_path: Path, capsys) -> None:
    db = tmp_path / "v.duckdb"
    with Store(db) as store:
        assert importer.import_file(store, SURVEY, file_name="survey.csv").ok
    assert main(["query", "verbatims", "--db", str(db), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [r["customer"] for r in out] == ["c4", "c2", "c1"]  # newest first, comments only
    assert set(out[0]) == {"id", "customer", "stage", "touchpoint", "nps", "comment",
                           "language", "sentiment", "label", "theme"}
    assert out[0]["theme"] is None
    assert main(["query", "verbatims", "--db", str(db), "--json", "--sentiment", "negative"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [r["customer"] for r in out] == ["c2"]
    assert main(["query", "verbatims", "--db", str(db), "--json", "--language", "en",
                 "--search", "STAFF'%"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main(["query", "verbatims", "--db", str(db), "--json", "--search", "staff"]) == 0
    assert [r["customer"] for r in json.loads(capsys.readouterr().out)] == ["c4"]


def test_rescore_fills_answers_written_without_scores(tmp_path: Path, capsys) -> None:
    db = tmp_path / "v.duckdb"
    with Store(db) as store:
        assert importer.import_file(store, SURVEY, file_name="survey.csv").ok
        with store.transaction() as cur:
            cur.execute("UPDATE responses SET language = NULL, sentiment = NULL, "
                        "sentiment_label = NULL")
    assert main(["rescore", "--db", str(db)]) == 0
    assert "3" in capsys.readouterr().out
    with Store(db) as store:
        (n,) = store.cursor().execute(
            "SELECT COUNT(*) FROM responses WHERE sentiment IS NOT NULL").fetchone()
    assert n == 3


SURVEY_2 = (
    "customer_id;date;nps;comment\n"
    "c5;2025-03-05;3;Livraison en retard, très déçu\n"
    "c6;2025-03-06;10;Perfect, thank you\n"
).encode()


def _scored_texts(monkeypatch) -> list[str]:
    """Every comment the lexicon scores from now on, in order (the scoring's one entry)."""
    seen: list[str] = []
    real = sentiment.lexicon_score

    def counting(text, language=None):
        seen.append(text)
        return real(text, language)

    monkeypatch.setattr(sentiment, "lexicon_score", counting)
    return seen


def test_an_import_scores_only_its_own_comments(tmp_path: Path, monkeypatch) -> None:
    with Store(tmp_path / "v.duckdb") as store:
        assert importer.import_file(store, SURVEY, file_name="survey.csv").ok
        cur = store.cursor()
        before = cur.execute("SELECT response_id, language, sentiment, sentiment_label "
                             "FROM responses ORDER BY response_id").fetchall()
        assert not sentiment.needs_full(cur)
        seen = _scored_texts(monkeypatch)
        assert importer.import_file(store, SURVEY_2, file_name="survey2.csv").ok
        # The two new comments only; the three scored before keep their scores exactly.
        assert seen == ["Livraison en retard, très déçu", "Perfect, thank you"]
        after = cur.execute("SELECT response_id, language, sentiment, sentiment_label "
                            "FROM responses ORDER BY response_id").fetchall()
        assert after[:4] == before
        got = {r[0]: r[1:] for r in cur.execute(
            "SELECT customer_id, language, sentiment_label FROM responses").fetchall()}
        assert got["c5"] == ("fr", "negative") and got["c6"] == ("en", "positive")
        # `rescore` is the explicit full one: all five comments.
        seen.clear()
        assert sentiment.rescore(store) == 5
        assert len(seen) == 5


def test_a_new_scorer_or_a_grown_model_rescores_everything(tmp_path: Path,
                                                          monkeypatch) -> None:
    with Store(tmp_path / "v.duckdb") as store:
        assert importer.import_file(store, SURVEY, file_name="survey.csv").ok
        cur = store.cursor()
        # 3 answers with a comment and an NPS; the model would arrive at 4 of them.
        monkeypatch.setattr(sentiment, "MIN_TRAINING", 4)
        assert not sentiment.needs_full(cur)
        seen = _scored_texts(monkeypatch)
        assert importer.import_file(store, SURVEY_2, file_name="survey2.csv").ok
        assert len(seen) == 5  # 5 >= 4: the model arrives, every comment is rescored
        assert cur.execute("SELECT value FROM meta WHERE key = 'voc_trained_on'"
                           ).fetchone() == ("5",)
        # 5 -> 7 would be below 1.5x: incremental again ...
        monkeypatch.setattr(sentiment, "MIN_TRAINING", 2)
        assert not sentiment.needs_full(cur)
        # ... but a new scorer version rescores everything at the next import.
        monkeypatch.setattr(sentiment, "SCORER_VERSION", "test")
        assert sentiment.needs_full(cur)
