"""present/change_charts.py: "what changed" as one slide."""

from __future__ import annotations

import pandas as pd

from journey.present import change_charts, stat_charts

CHANGES = pd.DataFrame({
    "stage": ["purchase", "consideration", "awareness"],
    "lane": ["reach", "channel:web", "score"],
    "before": [20.0, 40.0, 25.0],
    "after": [40.0, 45.0, 27.5],
    "delta": [20.0, 5.0, 2.5],
    "margin": [10.4, 12.0, float("nan")],
    "significant": [True, False, False],
})


def test_lane_labels_in_both_languages():
    assert change_charts.lane_label("reach", "en") == "Reach (% of first stage)"
    assert change_charts.lane_label("channel:web", "en") == "Channel share: web (%)"
    assert "web" in change_charts.lane_label("channel:web", "fr")


def test_the_chart_greys_the_noise_and_labels_every_bar():
    chart = change_charts.changes_chart(CHANGES, lang="en",
                                        labels={"purchase": "Purchase"}, title="What changed",
                                        caption="Everyone · n = 200")
    spec = chart.to_dict()
    data = next(iter(spec["datasets"].values()))
    assert [d["what"] for d in data] == [
        "Purchase · Reach (% of first stage)", "consideration · Channel share: web (%)",
        "awareness · NPS"]
    assert [d["verdict"] for d in data] == ["yes", "could be noise", "could be noise"]
    assert [d["text"] for d in data] == ["+20.0 ± 10.4", "+5.0 ± 12.0", "+2.5"]
    assert spec["title"]["text"] == "What changed"
    png = stat_charts.to_png(chart, scale=1)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_french_chart():
    spec = change_charts.changes_chart(CHANGES, lang="fr").to_dict()
    data = next(iter(spec["datasets"].values()))
    assert data[0]["text"] == "+20,0 ± 10,4" and data[0]["verdict"] == "oui"
