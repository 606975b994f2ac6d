"""Device switching on a small hand-written data set."""

from __future__ import annotations

import datetime as dt

import pytest
from small_store import add_import

from journey.analytics import devices
from journey.analytics.filters import Filters
from journey.db.store import Store

T0 = dt.datetime(2024, 5, 1)


@pytest.fixture()
def cur(tmp_path):
    s = Store(tmp_path / "dev.duckdb")
    # (customer, minute, touchpoint, device); Ad=awareness, Product=consideration,
    # Checkout=purchase.
    events = [
        ("A", 0, "Ad", "mobile"), ("A", 5, "Product", "desktop"),     # switch @ consideration
        ("A", 6, "Checkout", "mobile"),                               # switch @ purchase
        ("B", 0, "Ad", "mobile"), ("B", 0, "Product", "mobile"),      # same device throughout
        ("C", 0, "Product", "desktop"), ("C", 0, "Checkout", "tablet"),  # tie: import order
        ("D", 0, "Ad", None),                                         # no known device
    ]
    add_import(
        s, touchpoints=[("Ad", "awareness"), ("Product", "consideration"),
                        ("Checkout", "purchase")],
        touchpoint_columns=("touchpoint", "stage"),
        customers=[("A", "P1"), ("B", "P1"), ("C", "P2"), ("D", "P2")],
        events=[(cu, T0 + dt.timedelta(minutes=m), tp, d) for cu, m, tp, d in events],
        event_columns=("customer_id", "ts", "touchpoint", "device"),
    )
    yield s.cursor()
    s.close()


def test_switches_by_hand(cur):
    r = devices.device_switching(cur, Filters())
    # Journeys 4; multi-device A (mobile, desktop) and C (desktop, tablet): 2 of 4.
    assert (r["journeys"], r["multi_device"], r["share"]) == (4, 2, 0.5)
    t = r["transitions"]
    assert t.to_dict("records") == [
        {"from_device": "desktop", "to_device": "mobile", "switches": 1, "customers": 1},
        {"from_device": "desktop", "to_device": "tablet", "switches": 1, "customers": 1},
        {"from_device": "mobile", "to_device": "desktop", "switches": 1, "customers": 1},
    ]
    # A: desktop appears at Product (consideration), mobile again at Checkout (purchase);
    # C: tablet at Checkout (purchase). 3 switches: consideration 1/3, purchase 2/3.
    by = r["by_stage"]
    assert by[["stage", "stage_position", "switches"]].values.tolist() == [
        ["consideration", 2, 1], ["purchase", 3, 2],
    ]
    assert by.share.tolist() == pytest.approx([1 / 3, 2 / 3])


def test_switches_filtered_and_computed_path_agree(cur):
    for f in (Filters(), Filters(personas=["P2"]), Filters(outcome="converted")):
        a = devices.device_switching(cur, f)
        b = devices.device_switching(cur, f, force_compute=True)
        assert (a["journeys"], a["multi_device"]) == (b["journeys"], b["multi_device"])
        assert a["transitions"].equals(b["transitions"])
        assert a["by_stage"].equals(b["by_stage"])
    p2 = devices.device_switching(cur, Filters(personas=["P2"]))
    assert (p2["journeys"], p2["multi_device"]) == (2, 1)
    # Event condition: only awareness + purchase events; A: mobile (Ad), mobile (Checkout):
    # no switch; C: tablet only.
    s = devices.device_switching(cur, Filters(stages=["awareness", "purchase"]))
    assert (s["journeys"], s["multi_device"]) == (4, 0)
    assert s["transitions"].empty and s["by_stage"].empty
