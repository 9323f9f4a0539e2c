// The network, drawn by sigma.js (WebGL) from a graphology graph that mirrors the store:
// one graph node per store node, one edge per relationship (keyed like the store). Sigma
// redraws on graph events and camera moves; what selection changes (highlight of the
// chosen node and its neighbours, a path, unsaved rings) is applied by its reducers, so
// the graph model keeps only the data. Positions: see graph-layout.js.

import { Graph, Sigma, createNodeBorderProgram } from '../vendor/graph/graph-libs.js';
import { R, createLayout, freeSpot, initialPosition } from './graph-layout.js';

const EDGE = '#b8c0cc';
const EDGE_STRONG = '#1565c0';
const DIM = '#e1e5eb';
const UNSAVED = '#e08a00';
const SELECTED = '#111111';
const MAX_PX = 1.5; // screen pixels per graph unit when fitting, so few nodes are not spread out

const BorderedNode = createNodeBorderProgram({
  borders: [
    { size: { attribute: 'ringSize', defaultValue: 0 }, color: { attribute: 'ringColor' } },
    { size: { fill: true }, color: { attribute: 'color' } },
  ],
});

export function createGraphView(container, { store, palette, onSelect, onMove, onCreateAt }) {
  const graph = new Graph({ type: 'directed', multi: true, allowSelfLoops: true });
  let selected = null; // { node } | { rel }
  let focus = null; // { nodes: Set, edges: Set } emphasised; everything else dimmed
  let dragged = null;
  let userMoved = false; // once the person pans or zooms, the view is theirs
  const stats = { firstFrameAt: 0 };
  // Drawn radius in screen pixels (sigma's default sizing), smaller as the graph grows so
  // that a fitted view of thousands of nodes is not one blot. Placement works in graph
  // units (R), whatever the zoom.
  let drawnSize = 9;

  const layout = createLayout(graph, { onState: (running) => { if (!running && !userMoved) fit(); } });

  function nodeStyle(id, data) {
    const s = palette.style(data.kind);
    const out = { ...data, size: drawnSize, color: s.color, ringColor: s.ring || s.color, ringSize: s.ringSize };
    if (store.dirty.has(id)) Object.assign(out, { ringColor: UNSAVED, ringSize: 0.3 });
    if (selected && selected.node === id) Object.assign(out, { ringColor: SELECTED, ringSize: 0.35, highlighted: true, zIndex: 2 });
    if (focus && !focus.nodes.has(id)) Object.assign(out, { color: DIM, ringColor: DIM, label: '', zIndex: 0 });
    else if (focus) Object.assign(out, { zIndex: Math.max(out.zIndex || 0, 1), forceLabel: true });
    return out;
  }

  function edgeStyle(key, data) {
    const out = { ...data };
    if (selected && selected.rel === key) Object.assign(out, { color: EDGE_STRONG, size: 3, zIndex: 2, forceLabel: true });
    else if (focus && focus.edges.has(key)) Object.assign(out, { color: EDGE_STRONG, size: 2, zIndex: 1 });
    else if (focus) Object.assign(out, { color: DIM, label: '' });
    return out;
  }

  const renderer = new Sigma(graph, container, {
    allowInvalidContainer: true, // the workspace is hidden until a session opens
    stagePadding: 50, // room for the labels of the outermost nodes
    // Nodes grow when zooming in, but never shrink below drawnSize when zooming out.
    zoomToSizeRatioFunction: (ratio) => Math.min(1, Math.sqrt(ratio)),
    defaultNodeType: 'bordered',
    nodeProgramClasses: { bordered: BorderedNode },
    defaultEdgeType: 'arrow',
    defaultEdgeColor: EDGE,
    labelRenderedSizeThreshold: 9,
    labelFont: 'system-ui, sans-serif',
    labelSize: 11,
    edgeLabelSize: 10,
    renderEdgeLabels: true,
    enableEdgeEvents: true,
    hideEdgesOnMove: false,
    zIndex: true,
    minCameraRatio: 0.01,
    maxCameraRatio: 20,
    nodeReducer: nodeStyle,
    edgeReducer: edgeStyle,
  });
  const camera = renderer.getCamera();

  renderer.on('afterRender', () => {
    if (!stats.firstFrameAt && graph.order) stats.firstFrameAt = performance.now();
  });

  // ---------------------------------------------------------------- the store, mirrored

  function nodeAttributes(node, previous) {
    const md = node.metadata || {};
    const stored = Number.isFinite(md.x) && Number.isFinite(md.y);
    const attrs = { label: node.label, kind: node.type, size: R };
    if (stored) return { ...attrs, x: md.x, y: md.y, fixed: true };
    if (previous && !previous.fixed) return { ...attrs, x: previous.x, y: previous.y, fixed: false };
    return null; // needs a place
  }

  /** id -> the ids it is related to, built once per sync and only when a node needs a place. */
  let adjacency = null;
  function neighbourOf(id) {
    if (!adjacency) {
      adjacency = new Map();
      for (const rel of store.localRels.values()) {
        if (!adjacency.has(rel.sourceId)) adjacency.set(rel.sourceId, []);
        if (!adjacency.has(rel.targetId)) adjacency.set(rel.targetId, []);
        adjacency.get(rel.sourceId).push(rel.targetId);
        adjacency.get(rel.targetId).push(rel.sourceId);
      }
    }
    const other = (adjacency.get(id) || []).find((n) => graph.hasNode(n));
    return other ? graph.getNodeAttributes(other) : null;
  }

  function syncNode(id, placed) {
    const node = store.local.get(id);
    if (!node) {
      if (graph.hasNode(id)) graph.dropNode(id);
      return placed;
    }
    if (dragged === id) return placed;
    const previous = graph.hasNode(id) ? graph.getNodeAttributes(id) : null;
    let attrs = nodeAttributes(node, previous);
    if (!attrs) {
      attrs = { label: node.label, kind: node.type, size: R, fixed: false, ...initialPosition(graph.order, neighbourOf(id)) };
      placed += 1;
    }
    if (previous) graph.mergeNodeAttributes(id, attrs);
    else graph.addNode(id, attrs);
    return placed;
  }

  function syncRels() {
    graph.forEachEdge((key) => {
      if (!store.localRels.has(key)) graph.dropEdge(key);
    });
    for (const [key, rel] of store.localRels) {
      if (!graph.hasNode(rel.sourceId) || !graph.hasNode(rel.targetId)) continue;
      const attrs = { label: rel.type, size: 1 };
      if (graph.hasEdge(key)) graph.mergeEdgeAttributes(key, attrs);
      else graph.addDirectedEdgeWithKey(key, rel.sourceId, rel.targetId, attrs);
    }
  }

  function sync(detail = {}) {
    let placed = 0;
    adjacency = null;
    const ids = detail.nodeIds || null;
    if (ids) {
      for (const id of ids) placed = syncNode(id, placed);
    } else {
      graph.forEachNode((id) => {
        if (!store.local.has(id)) graph.dropNode(id);
      });
      for (const id of store.local.keys()) placed = syncNode(id, placed);
    }
    if (detail.rels !== false) syncRels();
    drawnSize = graph.order > 3000 ? 2.5 : graph.order > 800 ? 4 : graph.order > 150 ? 6 : 9;
    renderer.setSetting('renderEdgeLabels', graph.size < 600);
    // Software WebGL redraws big graphs slowly: while the camera moves, draw nodes only.
    renderer.setSetting('hideEdgesOnMove', graph.size > 5000);
    renderer.setSetting('hideLabelsOnMove', graph.order > 2000);
    renderer.setSetting('enableEdgeEvents', graph.size < 5000);
    if (selected && selected.node) focusOn(selected.node);
    if (placed) layout.start();
    if (!userMoved && (placed || detail.nodeIds === null || detail.nodeIds === undefined)) fit();
    else redraw();
  }

  // ---------------------------------------------------------------- camera

  function redraw() {
    renderer.refresh();
  }

  /**
   * Show the whole graph, but never closer than MAX_PX screen pixels per graph unit: sigma
   * stretches any graph to fill the view, which would put two nodes at opposite edges.
   */
  function fit() {
    let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
    graph.forEachNode((_, a) => {
      x0 = Math.min(x0, a.x); x1 = Math.max(x1, a.x);
      y0 = Math.min(y0, a.y); y1 = Math.max(y1, a.y);
    });
    const { width, height } = renderer.getDimensions();
    const extent = Math.max(x1 - x0, y1 - y0, 1);
    const pxPerUnit = (Math.min(width, height) - 100) / extent; // at ratio 1
    camera.setState({ x: 0.5, y: 0.5, angle: 0, ratio: Math.min(20, Math.max(1, pxPerUnit / MAX_PX)) });
    redraw();
  }

  function zoom(factor) {
    userMoved = true;
    camera.setState({ ratio: Math.max(0.01, Math.min(20, camera.ratio / factor)) });
  }

  function pan(dx, dy) {
    userMoved = true;
    const { width, height } = renderer.getDimensions();
    const c = renderer.viewportToFramedGraph({ x: width / 2 - dx, y: height / 2 - dy });
    camera.setState({ x: c.x, y: c.y });
  }

  /** Centre of the visible area in graph coordinates. */
  function centre() {
    const { width, height } = renderer.getDimensions();
    return renderer.viewportToGraph({ x: width / 2, y: height / 2 });
  }

  /** A free spot for a new node: near the selected node, else near the view's centre. */
  function placeNew() {
    const anchor = selected && selected.node && graph.hasNode(selected.node)
      ? graph.getNodeAttributes(selected.node) : centre();
    return freeSpot(graph, anchor);
  }

  function inView(id) {
    const p = renderer.graphToViewport(graph.getNodeAttributes(id));
    const { width, height } = renderer.getDimensions();
    return p.x >= 20 && p.y >= 20 && p.x <= width - 20 && p.y <= height - 20;
  }

  /** Bring a node into view: centre on it when it is off screen or too small to see. */
  function reveal(id) {
    if (!graph.hasNode(id)) return;
    const shown = renderer.getNodeDisplayData(id);
    // Zoomed so far out that R graph units are a few pixels, neighbours are one blot: zoom in.
    const a = renderer.graphToViewport({ x: 0, y: 0 });
    const b = renderer.graphToViewport({ x: R, y: 0 });
    const pxR = Math.hypot(b.x - a.x, b.y - a.y);
    const tooSmall = pxR < 4;
    if (inView(id) && !tooSmall) return;
    userMoved = true;
    const ratio = tooSmall ? camera.ratio * (pxR / 12) : camera.ratio;
    camera.setState({ x: shown.x, y: shown.y, ratio: Math.max(0.01, ratio) });
  }

  // ---------------------------------------------------------------- selection

  function focusOn(id) {
    // A node without neighbours has nothing to point out: dimming the rest would only hide it.
    if (!graph.hasNode(id) || !graph.degree(id)) return void (focus = null);
    focus = { nodes: new Set([id, ...graph.neighbors(id)]), edges: new Set(graph.edges(id)) };
  }

  function select(sel) {
    selected = sel;
    focus = null;
    if (sel && sel.node) {
      focusOn(sel.node);
      renderer.refresh();
      reveal(sel.node);
    } else if (sel && sel.rel && graph.hasEdge(sel.rel)) {
      focus = { nodes: new Set(graph.extremities(sel.rel)), edges: new Set([sel.rel]) };
    }
    redraw();
  }

  /** Emphasise a path (node ids in order); null clears it. */
  function showPath(nodeIds) {
    selected = null;
    if (!nodeIds) return void select(null);
    const edges = new Set();
    for (let i = 1; i < nodeIds.length; i += 1) {
      for (const key of graph.edges(nodeIds[i - 1], nodeIds[i])) edges.add(key);
      for (const key of graph.edges(nodeIds[i], nodeIds[i - 1])) edges.add(key);
    }
    focus = { nodes: new Set(nodeIds.filter((id) => graph.hasNode(id))), edges };
    redraw();
  }

  // ---------------------------------------------------------------- pointer

  renderer.on('clickNode', ({ node }) => onSelect({ node }));
  renderer.on('clickEdge', ({ edge }) => onSelect({ rel: edge }));
  renderer.on('clickStage', () => onSelect(null));
  renderer.on('doubleClickNode', ({ event }) => event.preventSigmaDefault());
  renderer.on('doubleClickStage', ({ event }) => {
    event.preventSigmaDefault();
    const p = renderer.viewportToGraph(event);
    onCreateAt(Math.round(p.x), Math.round(p.y));
  });
  renderer.on('downNode', ({ node }) => {
    dragged = node;
    if (!renderer.getCustomBBox()) renderer.setCustomBBox(renderer.getBBox());
  });
  renderer.on('moveBody', ({ event }) => {
    if (!dragged) return;
    const p = renderer.viewportToGraph(event);
    graph.mergeNodeAttributes(dragged, { x: p.x, y: p.y, fixed: true });
    event.preventSigmaDefault();
    event.original.preventDefault();
    event.original.stopPropagation();
  });
  const drop = () => {
    const id = dragged;
    dragged = null;
    renderer.setCustomBBox(null);
    if (!id || !graph.hasNode(id)) return;
    const { x, y } = graph.getNodeAttributes(id);
    const md = (store.local.get(id) || {}).metadata || {};
    if (md.x !== Math.round(x) || md.y !== Math.round(y)) onMove(id, Math.round(x), Math.round(y));
  };
  renderer.on('upNode', drop);
  renderer.on('upStage', drop);
  renderer.getMouseCaptor().on('wheel', () => { userMoved = true; });
  renderer.getMouseCaptor().on('mousemovebody', (e) => {
    if (!dragged && e.original.buttons) userMoved = true;
  });

  new ResizeObserver(() => {
    renderer.resize();
    redraw();
  }).observe(container);
  store.on('change', sync);
  store.on('rekey', ({ from, to }) => {
    if (selected && selected.rel === from) selected = { rel: to };
  });

  /** Page coordinates of a node (used by the end-to-end tests to drag it). */
  function screenOf(id) {
    if (!graph.hasNode(id)) return null;
    const p = renderer.graphToViewport(graph.getNodeAttributes(id));
    const box = container.getBoundingClientRect();
    return { x: box.left + p.x, y: box.top + p.y };
  }

  /** A different session: forget the graph and give the view back to auto-fit. */
  function reset() {
    layout.stop(false);
    graph.clear();
    userMoved = false;
    selected = null;
    focus = null;
    stats.firstFrameAt = 0;
    camera.setState({ x: 0.5, y: 0.5, ratio: 1, angle: 0 });
  }

  return {
    reset, sync, fit, zoom, pan, select, showPath, centre, placeNew, redraw, screenOf, inView,
    settled: () => !layout.running(),
    positionOf: (id) => (graph.hasNode(id) ? { x: graph.getNodeAttribute(id, 'x'), y: graph.getNodeAttribute(id, 'y') } : undefined),
    // For tests and the benchmark: the library's own model, renderer and timings.
    graph, renderer, stats: () => ({ ...stats, layout: { ...layout.stats }, running: layout.running() }),
    radius: R,
  };
}
