// Where nodes go. A node with a stored position (metadata x, y) is fixed there; the others
// are laid out by ForceAtlas2 in a web worker (graphology-layout-forceatlas2), so the page
// stays responsive however long the layout takes. The layout stops when it has settled
// (nodes barely move between two looks) or after a time budget, and an idle page spends
// nothing. New nodes are given a free spot near an anchor instead of the same point.
//
// The worker moves a copy of the graph, and its positions are copied to the drawn graph
// now and then (at every iteration for small graphs): each copy makes sigma redraw everything, which costs little
// on a GPU but a lot in software WebGL, so big graphs are shown moving a few times a
// second instead of at every iteration.

import { FA2Layout, Graph, inferFA2Settings } from '../vendor/graph/graph-libs.js';

/** Radius of a node in graph units; placement keeps centres more than a diameter apart. */
export const R = 14;
const GAP = 3 * R;
const CHECK_MS = 250;

/** Where to put a node that has no position yet: beside a placed neighbour, else a spiral. */
export function initialPosition(index, neighbour) {
  const angle = index * 2.399963; // the golden angle spreads points evenly
  if (neighbour) return { x: neighbour.x + 60 * Math.cos(angle), y: neighbour.y + 60 * Math.sin(angle) };
  const r = 45 * Math.sqrt(index + 1);
  return { x: r * Math.cos(angle), y: r * Math.sin(angle) };
}

/** The nearest point to anchor, on rings of growing radius, at least GAP from every node. */
export function freeSpot(graph, anchor) {
  const points = [];
  graph.forEachNode((_, a) => points.push(a));
  const clear = (x, y) => points.every((p) => (p.x - x) ** 2 + (p.y - y) ** 2 >= GAP * GAP);
  if (clear(anchor.x, anchor.y)) return { x: Math.round(anchor.x), y: Math.round(anchor.y) };
  for (let ring = 1; ring < 200; ring += 1) {
    const radius = ring * GAP;
    const steps = Math.max(6, Math.floor((2 * Math.PI * radius) / GAP));
    for (let k = 0; k < steps; k += 1) {
      const angle = ring * 0.7 + (k * 2 * Math.PI) / steps;
      const x = Math.round(anchor.x + radius * Math.cos(angle));
      const y = Math.round(anchor.y + radius * Math.sin(angle));
      if (clear(x, y)) return { x, y };
    }
  }
  return { x: Math.round(anchor.x), y: Math.round(anchor.y) };
}

/** Runs ForceAtlas2 on graph (nodes with `fixed` stay put); onState(running) on changes. */
export function createLayout(graph, { onState }) {
  let fa2 = null;
  let timer = null;
  let started = 0;
  let last = null; // Float64Array of x, y at the previous look
  const stats = { startedAt: 0, endedAt: 0, ms: 0 };

  function snapshot() {
    const out = new Float64Array(copy.order * 2);
    let i = 0;
    copy.forEachNode((_, a) => {
      out[i++] = a.x;
      out[i++] = a.y;
    });
    return out;
  }

  /** Mean movement since the last look, relative to the graph's extent. */
  function movement() {
    const now = snapshot();
    let moved = 0;
    let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
    for (let i = 0; i < now.length; i += 2) {
      x0 = Math.min(x0, now[i]); x1 = Math.max(x1, now[i]);
      y0 = Math.min(y0, now[i + 1]); y1 = Math.max(y1, now[i + 1]);
      if (last && last.length === now.length) moved += Math.hypot(now[i] - last[i], now[i + 1] - last[i + 1]);
    }
    const previous = last;
    last = now;
    if (!previous || previous.length !== now.length) return Infinity;
    return moved / (now.length / 2) / Math.max(1, x1 - x0, y1 - y0);
  }

  function check() {
    const elapsed = performance.now() - started;
    const budget = Math.min(20000, 4000 + copy.order);
    if (movement() < 0.0015 || elapsed > budget) stop();
  }

  let copy = null; // the graph the worker moves
  let copied = 0;
  let pending = false;

  function copyPositions(force = false) {
    if (!copy || !pending) return;
    const every = graph.order > 2000 ? 2000 : graph.order > 300 ? 500 : 0;
    if (!force && performance.now() - copied < every) return;
    pending = false;
    copied = performance.now();
    graph.updateEachNodeAttributes((id, attrs) => {
      if (attrs.fixed || !copy.hasNode(id)) return attrs;
      const p = copy.getNodeAttributes(id);
      return { ...attrs, x: p.x, y: p.y };
    }, { attributes: ['x', 'y'] });
  }

  function start() {
    stop(false);
    if (!graph.order) return;
    copy = new Graph({ type: 'directed', multi: true, allowSelfLoops: false });
    graph.forEachNode((id, a) => copy.addNode(id, { x: a.x, y: a.y, fixed: a.fixed, size: a.size }));
    graph.forEachEdge((key, _, source, target) => {
      if (source !== target) copy.addDirectedEdgeWithKey(key, source, target);
    });
    copy.on('eachNodeAttributesUpdated', () => {
      pending = true;
      copyPositions();
    });
    const settings = { ...inferFA2Settings(copy), barnesHutOptimize: copy.order > 300, adjustSizes: false };
    settings.scalingRatio = 60; // edges near 100 graph units, the scale stored positions use
    settings.strongGravityMode = false;
    settings.gravity = 0.5;
    fa2 = new FA2Layout(copy, { settings });
    fa2.start();
    started = performance.now();
    stats.startedAt = started;
    stats.endedAt = 0;
    last = null;
    timer = setInterval(check, CHECK_MS);
    onState(true);
  }

  function stop(notify = true) {
    clearInterval(timer);
    timer = null;
    if (!fa2) return;
    fa2.kill();
    fa2 = null;
    copyPositions(true);
    copy = null;
    stats.endedAt = performance.now();
    stats.ms = stats.endedAt - stats.startedAt;
    if (notify) onState(false);
  }

  return { start, stop, running: () => Boolean(fa2), stats };
}
