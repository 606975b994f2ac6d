"""Flows and Touchpoint network in a real Chromium: the Sankey draws, a click on a node drills
in, the network's nodes live inside its iframe, and hostile touchpoint names stay text."""

from __future__ import annotations

from pathlib import Path

import pytest
from sankey_ink import NODE_RUNS
from small_store import imported_store

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

XSS_IMG = "<img src=x onerror=alert(1)>"
XSS_SCRIPT = "<script>alert(1)</script>"
XSS_CLOSE = "x </script><script>alert(2)</script> href"

XSS_CSV = f"""customer_id,timestamp,touchpoint,channel,device,stage
c1,2026-01-01 10:00:00,{XSS_IMG},web,mobile,awareness
c1,2026-01-01 10:05:00,{XSS_SCRIPT},web,mobile,consideration
c1,2026-01-01 10:10:00,Checkout,web,mobile,purchase
c2,2026-01-02 10:00:00,{XSS_IMG},web,desktop,awareness
c2,2026-01-02 10:05:00,Checkout,web,desktop,purchase
c3,2026-01-03 10:00:00,{XSS_SCRIPT},web,desktop,consideration
c3,2026-01-03 10:05:00,{XSS_CLOSE},web,desktop,consideration
"""


@pytest.fixture(scope="module")
def xss_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    return imported_store(tmp_path_factory.mktemp("xss") / "xss.duckdb",
                          XSS_CSV.encode(), "xss.csv")


def _open(page, url, wait_idle, selector):
    page.goto(url)
    page.wait_for_selector(selector)
    wait_idle(page)


def _network_frame(page):
    page.frame_locator("iframe").first.locator("#mynetwork canvas").wait_for()
    frames = [f for f in page.frames if f is not page.main_frame]
    for frame in frames:
        if frame.evaluate("() => typeof network !== 'undefined'"):
            return frame
    raise AssertionError("no vis-network inside the iframe")


def test_sankey_click_under_a_device_filter_drills_to_the_clicked_n(
    browser_demo_db, app_server, page, wait_idle, screenshot, assert_no_exception
):
    """Drill-down = filter: with a device filter on, a click on a first-step node and "Show
    only these journeys" give a view whose n is the number the node showed."""
    base = app_server(browser_demo_db)
    _open(page, f"{base}/flows?device=mobile", wait_idle, ".stEChartsChart canvas")
    page.wait_for_timeout(1200)  # the Sankey's entry animation
    assert_no_exception(page)
    screenshot(page, "flows")

    box = page.evaluate(NODE_RUNS, [18])
    assert len(box["runs"]) >= 2, "first-step nodes drawn on the canvas"
    top, bottom = box["runs"][0]
    page.mouse.click(box["left"] + 18, box["top"] + (top + bottom) / 2)
    wait_idle(page)
    selected = page.get_by_text("Selected:")
    selected.wait_for()
    text = selected.inner_text()  # "Selected: Product page (step 1), 75 journeys"
    name = text.split("Selected:", 1)[1].split("(step", 1)[0].strip()
    n = text.rsplit(",", 1)[1].split("journeys", 1)[0].strip()
    assert name and n and "(step 1)" in text

    page.get_by_role("button", name=f"Show only these {n} journeys").click()
    wait_idle(page)
    page.get_by_text(f"Selection: the {n} journeys of {name} (step 1)").wait_for()
    assert "flows_drill=" in page.url and "device=mobile" in page.url
    # The drilled view's caption: the same filters, the selection, and n = the clicked n.
    captions = page.locator('[data-testid="stCaptionContainer"]').all_inner_texts()
    assert any(f"n = {n}" in c and "Devices: mobile" in c and name in c for c in captions), \
        captions
    assert_no_exception(page)
    screenshot(page, "flows-drill-down")

    page.get_by_role("button", name="Clear drill-down").click()
    wait_idle(page)
    assert page.get_by_text("Selection: the").count() == 0
    assert "flows_drill=" not in page.url
    assert not page.dialogs


def test_network_nodes_inside_iframe(
    browser_demo_db, app_server, page, wait_idle, screenshot, assert_no_exception
):
    base = app_server(browser_demo_db)
    _open(page, f"{base}/network", wait_idle, "iframe")
    frame = _network_frame(page)
    assert frame.evaluate("() => network.body.data.nodes.length") > 10
    assert frame.evaluate("() => network.body.data.edges.length") > 5
    assert_no_exception(page)
    page.wait_for_timeout(1500)  # physics settles
    screenshot(page, "network")


def test_xss_names_stay_text(xss_db, app_server, page, wait_idle, screenshot,
                             assert_no_exception):
    base = app_server(xss_db, PARCOURS_DEMO="0")

    _open(page, f"{base}/flows", wait_idle, ".stEChartsChart canvas")
    page.wait_for_timeout(1200)
    assert_no_exception(page)
    # hover the first node: its tooltip (HTML) shows the name as text
    box = page.evaluate(NODE_RUNS, [18])
    top, bottom = box["runs"][0]
    page.mouse.move(box["left"] + 18, box["top"] + (top + bottom) / 2)
    page.wait_for_timeout(600)
    assert page.get_by_text(XSS_IMG, exact=False).count() + page.get_by_text(
        XSS_SCRIPT, exact=False).count() >= 1
    assert page.locator("img[src='x']").count() == 0
    # the path table shows the names as text too
    assert page.get_by_text(XSS_SCRIPT, exact=False).count() >= 1
    screenshot(page, "flows-xss")

    _open(page, f"{base}/network", wait_idle, "iframe")
    frame = _network_frame(page)
    labels = frame.evaluate("() => network.body.data.nodes.get().map(n => n.label)")
    assert XSS_IMG in labels and XSS_SCRIPT in labels
    assert frame.locator("img[src='x']").count() == 0
    # "</script>" in a name did not close the data script: the only script mentioning the
    # names' alert(1)/alert(2) is the one holding the (JSON-escaped) node data
    stray = frame.evaluate(
        "() => [...document.scripts].filter(s => /alert\\([12]\\)/.test(s.text)"
        " && !s.text.includes('new vis.DataSet')).length"
    )
    assert stray == 0
    page.wait_for_timeout(1500)
    screenshot(page, "network-xss")
    assert not page.dialogs, page.dialogs


def test_network_png_download(xss_db, app_server, page, wait_idle, assert_no_exception):
    """The network's own "Download PNG" button (inside the st.iframe, whose sandbox allows
    downloads) saves a real PNG: the graph on white with title, legend and caption, even
    with hostile names in them."""
    import struct

    base = app_server(xss_db, PARCOURS_DEMO="0")
    _open(page, f"{base}/network", wait_idle, "iframe")
    frame = _network_frame(page)
    sandbox = page.locator("iframe").first.get_attribute("sandbox") or ""
    assert "allow-downloads" in sandbox.split(), sandbox
    button = frame.locator("#parcours-png")
    assert button.inner_text() == "Download PNG"
    page.wait_for_timeout(1500)  # physics settles
    with page.expect_download() as info:
        button.click()
    download = info.value
    assert download.suggested_filename == "parcours-network.png"
    data = open(download.path(), "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    canvas = frame.evaluate(
        "() => { const c = document.querySelector('#mynetwork canvas');"
        " return [c.width, c.height]; }")
    assert width > canvas[0] and height > canvas[1]  # margins, title, legend, caption
    assert len(data) > 5_000, len(data)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    download.save_as(ARTIFACTS / "network-download.png")  # for a human look
    assert_no_exception(page)
    assert not page.dialogs, page.dialogs


# Where each touchpoint sits once the layout has settled, and how tall its label is on screen.
SETTLED = """() => new Promise(done => {
  const read = () => {
    const pos = network.getPositions();
    const names = {};
    network.body.data.nodes.get().forEach(n => { names[n.id] = n.label; });
    done({px: parseFloat(document.body.getAttribute('data-label-px')),
          font: network.body.nodes[Object.keys(pos)[0]].options.font.size,
          scale: network.getScale(),
          pos: Object.fromEntries(Object.entries(pos).map(
              ([id, p]) => [names[id], [Math.round(p.x), Math.round(p.y)]]))});
  };
  if (document.body.getAttribute('data-label-px')) { setTimeout(read, 1500); return; }
  network.once('stabilized', () => setTimeout(read, 1500));
  setTimeout(read, 15000);  // settled before we listened
})"""


def test_network_labels_are_readable_and_the_layout_repeats(
    browser_demo_db, app_server, browser, page, wait_idle, assert_no_exception
):
    """Zoomed out to fit, vis-network drew 14 px labels at ~8 px: they are now 12 px or more
    on screen. And the same view opened twice (two sessions) puts every touchpoint at the same
    place: the layout's random start is seeded."""
    base = app_server(browser_demo_db)
    _open(page, f"{base}/network?lang=en", wait_idle, "iframe")
    assert_no_exception(page)
    first = _network_frame(page).evaluate(SETTLED)
    assert first["px"] >= 12 and first["font"] * first["scale"] >= 12, first
    assert first["scale"] < 1  # the fitted graph really is zoomed out

    other = browser.new_page(viewport={"width": 1440, "height": 1000}, locale="en-US")
    try:
        other.set_default_timeout(90_000)
        _open(other, f"{base}/network?lang=en", wait_idle, "iframe")
        second = _network_frame(other).evaluate(SETTLED)
    finally:
        other.close()
    assert len(first["pos"]) >= 10
    assert second["pos"] == first["pos"]
