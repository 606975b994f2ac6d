"""Layout detection and column mapping, on hand-written header rows (no I/O)."""

from __future__ import annotations

from journey.ingest import formats, readers


def test_norm_ignores_case_accents_spaces_and_underscores() -> None:
    assert formats.norm("Identifiant client") == formats.norm("identifiant_CLIENT")
    assert formats.norm("Étape") == "etape"
    assert formats.norm("device.category") == "devicecategory"


def test_generic_english_and_french_synonyms() -> None:
    layout = formats.detect_layout([["User ID", "Date", "Page", "Canal", "Appareil"]], ",")
    mapping = formats.suggest_mapping(layout, [])
    assert mapping == {
        "User ID": "customer_id", "Date": "ts", "Page": "touchpoint",
        "Canal": "channel", "Appareil": "device",
    }
    assert layout.name == "generic" and layout.french  # French headers
    assert formats.detect_kind(set(mapping.values())) == "events"


def test_best_synonym_wins() -> None:
    layout = formats.detect_layout([["date", "timestamp", "client", "event"]], ",")
    mapping = formats.suggest_mapping(layout, [])
    assert mapping["timestamp"] == "ts" and "date" not in mapping


def test_french_excel_layout() -> None:
    layout = formats.detect_layout([["Identifiant client", "Horodatage", "Point de contact"]], ";")
    assert layout.name == "french_excel" and layout.french


def test_ga4_prefers_user_id_then_pseudo_id() -> None:
    header = ["event_date", "event_timestamp", "event_name", "user_pseudo_id", "user_id",
              "device.category", "traffic_source.medium"]
    layout = formats.detect_layout([header], ",")
    mapping = formats.suggest_mapping(layout, [])
    assert layout.name == "ga4"
    ids = [k for k, v in mapping.items() if v == "customer_id"]
    assert ids == ["user_id", "user_pseudo_id"]
    assert mapping["event_timestamp"] == "ts" and "event_date" not in mapping
    assert mapping["device.category"] == "device"
    assert mapping["traffic_source.medium"] == "channel"


def test_qualtrics_three_header_rows_and_nps_group() -> None:
    rows = [
        ["StartDate", "EndDate", "RecordedDate", "ResponseId", "Finished", "Q1", "Q1_NPS_GROUP",
         "Q2", "customer_id"],
        ["Start Date", "End Date", "Recorded Date", "Response ID", "Finished",
         "How likely are you to recommend us?", "Q1 - Group", "Why?", "customer_id"],
        ['{"ImportId":"startDate"}'] * 9,
        ["2024-03-01 10:00:00", "2024-03-01 10:05:00", "2024-03-01 10:05:01", "R_1", "1",
         "9", "Promoter", "Great", "c1"],
    ]
    layout = formats.detect_layout(rows, ",")
    assert layout.name == "qualtrics" and layout.extra_header_rows == 2
    mapping = formats.suggest_mapping(layout, rows[3:])
    assert mapping == {"RecordedDate": "ts", "customer_id": "customer_id", "Q1": "nps",
                       "Q2": "comment"}


def test_small_integer_codes_without_nps_meaning_are_not_nps() -> None:
    # A multiple-choice answer coded 2 (qualtRics sample) once became an NPS of -100.
    rows = [
        ["RecordedDate", "Finished", "QID7", "Q1", "ExternalReference"],
        ["Recorded Date", "Finished", "Votre note ?", "Which store do you use?",
         "External Data Reference"],
        ['{"ImportId":"x"}'] * 5,
        ["2024-03-01", "1", "7", "2", "c1"],
        ["2024-03-02", "1", "10", "5", "c2"],
    ]
    layout = formats.detect_layout(rows, ",")
    mapping = formats.suggest_mapping(layout, rows[3:])
    assert "nps" not in mapping.values() and "Finished" not in mapping
    assert mapping["ExternalReference"] == "customer_id"
    assert formats.detect_kind(set(mapping.values()), layout) == "responses"  # refused: no score


def test_surveymonkey_two_header_rows() -> None:
    rows = [
        ["Respondent ID", "Collector ID", "Start Date", "End Date",
         "How likely is it that you would recommend us to a friend?", "Why?", "Which channel?", ""],
        ["", "", "", "", "Response", "Open-Ended Response", "Web", "Store"],
        ["111", "9", "03/05/2024 02:00:00 PM", "03/05/2024 02:22:01 PM", "9", "Nice", "Web", ""],
    ]
    layout = formats.detect_layout(rows, ",")
    assert layout.name == "surveymonkey" and layout.extra_header_rows == 1
    assert layout.columns[-2:] == ["Which channel? - Web", "Which channel? - Store"]
    mapping = formats.suggest_mapping(layout, rows[2:])
    assert mapping["Respondent ID"] == "customer_id"
    assert mapping["End Date"] == "ts"
    assert mapping["How likely is it that you would recommend us to a friend?"] == "nps"
    assert mapping["Why?"] == "comment"


def test_kinds_from_columns() -> None:
    assert formats.detect_kind({"customer_id", "nps"}) == "responses"
    assert formats.detect_kind({"customer_id", "persona"}) == "customers"
    assert formats.detect_kind({"touchpoint", "stage"}) == "touchpoints"
    assert formats.detect_kind({"stage"}) is None


def test_unique_names_and_quote_ident() -> None:
    assert formats.unique_names(["a", "", "a"]) == ["a", "Column 2", "a (2)"]
    assert readers.quote_ident('we"ird') == '"we""ird"'


def test_sniff_delimiter() -> None:
    assert readers.sniff_delimiter(["a;b;c", "1;2,5;3"]) == ";"
    assert readers.sniff_delimiter(["a\tb", "1\t2"]) == "\t"
    assert readers.sniff_delimiter(["a|b|c", "1|2|3"]) == "|"
    assert readers.sniff_delimiter(['a,b', '"x;y",2']) == ","


def test_every_import_message_has_a_french_translation_with_the_same_placeholders() -> None:
    from journey import i18n
    from journey.ingest import messages as m

    codes = m.codes()
    assert {"no_customer_id", "bad_score", "fix.map.cli", "fix.map.app", "note_unused"} <= set(
        codes
    )
    for code in codes:
        en, fr = i18n.t("ingest." + code, "en"), i18n.t("ingest." + code, "fr")
        assert i18n.placeholders(fr) == i18n.placeholders(en), code
        if not code.endswith(".cli"):  # a command-line flag is the same in every language
            assert fr != en, code  # translated, not copied


def test_fixes_are_worded_for_where_they_are_shown() -> None:
    from journey.ingest.report import Fix, map_fix

    fix = map_fix("satisfaction", "ignore")
    assert fix.text("en", "cli") == "--map 'satisfaction=ignore'"
    assert fix.text("en", "app") == "set “satisfaction” to “(not imported)” in the column mapping"
    assert fix.text("fr", "app") == (
        "choisissez «\u202f(non importée)\u202f» pour «\u202fsatisfaction\u202f» "
        "dans l’association des colonnes"
    )
    assert map_fix(None, "ts").text("fr") == "--map 'Votre colonne=ts'"
    skip = Fix("skip_bad_rows", {"drop": 957, "total": 13954})
    assert skip.text("en") == "--skip-bad-rows (leaves out 957 of 13,954 rows)"
    assert skip.text("fr", "app").endswith("(laisse de côté 957 lignes sur 13\u202f954)")


def test_french_row_lists_and_quotes() -> None:
    from journey.ingest import messages as m

    assert m.where([4, 9], 2, ["11", "dix"], "fr") == (
        "lignes 4, 9\u202f: «\u202f11\u202f», «\u202fdix\u202f»")
    assert m.where([4], 1, [], "fr") == "ligne 4"
    assert m.where([4, 9], 2, ["11", "dix"], "en") == "rows 4, 9: '11', 'dix'"
    assert m.render("dates", "fr", column="Horodatage", format="dd/mm/yyyy") == (
        "Dates de «\u202fHorodatage\u202f» lues au format jj/mm/aaaa."
    )
    assert m.render("rows_note", "de") == m.render("rows_note", "en")  # unknown lang: English
