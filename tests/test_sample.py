"""The demo data: deterministic, believable, and loaded as one import.

Behavioural checks run plain SQL on a loaded store, so what is tested is what the app reads.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from journey import cli
from journey.db.store import EVENT_ID_STRIDE, Store, StoreError
from journey.ingest import demo

N = 3000


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    s = Store(tmp_path_factory.mktemp("demo") / "demo.duckdb")
    s.summary = demo.load_sample(s, customers=N, seed=42)
    yield s
    s.close()


def one(store: Store, sql: str, params: list | None = None):
    return store.cursor().execute(sql, params or []).fetchall()[0][0]


def by_persona(store: Store, sql: str) -> dict[str, float]:
    return dict(store.cursor().execute(sql).fetchall())


# -- generation --------------------------------------------------------------------------
def test_same_seed_same_frames_other_seed_other_frames() -> None:
    a, b, c = demo.generate(300, 1), demo.generate(300, 1), demo.generate(300, 2)
    for name in ("touchpoints", "personas", "customers", "events", "responses"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))
    assert not a.events.equals(c.events)
    assert not a.responses.equals(c.responses)
    assert a.customers["persona"].tolist() != c.customers["persona"].tolist()


def test_counts_in_range(store: Store) -> None:
    summary = store.summary
    assert summary["customers"] == N
    assert 10 * N <= summary["events"] <= 11 * N  # ~10.5 events a customer (31,505 here)
    assert 0.6 * N <= summary["responses"] <= 1.2 * N
    assert summary["touchpoints"] >= 20 and summary["personas"] >= 4
    info = store.info()
    assert info["events"] == summary["events"]
    assert info["customers"] == N
    assert info["imports"] == 1
    assert info["first_event"] >= "2026-01-01" and info["last_event"] < "2026-07-01"


def test_a_million_customers_make_over_ten_million_events() -> None:
    """`sample --customers 1000000` makes >= 10M events (issue #14): a big demo is batches
    of BATCH_CUSTOMERS customers drawn alike, and one batch averages ~10.5 events a customer
    (1,048,253 for seed 42; the mean's standard error at this size is ~0.03)."""
    batch = demo.generate(demo.BATCH_CUSTOMERS, seed=42)
    assert 10.3 * demo.BATCH_CUSTOMERS <= len(batch.events) <= 10.7 * demo.BATCH_CUSTOMERS
    # The extra events are browsing (consecutive repeats), not new detours: collapsed, the
    # journeys have ~6.7 steps a customer, as before the browsing was added (generator v3:
    # 669,575 steps and 862,379 events for these customers; now 670,799 and 1,048,253).
    ev = batch.events
    steps = (ev["touchpoint"] != ev["touchpoint"].shift()) | (
        ev["customer_id"] != ev["customer_id"].shift())
    assert 6.6 * demo.BATCH_CUSTOMERS <= steps.sum() <= 6.8 * demo.BATCH_CUSTOMERS
    assert ev["touchpoint"].value_counts().index[0] == "Product page"


def test_rejects_zero_customers() -> None:
    with pytest.raises(StoreError, match="at least one customer"):
        demo.generate(0)


# -- the touchpoint map, personas and customers ------------------------------------------
def test_every_touchpoint_has_a_stage(store: Store) -> None:
    assert one(store, "SELECT count(*) FROM touchpoints") >= 20
    assert one(store, "SELECT count(*) FROM touchpoints "
                      "WHERE stage IS NULL OR channel IS NULL") == 0
    assert one(store, "SELECT count(*) FROM touchpoints t LEFT JOIN stages s USING (stage) "
                      "WHERE s.stage IS NULL") == 0
    assert one(store, "SELECT count(*) FROM events e LEFT JOIN touchpoints t USING (touchpoint) "
                      "WHERE t.stage IS NULL") == 0
    assert one(store, "SELECT count(*) FROM journey_events WHERE stage_position IS NULL") == 0
    # Online and offline, across the usual channels, in every stage.
    assert one(store, "SELECT count(DISTINCT online) FROM touchpoints") == 2
    channels = {r[0] for r in store.cursor().execute("SELECT channel FROM touchpoints").fetchall()}
    assert {"social", "web", "app", "e-mail", "store", "phone", "search"} <= channels
    assert one(store, "SELECT count(DISTINCT stage) FROM touchpoints") == 5
    for name in ("Social ad", "Word of mouth", "Comparison site", "Store visit", "Hotline",
                 "Cart", "Payment", "Delivery", "Unboxing", "Community", "Referral"):
        assert one(store, "SELECT count(*) FROM touchpoints WHERE touchpoint = ?", [name]) == 1


def test_personas_and_customers(store: Store) -> None:
    personas = store.personas()
    assert len(personas) >= 4 and personas["description"].str.len().min() > 20
    assert one(store, "SELECT count(*) FROM customers WHERE persona IS NULL") == 0
    assert one(store, "SELECT count(*) FROM customers c LEFT JOIN personas p USING (persona) "
                      "WHERE p.persona IS NULL") == 0
    counts = by_persona(store, "SELECT persona, count(*) FROM customers GROUP BY 1")
    assert min(counts.values()) > 0.15 * N
    attrs = json.loads(one(store, "SELECT attributes FROM customers LIMIT 1"))
    assert set(attrs) == {"age_band", "region", "app_user"}


def test_personas_differ_measurably(store: Store) -> None:
    mobile = by_persona(store, "SELECT persona, avg(CASE WHEN device = 'mobile' THEN 1.0 ELSE 0 "
                               "END) FROM journey_events GROUP BY 1")
    assert mobile["Busy parent"] > 0.5 > 0.15 > mobile["Cautious senior"]  # ~0.60 vs ~0.10
    app = by_persona(store, "SELECT persona, avg(CASE WHEN channel = 'app' THEN 1.0 ELSE 0 END) "
                            "FROM journey_events GROUP BY 1")
    assert app["Busy parent"] > 0.15 > 0.05 > app["Cautious senior"]
    hotline = by_persona(store, "SELECT persona, avg(CASE WHEN touchpoint = 'Hotline' THEN 1.0 "
                                "ELSE 0 END) FROM journey_events GROUP BY 1")
    assert hotline["Cautious senior"] > 3 * max(v for k, v in hotline.items()
                                                if k != "Cautious senior")
    compare = by_persona(store, "SELECT persona, avg(CASE WHEN touchpoint = 'Comparison site' "
                                "THEN 1.0 ELSE 0 END) FROM journey_events GROUP BY 1")
    assert compare["Deal hunter"] > 2 * max(v for k, v in compare.items() if k != "Deal hunter")
    advocacy = by_persona(store, "SELECT persona, avg(CASE WHEN stage = 'advocacy' THEN 1.0 ELSE "
                                 "0 END) FROM journey_events GROUP BY 1")
    assert advocacy["Loyal enthusiast"] > 2 * max(v for k, v in advocacy.items()
                                                  if k != "Loyal enthusiast")

    per_customer = """
        WITH c AS (
            SELECT customer_id,
                   max(CASE WHEN touchpoint IN ('Payment', 'In-store purchase') THEN 1 ELSE 0
                       END) AS bought,
                   max(CASE WHEN touchpoint = 'Cart' THEN 1 ELSE 0 END) AS cart,
                   max(CASE WHEN touchpoint = 'Payment failed' THEN 1 ELSE 0 END) AS failed
            FROM events GROUP BY customer_id)
        SELECT persona, avg({expr}) FROM c JOIN customers USING (customer_id) GROUP BY 1"""
    bought = by_persona(store, per_customer.format(expr="bought"))
    assert bought["Loyal enthusiast"] - bought["Busy parent"] > 0.1  # ~0.52 vs ~0.35
    abandoned = by_persona(store, per_customer.format(
        expr="CASE WHEN cart = 1 AND bought = 0 THEN 1.0 ELSE 0 END"))
    assert abandoned["Busy parent"] > 0.25 > 0.15 > abandoned["Loyal enthusiast"]
    failed = by_persona(store, per_customer.format(expr="failed"))
    assert failed["Cautious senior"] > 1.5 * failed["Busy parent"]  # ~0.10 vs ~0.04


def test_journeys_have_what_a_real_one_has(store: Store) -> None:
    # Device switches: online devices change within one journey (mobile then desktop...).
    switchers = one(store, "SELECT count(*) FROM (SELECT customer_id FROM events WHERE device "
                           "IN ('mobile', 'desktop', 'tablet') GROUP BY 1 "
                           "HAVING count(DISTINCT device) > 1)")
    assert switchers > 0.08 * N
    assert one(store, """
        SELECT count(*) FROM (
            SELECT customer_id,
                   min(CASE WHEN device = 'mobile' THEN ts END) AS first_mobile,
                   max(CASE WHEN device = 'desktop' AND touchpoint = 'Payment' THEN ts END) AS paid
            FROM events GROUP BY 1)
        WHERE first_mobile < paid""") > 0.01 * N
    # Consecutive repeats of a touchpoint (the app collapses them).
    assert one(store, """
        SELECT count(*) FROM (
            SELECT touchpoint = lag(touchpoint) OVER (PARTITION BY customer_id
                                                    ORDER BY ts, event_id) AS again
            FROM events) WHERE again""") > N
    # Repeat purchases, and revenue only (and always) on purchases.
    assert one(store, "SELECT count(*) FROM (SELECT customer_id FROM events WHERE touchpoint IN "
                      "('Payment', 'In-store purchase') GROUP BY 1 HAVING count(*) > 1)") > 0.03 * N
    assert one(store, "SELECT count(*) FROM events WHERE (revenue IS NOT NULL) <> "
                      "(touchpoint IN ('Payment', 'In-store purchase'))") == 0
    assert one(store, "SELECT min(revenue) FROM events") > 0
    # Journeys end in every stage: drop-offs everywhere, not only at the end.
    last_stage = dict(store.cursor().execute("""
        SELECT stage, count(*) FROM (
            SELECT stage, ROW_NUMBER() OVER (PARTITION BY customer_id
                                             ORDER BY ts DESC, event_id DESC) AS rn
            FROM events) WHERE rn = 1 GROUP BY 1""").fetchall())
    assert set(last_stage) == set(demo.STAGES)
    assert min(last_stage.values()) > 0.03 * N


def test_event_ids_follow_generation_and_time_order(store: Store) -> None:
    import_id = store.summary["import_id"]
    lo, hi, n = store.cursor().execute(
        "SELECT min(event_id), max(event_id), count(*) FROM events").fetchall()[0]
    assert lo == import_id * EVENT_ID_STRIDE and hi == lo + n - 1
    # Within a customer, id order is time order (ties cannot reorder a journey).
    assert one(store, """
        SELECT count(*) FROM (
            SELECT ts < lag(ts) OVER (PARTITION BY customer_id ORDER BY event_id) AS back
            FROM events) WHERE back""") == 0


def test_events_fall_in_waking_hours(store: Store) -> None:
    assert one(store, "SELECT count(*) FROM events WHERE hour(ts) < 7") == 0
    assert one(store, "SELECT count(*) FROM responses WHERE hour(ts) < 7") == 0


# -- survey responses ----------------------------------------------------------------------
NPS_SQL = ("100.0 * (avg(CASE WHEN nps >= 9 THEN 1.0 ELSE 0 END) "
           "- avg(CASE WHEN nps <= 6 THEN 1.0 ELSE 0 END))")


def test_a_failed_payment_makes_detractors(store: Store) -> None:
    rows = dict(store.cursor().execute(f"""
        SELECT customer_id IN (SELECT customer_id FROM events
                               WHERE touchpoint = 'Payment failed') AS failed, {NPS_SQL}
        FROM responses GROUP BY 1""").fetchall())
    assert rows[False] > 15 and rows[True] < -15  # ~ +30 vs ~ -35
    # Where it hurts: answers given after the failure.
    after = one(store, f"""
        SELECT {NPS_SQL} FROM responses r
        WHERE EXISTS (SELECT 1 FROM events e WHERE e.customer_id = r.customer_id
                      AND e.touchpoint = 'Payment failed' AND e.ts <= r.ts)""")
    assert after < -40


def test_a_late_delivery_makes_detractors(store: Store) -> None:
    rows = dict(store.cursor().execute("""
        SELECT customer_id IN (SELECT customer_id FROM events
                               WHERE touchpoint = 'Delivery delayed') AS late, avg(nps)
        FROM responses WHERE stage IN ('retention', 'advocacy') GROUP BY 1""").fetchall())
    assert rows[False] - rows[True] > 2.5  # ~8.4 vs ~4.0


def test_responses_at_every_stage_with_scores_in_range(store: Store) -> None:
    stages = {r[0] for r in store.cursor().execute("SELECT DISTINCT stage FROM responses")
              .fetchall()}
    assert stages == set(demo.STAGES)
    assert one(store, "SELECT count(*) FROM responses WHERE nps NOT BETWEEN 0 AND 10 "
                      "OR csat NOT BETWEEN 1 AND 5 OR ces NOT BETWEEN 1 AND 7") == 0
    n, csat, ces = store.cursor().execute(
        "SELECT count(*), count(csat), count(ces) FROM responses").fetchall()[0]
    assert 0.3 * n < csat < 0.7 * n and 0.1 * n < ces < 0.5 * n
    nps = by_persona(store, f"SELECT persona, {NPS_SQL} FROM responses "
                            "JOIN customers USING (customer_id) GROUP BY 1")
    assert nps["Loyal enthusiast"] > 40 and nps["Deal hunter"] < 10
    # Every answer follows what it is about.
    assert one(store, "SELECT count(*) FROM responses r WHERE NOT EXISTS (SELECT 1 FROM events e "
                      "WHERE e.customer_id = r.customer_id AND e.ts <= r.ts "
                      "AND e.stage = r.stage)") == 0


def test_comments_in_both_languages_match_the_score_and_the_touchpoint(store: Store) -> None:
    rows = store.cursor().execute(
        "SELECT comment, nps, touchpoint FROM responses WHERE comment IS NOT NULL").fetchall()
    # (language, touchpoint, category) of every text; every text is unique in the table.
    drawn_from = {text: (lang, tp, cat) for lang, tps in demo.COMMENTS.items()
                  for tp, cats in tps.items() for cat, texts in cats.items() for text in texts}
    assert len(drawn_from) == sum(len(texts) for tps in demo.COMMENTS.values()
                                  for cats in tps.values() for texts in cats.values())
    langs = [drawn_from[c][0] for c, _, _ in rows]
    assert langs.count("fr") > 200 and langs.count("en") > 100
    for comment, nps, touchpoint in rows:
        _lang, about, category = drawn_from[comment]
        assert about == touchpoint, (touchpoint, comment)  # words about that touchpoint
        if category == "positive":
            assert nps >= 9, comment
        elif category == "passive":
            assert nps in (7, 8), comment
        else:
            assert nps <= 6, comment
    # The cause shows through: failed payments and late parcels get their own complaints.
    assert {"payment", "delivery"} <= {drawn_from[c][2] for c, _, _ in rows}
    for lang in ("en", "fr"):
        for tp in demo.TP_NAMES:  # every touchpoint has words for every sentiment
            assert all(demo.COMMENTS[lang][tp][cat] for cat in ("positive", "passive",
                                                                "negative")), tp


# -- loading -------------------------------------------------------------------------------
def test_is_demo_and_remove(tmp_path) -> None:
    with Store(tmp_path / "s.duckdb") as s:
        assert not demo.is_demo(s)
        out = demo.load_sample(s, customers=50, seed=3)
        assert demo.is_demo(s)
        imports = s.imports()
        assert imports.loc[0, "file_name"] == "Demo data (seed 3, 50 customers)"
        assert imports.loc[0, "kind"] == "demo" and imports.loc[0, "layout"] == "demo"
        assert s.remove_import(out["import_id"])
        assert not demo.is_demo(s)
        assert s.info()["events"] == 0 and s.info()["touchpoints"] == 0


def test_loading_twice_is_refused_and_changes_nothing(tmp_path) -> None:
    with Store(tmp_path / "s.duckdb") as s:
        demo.load_sample(s, customers=100, seed=5)
        before = s.info()
        with pytest.raises(StoreError, match=r'already loaded: import 1 "Demo data \(seed 5, '
                                             r'100 customers\)"'):
            demo.load_sample(s, customers=100, seed=5)
        # Another demo would reuse the same customer ids: refused too, naming the first.
        with pytest.raises(StoreError, match=r"already holds demo data: import 1 .*remove 1"):
            demo.load_sample(s, customers=100, seed=6)
        assert s.info() == before


def test_existing_touchpoint_map_is_kept(tmp_path) -> None:
    with Store(tmp_path / "s.duckdb") as s:
        s.set_touchpoints([("Hotline", "retention", "phone", False)])
        demo.load_sample(s, customers=50, seed=1)
        assert one(s, "SELECT stage FROM touchpoints WHERE touchpoint = 'Hotline'") == "retention"


def test_cli_sample(tmp_path, capsys) -> None:
    db = str(tmp_path / "cli.duckdb")
    assert cli.main(["sample", "--db", db, "--customers", "200"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["customers"] == 200 and out["events"] > 1000 and out["import_id"] == 1
    assert cli.main(["sample", "--db", db, "--customers", "200"]) == 2
    assert "already loaded" in capsys.readouterr().err
    assert cli.main(["info", "--db", db, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["events"] == out["events"]


def test_french_demo_is_the_same_demo_in_french() -> None:
    """For a French team: French touchpoint, channel, device and persona names and French
    comments, over the very same draws (so every figure matches the English demo's)."""
    en, fr = demo.generate(400, seed=7), demo.generate(400, seed=7, lang="fr")
    for attr in ("events", "responses", "customers"):
        assert len(getattr(en, attr)) == len(getattr(fr, attr))
    assert (en.events["ts"].to_numpy() == fr.events["ts"].to_numpy()).all()
    assert (en.responses["nps"].to_numpy() == fr.responses["nps"].to_numpy()).all()
    for attr in ("events", "responses"):
        named = getattr(en, attr)["touchpoint"].astype(str).map(demo.NAMES_FR)
        assert (named == getattr(fr, attr)["touchpoint"].astype(str)).all(), attr
    assert "Fiche produit" in set(fr.touchpoints["touchpoint"])
    assert set(fr.events["device"].astype(str)) <= {"mobile", "ordinateur", "tablette",
                                                    "en magasin", "téléphone", "hors ligne"}
    assert set(fr.personas["persona"]) == {"Parent pressé", "Senior prudent",
                                           "Chasseur de bonnes affaires", "Fan fidèle"}
    english = {c for cats in demo.COMMENTS["en"].values() for texts in cats.values()
               for c in texts}
    french = {c for cats in demo.COMMENTS["fr"].values() for texts in cats.values()
              for c in texts}
    comments = set(fr.responses["comment"].dropna())
    assert comments and comments <= french and not comments & english
    # The same draw, in French: each French comment is the English one's counterpart.
    en_c, fr_c = en.responses["comment"], fr.responses["comment"]
    assert (en_c.isna() == fr_c.isna()).all()
    # English names of the data never leak into the French demo.
    assert not set(fr.events["touchpoint"].astype(str)) & {"Product page", "Payment failed"}


def test_french_demo_loads_under_its_own_name(tmp_path) -> None:
    with Store(tmp_path / "fr.duckdb") as store:
        demo.load_sample(store, customers=50, seed=3, lang="fr")
        loaded = demo.demo_import(store)
        assert loaded["file_name"] == "Données de démonstration (graine 3, 50 clients)"
        assert "Parent pressé" in set(store.personas()["persona"])
    with pytest.raises(StoreError):
        demo.generate(10, lang="de")


# -- big demos: drawn and loaded in batches ------------------------------------------------
def test_batches_continue_ids_and_keep_the_first_batch(tmp_path, monkeypatch) -> None:
    """A demo above BATCH_CUSTOMERS is loaded batch by batch (what keeps a million customers
    within memory): ids continue across batches, the first batch is the one-batch demo of
    that size, and the store holds exactly what the batches drew."""
    monkeypatch.setattr(demo, "BATCH_CUSTOMERS", 40)
    single = demo.generate(40, seed=5)
    batches = list(demo.generate_batches(100, seed=5))
    assert [len(b.customers) for b in batches] == [40, 40, 20]
    pd.testing.assert_frame_equal(batches[0].events, single.events)
    pd.testing.assert_frame_equal(batches[0].responses, single.responses)
    # batch 2 starts where batch 1 ended
    assert batches[1].customers["customer_id"].iloc[0] == "ML-0000041"
    assert batches[1].events["event_id"].iloc[0] == len(batches[0].events)
    assert batches[2].responses["response_id"].iloc[0] == (
        len(batches[0].responses) + len(batches[1].responses))
    n_events = sum(len(b.events) for b in batches)
    n_responses = sum(len(b.responses) for b in batches)
    # Other batches draw other numbers (their own seed), not copies of the first.
    assert batches[1].events["ts"].tolist() != batches[0].events["ts"].tolist()[
        :len(batches[1].events)]
    assert demo.content_hash(100, 5) != demo.content_hash(40, 5)

    with Store(tmp_path / "big.duckdb") as store:
        summary = demo.load_sample(store, customers=100, seed=5)
        assert (summary["events"], summary["responses"], summary["customers"]) == (
            n_events, n_responses, 100)
        assert one_row(store, "SELECT count(*), count(DISTINCT event_id) FROM events") == (
            n_events, n_events)
        assert one_row(store, "SELECT count(DISTINCT customer_id), min(customer_id), "
                              "max(customer_id) FROM customers") == (
            100, "ML-0000001", "ML-0000100")
        assert one_row(store, "SELECT count(*), count(DISTINCT response_id) "
                              "FROM responses") == (n_responses, n_responses)
        assert one(store, "SELECT count(*) FROM touchpoints") == len(single.touchpoints)
        assert one(store, "SELECT count(DISTINCT customer_id) FROM journey_events") == 100


def one_row(store: Store, sql: str) -> tuple:
    return tuple(store.cursor().execute(sql).fetchall()[0])


def test_a_big_demo_loads_with_duckdb_held_low_then_gives_the_store_its_limit_back(
        tmp_path, monkeypatch) -> None:
    """Above one batch, DuckDB's working memory is held to BIG_DEMO_MEMORY_LIMIT while the
    demo loads (the journey tables are built on top of rows waiting for the commit) and its
    allocator frees as it goes; the store's own settings are back afterwards, also when the
    load fails."""
    from journey.voc import sentiment

    monkeypatch.setattr(demo, "BATCH_CUSTOMERS", 40)
    seen: list[str] = []
    background: list[bool] = []
    scorer = sentiment.refresh

    def watching(cur, *args, **kwargs):
        seen.append(cur.execute("SELECT current_setting('memory_limit')").fetchall()[0][0])
        background.append(cur.execute(
            "SELECT current_setting('allocator_background_threads')").fetchall()[0][0])
        return scorer(cur, *args, **kwargs)

    monkeypatch.setattr(sentiment, "refresh", watching)
    with Store(tmp_path / "big.duckdb") as store:
        limit = one(store, "SELECT current_setting('memory_limit')")
        demo.load_sample(store, customers=30, seed=5)  # one batch: the store's limit
        assert seen == [limit]
    with Store(tmp_path / "big2.duckdb") as store:
        demo.load_sample(store, customers=100, seed=5)  # three batches
        assert seen[1] == "476.8 MiB" != limit  # 500 MB, as DuckDB says it
        assert background == [False, True]
        assert one(store, "SELECT current_setting('memory_limit')") == limit
        assert one(store, "SELECT current_setting('allocator_background_threads')") is False

    def failing(cur, *args, **kwargs):
        raise RuntimeError("scoring failed")

    monkeypatch.setattr(sentiment, "refresh", failing)
    with Store(tmp_path / "big3.duckdb") as store:
        with pytest.raises(RuntimeError, match="scoring failed"):
            demo.load_sample(store, customers=100, seed=5)
        assert one(store, "SELECT current_setting('memory_limit')") == limit
        assert one(store, "SELECT current_setting('allocator_background_threads')") is False
        assert store.info()["events"] == 0  # all or nothing, as ever
