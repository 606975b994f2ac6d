"""The line under a touchpoint on the journey map says each thing once (page and slide)."""

from __future__ import annotations

import pytest

from journey.analytics.journey_map import TouchpointCell, touchpoint_detail
from journey.present import map_export


def test_an_in_person_channel_is_not_said_twice() -> None:
    unboxing = TouchpointCell("Unboxing", "in person", False, 1234)
    assert touchpoint_detail(unboxing, "en") == "in person / offline · 1,234"
    deballage = TouchpointCell("Déballage", "en personne", False, 1234)
    assert touchpoint_detail(deballage, "fr") == "en personne / hors ligne · 1\u202f234"


def test_other_channels_keep_their_words() -> None:
    assert touchpoint_detail(TouchpointCell("Cart", "web", True, 3), "en") == "web · online · 3"
    assert touchpoint_detail(TouchpointCell("Catalogue", "print", False, 7), "en") == (
        "print · in person / offline · 7")
    assert touchpoint_detail(TouchpointCell("Other", None, None, 2), "en") == "2"


def test_the_slide_uses_the_same_words(monkeypatch) -> None:
    class Stage:
        touchpoints = [TouchpointCell("Unboxing", "in person", False, 5)]

    class Lay:
        @staticmethod
        def chars(_n: int) -> int:
            return 80

    assert map_export._tp_text(Stage(), Lay(), "en") == "Unboxing\nin person / offline · 5"


def test_a_recorded_offline_device_is_folded_into_the_offline_words() -> None:
    import pandas as pd

    from journey.analytics import journey_map, metrics

    v, off = metrics.MIX_VALUE, metrics.MIX_OFFLINE
    df = pd.DataFrame({
        "stage": ["retention"] * 4, "device": ["offline", "desktop", None, "In person"],
        "kind": [v, v, off, v], "share": [0.5, 0.2, 0.2, 0.1], "events": [5, 2, 2, 1],
    })
    df = df.iloc[[1, 0, 2, 3]]  # desktop first: after folding, offline outgrows it
    for got in (journey_map._mix(df, "retention", "device", "en"),
                journey_map._top_mix(df, "device", "en")):
        assert [name for name, _ in got] == ["in person / offline", "desktop"]
        assert [share for _, share in got] == pytest.approx([0.8, 0.2])
