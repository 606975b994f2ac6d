"""Chart builders: the Sankey option and the network page, from hand-made inputs."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from journey import i18n
from journey.present import flow_charts

XSS_IMG = "<img src=x onerror=alert(1)>"
XSS_SCRIPT = "<script>alert(1)</script>"


def _node(step, name, customers, share, kind="node"):
    return {"id": f"{step} · {name}", "step": step, "name": name, "customers": customers,
            "share": share, "kind": kind}


def _link(step, src, dst, customers, share):
    return {"step": step, "source": src, "target": dst, "source_id": f"{step} · {src}",
            "target_id": f"{step + 1} · {dst}", "customers": customers, "share": share}


@pytest.fixture()
def small_sankey():
    return {
        "journeys": 100,
        "nodes": [
            _node(1, "Search engine", 60, 0.6),
            _node(1, "Social ad", 40, 0.4),
            _node(2, "Product page", 70, 0.7),
            _node(2, "Other", 10, 0.1, "other"),
            _node(2, "Drop-off", 20, 0.2, "dropoff"),
        ],
        "links": [
            _link(1, "Search engine", "Product page", 50, 0.5),
            _link(1, "Search engine", "Drop-off", 10, 0.1),
            _link(1, "Social ad", "Product page", 20, 0.2),
            _link(1, "Social ad", "Other", 10, 0.1),
            _link(1, "Social ad", "Drop-off", 10, 0.1),
        ],
    }


def test_sankey_nodes_ids_depths_values(small_sankey):
    opt = flow_charts.sankey_option(small_sankey, lang="en", title="Flows")
    (series,) = opt["series"]
    assert series["type"] == "sankey"
    data = series["data"]
    assert [d["name"] for d in data] == [n["id"] for n in small_sankey["nodes"]]
    assert [d["depth"] for d in data] == [0, 0, 1, 1, 1]
    assert [d["value"] for d in data] == [60, 40, 70, 10, 20]
    # the label shows the touchpoint only, not the step id
    assert data[0]["label"]["formatter"] == "Search engine"
    assert len(series["links"]) == 5
    assert {(lk["source"], lk["target"], lk["value"]) for lk in series["links"]} >= {
        ("1 · Search engine", "2 · Product page", 50), ("1 · Social ad", "2 · Drop-off", 10)
    }
    assert series["selectedMode"] == "single"
    assert opt["title"]["text"] == "Flows"


def test_sankey_colours_distinguish_kinds(small_sankey):
    data = flow_charts.sankey_option(small_sankey, lang="en")["series"][0]["data"]
    colors = [d["itemStyle"]["color"] for d in data]
    assert colors[3] == flow_charts.OTHER_COLOR
    assert colors[4] == flow_charts.DROPOFF_COLOR
    assert data[4]["itemStyle"]["borderType"] == "dashed"
    assert colors[0] != colors[1]
    assert flow_charts.DROPOFF_COLOR not in colors[:3] and flow_charts.OTHER_COLOR not in colors[:3]
    # drop-off and Other are labelled in the user's language, not with the raw constant
    fr = flow_charts.sankey_option(small_sankey, lang="fr")["series"][0]["data"]
    dropoff = flow_charts._label_text(i18n.t("flows.chart.dropoff", "fr"))
    assert fr[4]["label"]["formatter"] == dropoff
    assert fr[3]["label"]["formatter"] == flow_charts._label_text(i18n.t("flows.chart.other", "fr"))


def test_same_touchpoint_same_colour_across_steps():
    s = {"journeys": 10, "nodes": [_node(1, "A", 10, 1.0), _node(2, "A", 5, 0.5),
                                    _node(2, "B", 5, 0.5)],
         "links": [_link(1, "A", "A", 5, 0.5), _link(1, "A", "B", 5, 0.5)]}
    data = flow_charts.sankey_option(s, lang="en")["series"][0]["data"]
    assert data[0]["itemStyle"]["color"] == data[1]["itemStyle"]["color"]
    assert data[1]["itemStyle"]["color"] != data[2]["itemStyle"]["color"]


def test_sankey_tooltips_localised_numbers(small_sankey):
    small_sankey["nodes"][0]["customers"] = 12345
    small_sankey["nodes"][0]["share"] = 0.125
    en = flow_charts.sankey_option(small_sankey, lang="en")["series"][0]["data"][0]
    fr = flow_charts.sankey_option(small_sankey, lang="fr")["series"][0]["data"][0]
    assert "12,345" in en["tooltip"]["formatter"] and "12.5%" in en["tooltip"]["formatter"]
    assert i18n.fmt_int(12345, "fr") in fr["tooltip"]["formatter"]
    assert "12,5" in fr["tooltip"]["formatter"]


def test_sankey_escapes_names_in_tooltips():
    s = {"journeys": 10,
         "nodes": [_node(1, XSS_IMG, 10, 1.0), _node(2, XSS_SCRIPT, 6, 0.6),
                   _node(2, "{b} {@x}", 4, 0.4)],
         "links": [_link(1, XSS_IMG, XSS_SCRIPT, 6, 0.6), _link(1, XSS_IMG, "{b} {@x}", 4, 0.4)]}
    opt = flow_charts.sankey_option(s, lang="en")
    series = opt["series"][0]
    tips = [d["tooltip"]["formatter"] for d in series["data"]]
    tips += [lk["tooltip"]["formatter"] for lk in series["links"]]
    for tip in tips:
        assert "<img" not in tip and "<script" not in tip
    assert "&lt;img src=x onerror=alert(1)&gt;" in tips[0]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in tips[1]
    # braces cannot become ECharts template placeholders
    assert "{b}" not in tips[2] and "&#123;b&#125;" in tips[2]
    # the whole option is JSON (what st.echarts_chart needs)
    json.dumps(opt)


def test_sankey_long_names_truncated_in_label_full_in_tooltip():
    long = "A very long touchpoint name that goes on and on"
    s = {"journeys": 1, "nodes": [_node(1, long, 1, 1.0)], "links": []}
    item = flow_charts.sankey_option(s, lang="en")["series"][0]["data"][0]
    assert item["label"]["formatter"].endswith("…")
    assert len(item["label"]["formatter"]) <= flow_charts.LABEL_MAX
    assert long in item["tooltip"]["formatter"]


def test_sankey_stage_labels_and_save_as_image():
    s = {"journeys": 2, "nodes": [_node(1, "awareness", 2, 1.0), _node(2, "purchase", 1, .5)],
         "links": [_link(1, "awareness", "purchase", 1, .5)]}
    opt = flow_charts.sankey_option(
        s, lang="fr", title="Parcours", labels={"awareness": "Sensibilisation", "purchase": "Achat"}
    )
    data = opt["series"][0]["data"]
    assert [d["label"]["formatter"] for d in data] == ["Sensibilisation", "Achat"]
    assert data[0]["name"] == "1 · awareness"  # ids stay the keys
    save = opt["toolbox"]["feature"]["saveAsImage"]
    assert save["type"] == "png" and save["pixelRatio"] == 2
    assert save["backgroundColor"].upper() in ("#FFF", "#FFFFFF", "WHITE")


def test_sankey_empty():
    opt = flow_charts.sankey_option({"journeys": 0, "nodes": [], "links": []}, lang="en")
    assert opt["series"][0]["data"] == [] and opt["series"][0]["links"] == []


def test_selected_nodes(small_sankey):
    state = {"selection": {"selected": [
        {"series_index": 0, "series_id": "flows", "series_name": None, "data_type": "node",
         "data_indices": [2]},
        {"series_index": 0, "series_id": "flows", "series_name": None, "data_type": "edge",
         "data_indices": [0]},
    ], "areas": []}}
    picked = flow_charts.selected_nodes(small_sankey, state)
    assert [n["id"] for n in picked] == ["2 · Product page"]
    assert flow_charts.selected_nodes(small_sankey, {"selection": {"selected": [
        {"series_index": 0, "data_type": "node", "data_indices": [99]}]}}) == []
    assert flow_charts.selected_nodes(small_sankey, None) == []


def test_selected_links_address_the_drawn_links(small_sankey):
    # An edge index counts the option's links: links to nowhere are not drawn, not counted.
    small_sankey["links"].insert(1, {**small_sankey["links"][0], "target_id": None})
    drawn = flow_charts.sankey_option(small_sankey, lang="en")["series"][0]["links"]
    for i, item in enumerate(drawn):
        state = {"selection": {"selected": [
            {"series_index": 0, "data_type": "edge", "data_indices": [i]}]}}
        (picked,) = flow_charts.selected_links(small_sankey, state)
        assert (picked["source_id"], picked["target_id"]) == (item["source"], item["target"])
    assert len(drawn) < len(small_sankey["links"])
    node_only = {"selection": {"selected": [
        {"series_index": 0, "data_type": "node", "data_indices": [0]},
        {"series_index": 0, "data_type": "edge", "data_indices": [99]}]}}
    assert flow_charts.selected_links(small_sankey, node_only) == []


# -- network ---------------------------------------------------------------------------------
STAGES = pd.DataFrame({
    "stage": ["awareness", "purchase"], "position": [1, 2],
    "label_en": ["Awareness", "Purchase"], "label_fr": ["Sensibilisation", "Achat"],
})


def _net(names=("Search engine", "Product page", "Checkout")):
    nodes = pd.DataFrame({
        "touchpoint": list(names),
        "stage": ["awareness", "purchase", "purchase"][: len(names)],
        "stage_position": [1, 2, 2][: len(names)],
        "channel": ["search", "web", "web"][: len(names)],
        "customers": [100, 50, 10][: len(names)],
        "events": [120, 60, 12][: len(names)],
    })
    edges = pd.DataFrame({
        "source": [names[0], names[1]], "target": [names[1], names[2]],
        "transitions": [80, 8], "customers": [70, 8],
    })
    return nodes, edges


def test_network_html_nodes_edges_and_widths():
    nodes, edges = _net()
    page = flow_charts.network_html(nodes, edges, lang="en", stages_df=STAGES)
    data = flow_charts.network_data_json(page)
    assert len(data) == 3
    by_label = {d["label"]: d for d in data}
    assert by_label["Search engine"]["color"] != by_label["Product page"]["color"]
    assert by_label["Product page"]["color"] == by_label["Checkout"]["color"]  # same stage
    assert by_label["Search engine"]["size"] > by_label["Checkout"]["size"]
    m = re.search(r"edges = new vis\.DataSet\((.*?)\);", page, flags=re.S)
    e = json.loads(m.group(1))
    assert len(e) == 2
    widths = sorted(x["width"] for x in e)
    assert widths[0] < widths[1]
    assert all(x["arrows"] == "to" for x in e)
    # offline: no CDN fetch, the vis library is inline
    assert "cdn.jsdelivr.net" not in page and "cdnjs" not in page.split("<body>")[1]
    assert "vis-network" in page


def test_network_html_escapes_xss_names():
    nodes, edges = _net((XSS_IMG, XSS_SCRIPT, "x </script><script>alert(2)</script> href"))
    page = flow_charts.network_html(nodes, edges, lang="en", stages_df=STAGES)
    body = page.split("<body>", 1)[1]
    # no raw tag from the data anywhere in the page body: not in node data, not as markup
    assert "<img src=x" not in body
    assert "<script>alert(1)" not in body
    assert "</script><script>alert(2)" not in body
    # the names are there, JSON-escaped inside the inline script
    assert "\\u003cimg src=x onerror=alert(1)\\u003e" in body
    assert "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e" in body
    # the names decode back to the exact text (shown as text by vis-network)
    labels = [d["label"] for d in flow_charts.network_data_json(page)]
    assert labels[0] == XSS_IMG and labels[1] == XSS_SCRIPT
    titles = [d["title"] for d in flow_charts.network_data_json(page)]
    assert titles[0].startswith(XSS_IMG)
    # pyvis' innerHTML popup (switched on by "href" in a title) is never used
    assert "popup.innerHTML" not in page
    assert all("href" not in t for t in titles)


def test_network_png_button_present_only_when_asked():
    nodes, edges = _net()
    assert "parcours-png" not in flow_charts.network_html(nodes, edges, lang="en", stages_df=STAGES)
    png = flow_charts.NetworkPng(label="Télécharger en PNG", title="Réseau",
                            legend=[("Achat", "#123456")], caption="n = 3")
    page = flow_charts.network_html(nodes, edges, lang="fr", stages_df=STAGES, png=png)
    body = page.split("<body>", 1)[1]
    assert '<button id="parcours-png"' in body
    assert "toDataURL('image/png')" in body and "a.download" in body
    assert "innerHTML" not in page.split("parcours-png", 1)[1]  # text is drawn, never markup
    data = flow_charts.network_png_data(page)
    assert data == {"label": "Télécharger en PNG", "title": "Réseau",
                    "legend": [["Achat", "#123456"]], "caption": "n = 3",
                    "file_name": "parcours-network.png"}
    # the network data is still there and intact
    assert len(flow_charts.network_data_json(page)) == 3


def test_network_png_data_cannot_break_out():
    evil = "</script><script>alert(1)</script>"
    nodes, edges = _net((evil, "Product page", "Checkout"))
    png = flow_charts.NetworkPng(
        label="Download PNG", title=f"Network {evil}",
        legend=[(evil, "red;background:url(x)"), ("<!--", "#abc")],
        caption=f"Through {evil} & <img src=x onerror=alert(2)>\u2028", file_name="../x y.png",
    )
    page = flow_charts.network_html(nodes, edges, lang="en", stages_df=STAGES, png=png)
    body = page.split("<body>", 1)[1]
    assert evil not in body and "<script>alert(1)" not in body
    assert "<img src=x" not in body and "<!--" not in body.split("parcours-png-data", 1)[1]
    # exactly the scripts we wrote: the data block ends where it should
    block = body.split('id="parcours-png-data">', 1)[1].split("</script>", 1)[0]
    assert "<" not in block and ">" not in block
    data = flow_charts.network_png_data(page)
    assert data["title"] == f"Network {evil}"  # decodes back to the exact text
    assert data["caption"].startswith(f"Through {evil} & <img")
    assert data["legend"] == [[evil, flow_charts.UNKNOWN_STAGE_COLOR], ["<!--", "#abc"]]
    assert data["file_name"] == ".._x_y.png"


def test_network_large_graph_fixed_positions():
    n = 220
    nodes = pd.DataFrame({
        "touchpoint": [f"tp{i}" for i in range(n)],
        "stage": ["awareness" if i % 2 else "purchase" for i in range(n)],
        "stage_position": [1 if i % 2 else 2 for i in range(n)],
        "channel": ["web"] * n, "customers": list(range(1, n + 1)), "events": [5] * n,
    })
    edges = pd.DataFrame({"source": ["tp0"], "target": ["tp1"], "transitions": [3],
                          "customers": [3]})
    page = flow_charts.network_html(nodes, edges, lang="fr", stages_df=STAGES, physics=True)
    data = flow_charts.network_data_json(page)
    assert len(data) == n
    assert all("x" in d and "y" in d for d in data)
    assert len({(d["x"], d["y"]) for d in data}) == n  # no two nodes on top of each other
    assert '"enabled": false' in page.split("var options = ", 1)[1][:2000]


def test_network_empty():
    nodes = pd.DataFrame(columns=["touchpoint", "stage", "stage_position", "channel",
                                  "customers", "events"])
    edges = pd.DataFrame(columns=["source", "target", "transitions", "customers"])
    page = flow_charts.network_html(nodes, edges, lang="en", stages_df=STAGES)
    assert flow_charts.network_data_json(page) == []


def test_stage_legend():
    assert flow_charts.stage_legend(STAGES, "fr") == [
        ("Sensibilisation", flow_charts.STAGE_PALETTE[0]), ("Achat", flow_charts.STAGE_PALETTE[1])
    ]
