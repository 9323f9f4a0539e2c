"""The editor's network view with 1,000 and 10,000 nodes (3 relationships each), in Chromium.

Usage: .venv/bin/python bench/editor.py [--sizes graph1k graph10k] [--pan-seconds 5]

Seeds bench/support's graphs (no stored positions: every node is laid out) into a fresh
SQLite file, serves the app, opens each session in Debian's Chromium (Playwright, the
flags of tests/web) and prints, per size: time from navigation to the first frame sigma
drew with the nodes, the ForceAtlas2 layout's running time (until it settled or hit its
budget), the longest main-thread task while it ran (PerformanceObserver longtask), frames
per second while the layout runs, and while panning then zooming with the mouse
(requestAnimationFrame count over --pan-seconds), and the page's JS heap. Printed, not
asserted; targets: first frame <= 3 s at 10,000 nodes, >= 30 fps panning, no task
> 200 ms during layout. The machine is shared: check `uptime` and run twice.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import sync_playwright
from support.seed import GRAPH1K, GRAPH10K, GraphSpec, seed_database
from support.server import serve

from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS, VIEWPORT

SIZES = {spec.name: spec for spec in (GRAPH1K, GRAPH10K)}

LONG_TASKS = """
window.__longTasks = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) window.__longTasks.push([e.startTime, e.duration]);
}).observe({ type: 'longtask', buffered: true });
"""

FRAMES = """(ms) => new Promise((done) => {
  let frames = 0;
  const t = performance.now();
  const count = () => {
    if (performance.now() - t >= ms) return done(frames / (ms / 1000));
    frames += 1;
    requestAnimationFrame(count);
  };
  requestAnimationFrame(count);
})"""


def _gesture(page: Any, seconds: float) -> None:
    """Drag the background in circles for half the time, then wheel in and out."""
    box = page.locator("#graph").bounding_box()
    cx, cy = box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5
    end = time.monotonic() + seconds / 2
    page.mouse.move(cx, cy)
    page.mouse.down()
    step = 0
    while time.monotonic() < end:
        step += 1
        page.mouse.move(cx + 120 * ((step % 20) / 10 - 1), cy + 60 * ((step % 14) / 7 - 1))
    page.mouse.up()
    end = time.monotonic() + seconds / 2
    direction = 1
    while time.monotonic() < end:
        for _ in range(6):
            page.mouse.wheel(0, 120 * direction)
            page.wait_for_timeout(40)
        direction = -direction


def measure(browser: Any, url: str, spec: GraphSpec, session_id: str, pan_s: float) -> None:
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.add_init_script(LONG_TASKS)
    page.goto(f"{url}/#/s/{session_id}")
    page.wait_for_function(
        "window.graphEditor && graphEditor.view.stats().firstFrameAt > 0", timeout=120_000
    )
    first = page.evaluate("graphEditor.view.stats().firstFrameAt")
    layout_fps = page.evaluate(FRAMES, 2000)
    page.wait_for_function("graphEditor.view.settled()", timeout=120_000, polling=200)
    stats = page.evaluate("graphEditor.view.stats()")
    start, end = stats["layout"]["startedAt"], stats["layout"]["endedAt"]
    tasks = page.evaluate("window.__longTasks")
    during = [d for (t, d) in tasks if t + d >= start and t <= end]
    page.wait_for_timeout(300)
    # The gesture runs from Python while the page counts frames: start the count first.
    page.evaluate(f"window.__fps = ({FRAMES})({pan_s * 1000})")
    _gesture(page, pan_s)
    pan_fps = page.evaluate("window.__fps")
    heap = page.evaluate("performance.memory ? performance.memory.usedJSHeapSize : 0")
    drawn = page.evaluate("[graphEditor.view.graph.order, graphEditor.view.graph.size]")
    print(
        f"{spec.name}: {drawn[0]} nodes, {drawn[1]} relationships drawn\n"
        f"  first drawn frame      {first:8.0f} ms after navigation (target <= 3000)\n"
        f"  layout (ForceAtlas2)   {stats['layout']['ms']:8.0f} ms in a worker\n"
        f"  longest task in layout {max(during, default=0):8.0f} ms "
        f"({len(during)} tasks > 50 ms; target <= 200)\n"
        f"  fps during layout      {layout_fps:8.1f}\n"
        f"  fps panning + zooming  {pan_fps:8.1f} over {pan_s:.0f} s (target >= 30)\n"
        f"  JS heap                {heap / 2**20:8.1f} MiB"
    )
    page.screenshot(path=str(Path(tempfile.gettempdir()) / f"bench-editor-{spec.name}.png"))
    context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="+", choices=sorted(SIZES), default=list(SIZES))
    parser.add_argument("--pan-seconds", type=float, default=5.0)
    args = parser.parse_args()
    specs = tuple(SIZES[name] for name in args.sizes)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/bench.db"
        ids = seed_database(url, specs)
        env = {"GRAPH_API_LIMITS__MAX_PAGE_SIZE": "10000"}
        with serve(url, env=env) as server, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                for spec in specs:
                    measure(browser, server.url, spec, ids[spec.name], args.pan_seconds)
            finally:
                browser.close()


if __name__ == "__main__":
    main()
