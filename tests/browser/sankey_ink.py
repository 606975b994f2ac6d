"""Reading the drawn Sankey in a real browser: ECharts paints on a canvas, so a test finds a
node by its ink."""

from __future__ import annotations

# Pixel runs of ink down one column of the first Sankey canvas, `page.evaluate(NODE_RUNS,
# [x])`: {left, top, runs: [[top, bottom], ...]} in CSS pixels. The nodes of the first step
# sit at the left edge of the series (left: 10, nodeWidth: 16), so x = 18 crosses all of them.
NODE_RUNS = """([xoff]) => {
  const c = document.querySelector('.stEChartsChart canvas');
  const r = c.getBoundingClientRect();
  const sx = c.width / r.width, sy = c.height / r.height;
  const d = c.getContext('2d').getImageData(Math.round(xoff * sx), 0, 1, c.height).data;
  const runs = []; let start = -1;
  for (let y = 0; y <= c.height; y++) {
    const ink = y < c.height && d[4*y+3] > 0 && (d[4*y] + d[4*y+1] + d[4*y+2]) < 600;
    if (ink && start < 0) start = y;
    if (!ink && start >= 0) { if (y - start > 6 * sy) runs.push([start / sy, y / sy]); start = -1; }
  }
  return {left: r.left, top: r.top, runs};
}"""
