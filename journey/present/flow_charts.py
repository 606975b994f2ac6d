"""Chart builders: pure functions from analytics results to chart specs. No streamlit here.

- `sankey_option`: the step Sankey of `journey.analytics.flows.sankey` as an ECharts option dict
  (drawn by `st.echarts_chart`).
- `network_html`: the touchpoint network of `journey.analytics.flows.network` as a self-contained
  pyvis / vis-network HTML page (drawn by `st.iframe`).

Safety: touchpoint names are user data. ECharts tooltips are HTML, so every name that goes
into a tooltip template is HTML-escaped here, and its braces are turned into entities so
ECharts' template engine (`{b}`, `{c}`...) cannot expand them. Labels are canvas text, not
HTML. In the network page the names travel inside a `<script>` as JSON; see `network_html`.
"""

from __future__ import annotations

import html
import json
import math
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from pyvis.network import Network

from journey import i18n

# Qualitative palette (Tableau 10 with the grey taken out): a touchpoint keeps its colour
# at every step, and grey stays free for drop-offs.
PALETTE: tuple[str, ...] = (
    "#4E79A7", "#F28E2B", "#59A14F", "#E15759", "#76B7B2",
    "#EDC948", "#B07AA1", "#FF9DA7", "#9C755F", "#D4A6C8",
    "#D37295", "#A0CBE8", "#FFBE7D", "#8CD17D", "#F1CE63",
)
# Stage colours, by stage position (1-based). Colour-blind friendly (Okabe-Ito order).
STAGE_PALETTE: tuple[str, ...] = (
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9",
    "#D55E00", "#F0E442", "#000000", "#7F7F7F", "#44AA99",
)
UNKNOWN_STAGE_COLOR = "#BBBBBB"
DROPOFF_COLOR = "#9E9E9E"
OTHER_COLOR = "#CFD8DC"
LABEL_MAX = 24  # characters of a touchpoint name shown on a Sankey node
LABEL_PX = 13  # the smallest network label on screen, in CSS pixels, whatever the zoom

KIND_NODE, KIND_OTHER, KIND_DROPOFF = "node", "other", "dropoff"


# -- small helpers -------------------------------------------------------------------------
def _esc(text: Any) -> str:
    """HTML-escape user text for an ECharts tooltip template.

    Braces become entities too: ECharts expands `{a}`, `{b}`, `{@x}`... in a template string
    before the browser parses the HTML, so a name like "{b}" must not be read as a placeholder.
    """
    return html.escape(str(text), quote=True).replace("{", "&#123;").replace("}", "&#125;")


def _label_text(text: str) -> str:
    """A label for canvas text: ECharts label templates read `{...}` as placeholders or rich
    text styles, so braces are swapped for look-alike brackets there (label only; the
    tooltip keeps the exact name)."""
    text = str(text).replace("{", "(").replace("}", ")")
    return text if len(text) <= LABEL_MAX else text[: LABEL_MAX - 1].rstrip() + "…"


def truncate(text: str, limit: int = LABEL_MAX) -> str:
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _int(n: Any, lang: str) -> str:
    return i18n.fmt_int(int(n or 0), lang)


def _pct(share: Any, lang: str) -> str:
    """`share` is a fraction (0..1)."""
    return i18n.fmt_pct(float(share or 0.0), lang)


def _display_name(node: Mapping[str, Any], lang: str, labels: Mapping[str, str] | None) -> str:
    kind = node.get("kind", KIND_NODE)
    if kind == KIND_DROPOFF:
        return i18n.t("flows.chart.dropoff", lang)
    if kind == KIND_OTHER:
        return i18n.t("flows.chart.other", lang)
    name = str(node.get("name", ""))
    if labels and name in labels:
        return str(labels[name])
    return name


def touchpoint_colors(names: Sequence[str], *, ordered: bool = False) -> dict[str, str]:
    """A colour per name. Pass the store's full touchpoint list (`ordered=True` keeps its
    order, e.g. by stage) so a touchpoint keeps its colour whatever the filters; otherwise
    the names are sorted."""
    seq = list(dict.fromkeys(names)) if ordered else sorted(set(names))
    return {n: PALETTE[i % len(PALETTE)] for i, n in enumerate(seq)}


def stage_color(position: Any) -> str:
    try:
        p = int(position)
    except (TypeError, ValueError):
        return UNKNOWN_STAGE_COLOR
    if p < 1:
        return UNKNOWN_STAGE_COLOR
    return STAGE_PALETTE[(p - 1) % len(STAGE_PALETTE)]


# -- Sankey ---------------------------------------------------------------------------------
def sankey_option(
    sankey: Mapping[str, Any],
    *,
    lang: str,
    title: str | None = None,
    labels: Mapping[str, str] | None = None,
    subtitle: str | None = None,
    file_name: str = "parcours-flows",
    colors: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The ECharts option of a step Sankey.

    `sankey` is `journey.analytics.flows.sankey(...)`:
    nodes keyed by step id ("2 · Product page") so
    the graph stays acyclic; `depth` = step - 1 pins every node to its step column.
    `labels` maps node names to display labels (e.g. localised stage labels at stage level).
    `title`/`subtitle` are drawn inside the chart so a saved PNG explains itself.
    `colors` maps node names to colours (stable across views when built from the store's
    full list); names missing from it get palette colours.
    The order of `series[0].data` is the order of `sankey["nodes"]`: a selection's
    `data_indices` index both (see `selected_nodes`).
    """
    nodes = list(sankey.get("nodes") or [])
    links = list(sankey.get("links") or [])
    journeys = int(sankey.get("journeys") or 0)

    colors = {
        **touchpoint_colors(
            [str(n.get("name")) for n in nodes if n.get("kind", KIND_NODE) == KIND_NODE]
        ),
        **(colors or {}),
    }
    by_id: dict[str, Mapping[str, Any]] = {str(n["id"]): n for n in nodes}
    step_word = i18n.t("flows.chart.step", lang)
    customers_word = i18n.t("flows.chart.customers", lang)
    of_journeys = i18n.t("flows.chart.of_journeys", lang, n=_int(journeys, lang))
    # What each kind of node counts, said in its tooltip beside its n.
    meaning = {KIND_NODE: "flows.chart.def_node", KIND_OTHER: "flows.chart.def_other",
               KIND_DROPOFF: "flows.chart.def_dropoff"}

    data: list[dict[str, Any]] = []
    for n in nodes:
        kind = n.get("kind", KIND_NODE)
        step = int(n.get("step") or 1)
        shown = _display_name(n, lang, labels)
        item: dict[str, Any] = {
            "name": str(n["id"]),
            "depth": step - 1,
            "value": int(n.get("customers") or 0),
            "label": {"formatter": _label_text(shown)},
            "tooltip": {
                "formatter": (
                    f"<b>{_esc(shown)}</b><br/>{_esc(step_word)} {step}<br/>"
                    f"{_int(n.get('customers'), lang)} {_esc(customers_word)}"
                    f" · {_pct(n.get('share'), lang)} {_esc(of_journeys)}<br/>"
                    f"<i>{_esc(i18n.t(meaning[kind], lang, step=step, previous=step - 1))}</i>"
                )
            },
        }
        if kind == KIND_DROPOFF:
            item["itemStyle"] = {
                "color": DROPOFF_COLOR, "borderColor": "#616161", "borderType": "dashed",
                "borderWidth": 1,
            }
            item["label"].update({"color": "#616161", "fontStyle": "italic"})
        elif kind == KIND_OTHER:
            item["itemStyle"] = {
                "color": OTHER_COLOR, "borderColor": "#78909C", "borderType": "dotted",
                "borderWidth": 1,
            }
            item["label"].update({"color": "#546E7A"})
        else:
            item["itemStyle"] = {"color": colors.get(str(n.get("name")), PALETTE[0])}
        data.append(item)

    link_items: list[dict[str, Any]] = []
    for lk in links:
        src, dst = str(lk.get("source_id")), lk.get("target_id")
        if dst is None or src not in by_id or str(dst) not in by_id:
            continue  # a link to nowhere cannot be drawn; flows gives every end a node
        dst = str(dst)
        a = _display_name(by_id[src], lang, labels)
        b = _display_name(by_id[dst], lang, labels)
        item = {
            "source": src,
            "target": dst,
            "value": int(lk.get("customers") or 0),
            "tooltip": {
                "formatter": (
                    f"{_esc(a)} → {_esc(b)}<br/>"
                    f"{_int(lk.get('customers'), lang)} {_esc(customers_word)}"
                    f" · {_pct(lk.get('share'), lang)} {_esc(of_journeys)}"
                )
            },
        }
        if by_id[dst].get("kind") == KIND_DROPOFF:
            item["lineStyle"] = {"color": DROPOFF_COLOR, "opacity": 0.25}
        link_items.append(item)

    # Layout iterations only reorder nodes inside a column; more is better until it is slow.
    iterations = 64 if len(data) <= 60 else 32 if len(data) <= 150 else 8
    steps = max((int(n.get("step") or 1) for n in nodes), default=1)
    top = 70 if subtitle else 50

    option: dict[str, Any] = {
        "backgroundColor": "#FFFFFF",
        "title": {
            "text": title or "",
            "subtext": subtitle or "",
            "left": "center",
            "textStyle": {"fontSize": 15},
            "subtextStyle": {"fontSize": 11, "color": "#555"},
        },
        "tooltip": {"trigger": "item", "confine": True, "renderMode": "html"},
        "toolbox": {
            "left": 0,
            "top": 0,
            "feature": {
                "saveAsImage": {
                    "type": "png",
                    "pixelRatio": 2,
                    "backgroundColor": "#FFFFFF",
                    "name": file_name,
                    "title": i18n.t("flows.chart.save_png", lang),
                }
            },
        },
        "aria": {"enabled": True},
        "series": [
            {
                "type": "sankey",
                "id": "flows",
                "top": top,
                "bottom": 20,
                "left": 10,
                # the last column's labels sit on the right of the nodes: keep room for them
                "right": 170 if steps > 1 else 300,
                "nodeAlign": "left",
                "nodeWidth": 16,
                "nodeGap": 10,
                "layoutIterations": iterations,
                "draggable": False,
                "selectedMode": "single",
                "select": {"itemStyle": {"borderColor": "#212121", "borderWidth": 2}},
                "emphasis": {"focus": "adjacency"},
                "label": {"position": "right", "fontSize": 11, "color": "#333"},
                "lineStyle": {"color": "gradient", "curveness": 0.5, "opacity": 0.35},
                "data": data,
                "links": link_items,
            }
        ],
    }
    if journeys == 0 and not data:
        option["title"]["subtext"] = i18n.t("flows.chart.no_journeys", lang)
    return option


def selected_nodes(sankey: Mapping[str, Any], selection: Any) -> list[dict[str, Any]]:
    """The sankey nodes picked in an `st.echarts_chart` selection (EChartsState or its
    `selection`). Only node selections of the sankey series count; indices out of range
    (the data changed since the click) are ignored."""
    if selection is None:
        return []
    sel = selection.get("selection", selection) if isinstance(selection, Mapping) else selection
    groups = sel.get("selected", []) if isinstance(sel, Mapping) else []
    nodes = list(sankey.get("nodes") or [])
    out: list[dict[str, Any]] = []
    for g in groups or []:
        if g.get("series_index", 0) != 0 or g.get("data_type") not in ("node", "main"):
            continue
        for i in g.get("data_indices") or []:
            if isinstance(i, int) and 0 <= i < len(nodes):
                out.append(dict(nodes[i]))
    return out


def _drawn_links(sankey: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The links `sankey_option` draws, in its `links` order (a link to nowhere is not)."""
    ids = {str(n["id"]) for n in sankey.get("nodes") or []}
    return [dict(lk) for lk in sankey.get("links") or []
            if lk.get("target_id") is not None and str(lk.get("source_id")) in ids
            and str(lk["target_id"]) in ids]


def selected_links(sankey: Mapping[str, Any], selection: Any) -> list[dict[str, Any]]:
    """The sankey links picked in an `st.echarts_chart` selection (data_type "edge", whose
    indices address the option's `links`); out-of-range indices are ignored."""
    if selection is None:
        return []
    sel = selection.get("selection", selection) if isinstance(selection, Mapping) else selection
    groups = sel.get("selected", []) if isinstance(sel, Mapping) else []
    links = _drawn_links(sankey)
    out: list[dict[str, Any]] = []
    for g in groups or []:
        if g.get("series_index", 0) != 0 or g.get("data_type") != "edge":
            continue
        for i in g.get("data_indices") or []:
            if isinstance(i, int) and 0 <= i < len(links):
                out.append(links[i])
    return out


# -- Touchpoint network --------------------------------------------------------------------
_CDN_TAGS = re.compile(
    r"<link[^>]*cdn\.jsdelivr\.net[^>]*/>\s*|<script[^>]*cdn\.jsdelivr\.net[^>]*>\s*</script>\s*",
    re.S,
)
_EMPTY_HEADING = re.compile(r"<center>\s*<h1>\s*</h1>\s*</center>\s*")


def _plain(text: Any) -> str:
    """Plain text for a vis-network hover title.

    vis-network 9.1.2 puts a string title in the tooltip with `innerText` (text, not HTML),
    so names are passed as they are and read correctly. The one HTML path is pyvis' own
    "link popup" (`popup.innerHTML = title`), switched on when any title contains "href":
    a zero-width space keeps a user's "href" from ever turning it on.
    """
    return re.sub("(?i)href", lambda m: m.group(0)[:2] + "\u200b" + m.group(0)[2:], str(text))


def _scale(value: float, vmax: float, lo: float, hi: float) -> float:
    if vmax <= 0:
        return lo
    # sqrt: area-like perception, and one huge touchpoint does not flatten all others
    return round(lo + (hi - lo) * math.sqrt(max(value, 0) / vmax), 2)


def network_positions(nodes_df: pd.DataFrame,
                      gap: float = 1.0) -> dict[str, tuple[float, float]]:
    """Columns by stage position, nodes spread vertically by customers (largest in the
    middle), so a big graph is readable without physics. `gap` widens the rows for larger
    labels."""
    pos: dict[str, tuple[float, float]] = {}
    if nodes_df.empty:
        return pos
    df = nodes_df.copy()
    df["_p"] = pd.to_numeric(df["stage_position"], errors="coerce").fillna(0).astype(int)
    columns = sorted(df["_p"].unique())
    for ci, p in enumerate(columns):
        col = df[df["_p"] == p].sort_values(["customers", "touchpoint"], ascending=[False, True])
        names = list(col["touchpoint"].astype(str))
        # alternate above/below the centre line: big ones near the middle
        order = sorted(range(len(names)), key=lambda k: (k + 1) // 2 * (1 if k % 2 else -1))
        per_col = len(names)
        spacing = (70 if per_col <= 30 else 45) * gap
        wrap = 40  # at most this many per sub-column, so tall stages widen instead
        for rank, k in enumerate(order):
            sub, row = divmod(rank, wrap)
            y = (row - min(per_col, wrap) / 2) * spacing
            x = ci * 420 + sub * 110
            pos[names[k]] = (float(x), float(y))
    return pos


def network_html(
    nodes_df: pd.DataFrame,
    edges_df: pd.DataFrame,
    *,
    lang: str,
    stages_df: pd.DataFrame,
    physics: bool = True,
    height: str = "650px",
    large: int = 200,
    png: NetworkPng | None = None,
    seed: int = 1,
    label_px: int = LABEL_PX,
) -> str:
    """A self-contained vis-network page (pyvis, JS inlined: works offline).

    Node colour = stage (by stage position, as `stage_legend`), size = customers, edge width
    = transitions, arrows. With `large` or more touchpoints, or with physics off, positions
    are computed here (stage columns) and physics is off so the page stays responsive.
    With `png`, the page carries a "Download PNG" button (see `NetworkPng`).

    The same data and `seed` give the same picture (vis-network's random start positions are
    seeded). Labels are never drawn smaller than `label_px` on screen: zoomed out to fit a big
    graph, vis-network would shrink 14 px labels to ~8 px (see `_LABEL_FLOOR`).
    """
    net = Network(
        height=height, width="100%", directed=True, cdn_resources="in_line",
        bgcolor="#FFFFFF", font_color="#222222",
    )
    colors = stage_colors(stages_df)
    stage_lbl = dict(stage_legend_labels(stages_df, lang))

    n_nodes = len(nodes_df)
    fixed = (not physics) or n_nodes >= large
    positions = network_positions(nodes_df, gap=max(1.0, label_px / LABEL_PX)) if fixed else {}
    max_c = float(nodes_df["customers"].max()) if n_nodes else 0.0
    ids: dict[str, int] = {}
    w_stage = i18n.t("network.chart.stage", lang)
    w_channel = i18n.t("network.chart.channel", lang)
    w_customers = i18n.t("network.chart.customers", lang)
    w_events = i18n.t("network.chart.events", lang)
    w_trans = i18n.t("network.chart.transitions", lang)

    for i, r in enumerate(nodes_df.itertuples(index=False)):
        name = str(r.touchpoint)
        ids[name] = i
        stage = "" if pd.isna(r.stage) else str(r.stage)
        color = colors.get(stage, UNKNOWN_STAGE_COLOR)
        channel = "" if pd.isna(r.channel) else str(r.channel)
        title_lines = [
            name,
            i18n.labelled(w_stage, stage_lbl.get(stage, stage) or "—", lang),
            i18n.labelled(w_channel, channel or "—", lang),
            i18n.labelled(w_customers, _int(r.customers, lang), lang),
            i18n.labelled(w_events, _int(r.events, lang), lang),
        ]
        opts: dict[str, Any] = {
            "title": _plain("\n".join(title_lines)),
            "size": _scale(float(r.customers or 0), max_c, 8, 40),
            "color": color,
            "borderWidth": 1,
        }
        if fixed and name in positions:
            opts["x"], opts["y"] = positions[name]
            opts["physics"] = False
        net.add_node(i, label=_plain(truncate(name, 28)), shape="dot", **opts)

    max_t = float(edges_df["transitions"].max()) if len(edges_df) else 0.0
    for r in edges_df.itertuples(index=False):
        s, d = str(r.source), str(r.target)
        if s not in ids or d not in ids:
            continue
        net.add_edge(
            ids[s], ids[d],
            width=_scale(float(r.transitions or 0), max_t, 0.5, 12),
            title=_plain(
                f"{s} → {d}\n{i18n.labelled(w_trans, _int(r.transitions, lang), lang)}\n"
                + i18n.labelled(w_customers, _int(r.customers, lang), lang)
            ),
            arrows="to",
            color={"color": "#9AA5B1", "highlight": "#333333", "opacity": 0.8},
        )

    net.options = {
        "layout": {"randomSeed": int(seed), "improvedLayout": True},
        "nodes": {"font": {"size": max(14, int(label_px)), "face": "sans-serif"}},
        "edges": {
            "arrows": {"to": {"enabled": True, "scaleFactor": 0.6}},
            "smooth": {"enabled": True, "type": "continuous"} if not fixed
            else {"enabled": True, "type": "curvedCW", "roundness": 0.15},
        },
        "interaction": {"hover": True, "tooltipDelay": 120, "navigationButtons": False},
        "physics": {
            "enabled": not fixed,
            "solver": "barnesHut",
            "barnesHut": {"gravitationalConstant": -8000, "springLength": 160,
                          "avoidOverlap": 0.3},
            "stabilization": {"enabled": True, "iterations": 300, "fit": True},
        },
    }
    page = _harden(net.generate_html())
    page = _append(page, _LABEL_FLOOR.replace("__FLOOR__", str(int(label_px))))
    if png is not None:
        page = _add_png_export(page, png)
    return page


# Fixed code, no data. vis-network draws a label at font size × zoom; after fitting a graph
# into the frame the zoom is often ~0.6. Whenever the zoom settles (the first fit, the end
# of stabilisation, the user's wheel), the font is set so that size × zoom >= the floor.
# The size on screen is left on <body data-label-px> for tests.
_LABEL_FLOOR = """
<script>
(function () {
  var floor = __FLOOR__, base = null, shown = null;
  function keep() {
    if (typeof network === 'undefined' || !network) return;
    var scale = network.getScale();
    if (!(scale > 0)) return;
    if (base === null) base = network.body.nodes && Object.keys(network.body.nodes).length
      ? network.body.nodes[Object.keys(network.body.nodes)[0]].options.font.size : floor;
    var size = Math.max(base, Math.ceil(floor / scale));
    if (size !== shown) {
      shown = size;
      network.setOptions({nodes: {font: {size: size}}});
    }
    document.body.setAttribute('data-label-px', (size * scale).toFixed(2));
  }
  network.on('stabilized', keep);
  network.on('zoom', keep);
  network.on('resize', keep);
  network.once('afterDrawing', keep);
  keep();  // a graph without physics may have been fitted and drawn already
})();
</script>
"""


def _append(page: str, block: str) -> str:
    head, sep, tail = page.rpartition("</body>")
    return head + block + sep + tail if sep else page + block


@dataclass(frozen=True)
class NetworkPng:
    """What the network's "Download PNG" button needs; every string is plain text.

    `label` is the (translated) button text, `title` the line drawn above the graph,
    `legend` the (label, colour) pairs drawn under it and `caption` the text below (filters,
    n). The strings go into the page as JSON data only (never markup) and are drawn on the
    canvas with `fillText`.
    """

    label: str
    title: str = ""
    legend: Sequence[tuple[str, str]] = ()
    caption: str = ""
    file_name: str = "parcours-network.png"


_COLOR = re.compile(r"#[0-9A-Fa-f]{3,8}")

# Fixed markup and code: the data comes from the JSON block, and text reaches the page only
# through `textContent` and the canvas' `fillText`.
_PNG_EXPORT = """
<button id="parcours-png" type="button" style="position:fixed;top:6px;right:6px;z-index:10;
 font:13px sans-serif;padding:3px 10px;background:#fff;border:1px solid #bbb;border-radius:4px;
 cursor:pointer;"></button>
<script type="application/json" id="parcours-png-data">__DATA__</script>
<script>
(function () {
  var data = JSON.parse(document.getElementById('parcours-png-data').textContent);
  var button = document.getElementById('parcours-png');
  button.textContent = data.label;
  function wrap(ctx, text, width) {
    var lines = [], line = '';
    String(text).split(/\\s+/).forEach(function (word) {
      var next = line ? line + ' ' + word : word;
      if (line && ctx.measureText(next).width > width) { lines.push(line); line = word; }
      else { line = next; }
    });
    if (line) { lines.push(line); }
    return lines;
  }
  function render() {
    var src = document.querySelector('#mynetwork canvas');
    var k = src.width / (src.clientWidth || src.width);
    var pad = Math.round(16 * k), size = Math.round(14 * k), lh = Math.round(20 * k);
    var out = document.createElement('canvas');
    var ctx = out.getContext('2d');
    var width = src.width + 2 * pad;
    ctx.font = size + 'px sans-serif';
    var caption = data.caption ? wrap(ctx, data.caption, src.width) : [];
    var legendRows = 0, x = 0, spans = [];
    data.legend.forEach(function (item) {
      var w = size + 6 * k + ctx.measureText(item[0]).width + 18 * k;
      if (x && x + w > src.width) { legendRows += 1; x = 0; }
      spans.push([legendRows, x, item]);
      x += w;
    });
    if (spans.length) { legendRows += 1; }
    var top = pad + (data.title ? lh * 1.4 : 0);
    out.width = width;
    out.height = top + src.height + pad / 2 + (legendRows + caption.length) * lh + pad;
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, out.width, out.height);
    ctx.textBaseline = 'top';
    ctx.fillStyle = '#222222';
    if (data.title) {
      ctx.font = 'bold ' + Math.round(18 * k) + 'px sans-serif';
      ctx.fillText(data.title, pad, pad);
    }
    ctx.drawImage(src, pad, top);
    var y = top + src.height + pad / 2;
    ctx.font = size + 'px sans-serif';
    spans.forEach(function (s) {
      var cx = pad + s[1], cy = y + s[0] * lh;
      ctx.fillStyle = s[2][1];
      ctx.beginPath();
      ctx.arc(cx + size / 2, cy + size / 2, size / 2, 0, 2 * Math.PI);
      ctx.fill();
      ctx.fillStyle = '#222222';
      ctx.fillText(s[2][0], cx + size + 6 * k, cy);
    });
    y += legendRows * lh;
    ctx.fillStyle = '#555555';
    caption.forEach(function (line, i) { ctx.fillText(line, pad, y + i * lh); });
    return out.toDataURL('image/png');
  }
  button.addEventListener('click', function () {
    var url = render();
    var a = document.createElement('a');
    a.href = url;
    a.download = data.file_name;
    document.body.appendChild(a);
    a.click();
    a.remove();
  });
})();
</script>
"""


def _png_json(png: NetworkPng) -> str:
    """The button's data as JSON safe inside a <script> block: `<`, `>` and `&` are
    written as \\u escapes, so no `</script>` (or `<!--`) can appear in it."""
    data = {
        "label": str(png.label),
        "title": str(png.title),
        "legend": [
            [str(label), color if _COLOR.fullmatch(str(color)) else UNKNOWN_STAGE_COLOR]
            for label, color in png.legend
        ],
        "caption": str(png.caption),
        "file_name": re.sub(r"[^A-Za-z0-9._-]", "_", png.file_name) or "network.png",
    }
    text = json.dumps(data, ensure_ascii=False)
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                    ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(ch, esc)
    return text


def _add_png_export(page: str, png: NetworkPng) -> str:
    return _append(page, _PNG_EXPORT.replace("__DATA__", _png_json(png)))


def network_png_data(page: str) -> dict[str, Any] | None:
    """The PNG button's data embedded in a `network_html` page (for tests and checks)."""
    m = re.search(r'<script type="application/json" id="parcours-png-data">(.*?)</script>',
                  page, flags=re.S)
    return json.loads(m.group(1)) if m else None


def _harden(page: str) -> str:
    """Post-process pyvis' page: no network fetches (bootstrap from a CDN is unused here and
    fails offline), no empty headings, and no `</` inside the inline data (Jinja's `tojson`
    already writes `<` as \\u003c; this is a second lock in case a pyvis update changes it)."""
    page = _CDN_TAGS.sub("", page)
    page = _EMPTY_HEADING.sub("", page)

    def lock(m: re.Match[str]) -> str:
        return m.group(1) + m.group(2).replace("</", "<\\/") + m.group(3)

    page = re.sub(r"(new vis\.DataSet\()(.*?)(\);)", lock, page, flags=re.S)
    return page


def _ordered_stages(stages_df: pd.DataFrame | None) -> list[Any]:
    if stages_df is None or stages_df.empty:
        return []
    return list(stages_df.sort_values(["position", "stage"]).itertuples(index=False))


def stage_colors(stages_df: pd.DataFrame | None) -> dict[str, str]:
    """Stage -> colour by rank in the stage order (1st stage = first colour), so the legend
    and the nodes agree whatever numbers the positions use."""
    return {str(r.stage): stage_color(i + 1) for i, r in enumerate(_ordered_stages(stages_df))}


def stage_legend_labels(stages_df: pd.DataFrame | None, lang: str) -> list[tuple[str, str]]:
    """(stage, localised label) in stage order."""
    return [
        (str(r.stage), i18n.stage_label(str(r.stage), lang, stages_df))
        for r in _ordered_stages(stages_df)
    ]


def stage_legend(stages_df: pd.DataFrame | None, lang: str,
                 used: Collection[str] | None = None) -> list[tuple[str, str]]:
    """(label, colour) pairs in stage order: the legend drawn above the network. With
    `used`, only those stages (the ones the drawn nodes belong to: a stage no import uses
    has no place in a legend), coloured as in the whole order so legend and nodes agree."""
    colors = stage_colors(stages_df)
    return [(label, colors[stage]) for stage, label in stage_legend_labels(stages_df, lang)
            if used is None or stage in used]


def network_data_json(page: str) -> list[dict[str, Any]]:
    """The node list embedded in a `network_html` page (for tests and checks)."""
    m = re.search(r"nodes = new vis\.DataSet\((.*?)\);", page, flags=re.S)
    return json.loads(m.group(1)) if m else []
