// The network on a canvas: one draw per animation frame only while something moves,
// culled to the viewport, with labels dropped when zoomed far out, so 2,000 nodes stay
// smooth. Positions live in node metadata (x, y); a drag ends in onMove(), an edit.

import { initialPosition, tick } from './layout.js';
import { R, paint } from './graph-draw.js';

const LAYOUT_MS = 8000;

export function createGraphView(canvas, { store, onSelect, onMove, onCreateAt }) {
  const ctx = canvas.getContext('2d');
  const pos = new Map(); // nodeId -> {x, y, vx, vy, pinned}
  const view = { scale: 1, tx: 0, ty: 0 };
  let selected = null; // { node } | { rel }
  let alpha = 0;
  let heatedAt = 0; // when the layout last started: it runs LAYOUT_MS at most
  let frame = 0;
  let gesture = null;
  let fitted = false;
  let userMoved = false; // once the person pans or zooms, the view is theirs

  const toWorld = (sx, sy) => ({ x: (sx - view.tx) / view.scale, y: (sy - view.ty) / view.scale });

  function sync() {
    let placed = 0;
    for (const [id, node] of store.local) {
      const md = node.metadata || {};
      let p = pos.get(id);
      const stored = Number.isFinite(md.x) && Number.isFinite(md.y);
      if (gesture && gesture.node === id) continue;
      if (stored) {
        if (!p) pos.set(id, (p = { vx: 0, vy: 0 }));
        p.x = md.x;
        p.y = md.y;
        p.pinned = true;
      } else if (!p || p.pinned) {
        const near = neighbourOf(id);
        pos.set(id, { ...(p || initialPosition(pos.size, near)), vx: 0, vy: 0, pinned: false });
        placed += 1;
      }
    }
    for (const id of [...pos.keys()]) if (!store.local.has(id)) pos.delete(id);
    if (placed) {
      alpha = 1;
      heatedAt = performance.now();
    }
    if (!fitted && pos.size) {
      fitted = true;
      fit();
    }
    redraw();
  }

  function neighbourOf(id) {
    for (const rel of store.localRels.values()) {
      const other = rel.sourceId === id ? rel.targetId : rel.targetId === id ? rel.sourceId : null;
      if (other && pos.has(other)) return pos.get(other);
    }
    return null;
  }

  function redraw() {
    if (!frame) frame = requestAnimationFrame(render);
  }

  function render() {
    frame = 0;
    if (alpha > 0.02) {
      const ids = [...pos.keys()];
      const index = new Map(ids.map((id, i) => [id, i]));
      const edges = [];
      for (const rel of store.localRels.values()) {
        const i = index.get(rel.sourceId);
        const j = index.get(rel.targetId);
        if (i !== undefined && j !== undefined) edges.push([i, j]);
      }
      const points = ids.map((id) => pos.get(id));
      // As many ticks as fit in ~12 ms; the layout cools per tick and stops after
      // LAYOUT_MS whatever the machine's speed, so a slow machine gets a rougher layout,
      // never a busy page.
      const started = performance.now();
      let last = 0;
      do {
        const t0 = performance.now();
        tick(points, edges, alpha);
        alpha *= 0.97;
        last = performance.now() - t0;
      } while (alpha > 0.02 && performance.now() - started + last < 12);
      if (performance.now() - heatedAt > LAYOUT_MS) alpha = 0;
      if (alpha <= 0.02 && !userMoved) fit(); // the layout has settled: show all of it
      redraw();
    }
    draw();
  }

  function resize() {
    const dpr = window.devicePixelRatio || 1;
    canvas.width = Math.max(1, Math.round(canvas.clientWidth * dpr));
    canvas.height = Math.max(1, Math.round(canvas.clientHeight * dpr));
    redraw();
  }

  function draw() {
    const dpr = window.devicePixelRatio || 1;
    const w = canvas.width / dpr;
    const h = canvas.height / dpr;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    ctx.setTransform(dpr * view.scale, 0, 0, dpr * view.scale, dpr * view.tx, dpr * view.ty);
    const min = toWorld(-50, -50);
    const max = toWorld(w + 50, h + 50);
    paint(ctx, {
      store, pos, view, selected, dpr,
      bounds: { x0: min.x, y0: min.y, x1: max.x, y1: max.y },
      dirty: (id) => store.dirty.has(id),
    });
  }

  function nodeAt(x, y) {
    let best = null;
    let bestD = (R + 3) ** 2;
    for (const [id, p] of pos) {
      const d = (p.x - x) ** 2 + (p.y - y) ** 2;
      if (d <= bestD) [best, bestD] = [id, d];
    }
    return best;
  }

  function relAt(x, y) {
    const limit = 6 / view.scale;
    for (const [key, rel] of store.localRels) {
      const a = pos.get(rel.sourceId);
      const b = pos.get(rel.targetId);
      if (!a || !b) continue;
      const dx = b.x - a.x;
      const dy = b.y - a.y;
      const t = Math.max(0, Math.min(1, ((x - a.x) * dx + (y - a.y) * dy) / (dx * dx + dy * dy || 1)));
      if (Math.hypot(a.x + t * dx - x, a.y + t * dy - y) < limit) return key;
    }
    return null;
  }

  function fit() {
    if (!pos.size) return;
    let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
    for (const p of pos.values()) {
      x0 = Math.min(x0, p.x); y0 = Math.min(y0, p.y);
      x1 = Math.max(x1, p.x); y1 = Math.max(y1, p.y);
    }
    const w = canvas.clientWidth || 800;
    const h = canvas.clientHeight || 600;
    view.scale = Math.max(0.05, Math.min(1.5, Math.min(w / (x1 - x0 + 160), h / (y1 - y0 + 160))));
    view.tx = w / 2 - ((x0 + x1) / 2) * view.scale;
    view.ty = h / 2 - ((y0 + y1) / 2) * view.scale;
    redraw();
  }

  function zoom(factor, sx = canvas.clientWidth / 2, sy = canvas.clientHeight / 2) {
    userMoved = true;
    const next = Math.max(0.05, Math.min(5, view.scale * factor));
    view.tx = sx - ((sx - view.tx) * next) / view.scale;
    view.ty = sy - ((sy - view.ty) * next) / view.scale;
    view.scale = next;
    redraw();
  }

  function pan(dx, dy) {
    userMoved = true;
    view.tx += dx;
    view.ty += dy;
    redraw();
  }

  /** Centre of the visible area in world coordinates: where new nodes appear. */
  function centre() {
    const c = toWorld(canvas.clientWidth / 2, canvas.clientHeight / 2);
    return { x: Math.round(c.x + (Math.random() - 0.5) * 80), y: Math.round(c.y + (Math.random() - 0.5) * 80) };
  }

  function select(sel) {
    selected = sel;
    if (sel && sel.node && pos.has(sel.node)) {
      const p = pos.get(sel.node);
      const s = { x: p.x * view.scale + view.tx, y: p.y * view.scale + view.ty };
      if (s.x < 0 || s.y < 0 || s.x > canvas.clientWidth || s.y > canvas.clientHeight) {
        view.tx = canvas.clientWidth / 2 - p.x * view.scale;
        view.ty = canvas.clientHeight / 2 - p.y * view.scale;
      }
    }
    redraw();
  }

  /** Pointer handling: drag a node, pan the empty canvas, click to select. */
  canvas.addEventListener('pointerdown', (e) => {
    const w = toWorld(e.offsetX, e.offsetY);
    const node = nodeAt(w.x, w.y);
    gesture = { node, sx: e.offsetX, sy: e.offsetY, tx: view.tx, ty: view.ty, moved: false };
    canvas.setPointerCapture(e.pointerId);
  });
  canvas.addEventListener('pointermove', (e) => {
    if (!gesture) {
      const w = toWorld(e.offsetX, e.offsetY);
      canvas.style.cursor = nodeAt(w.x, w.y) ? 'grab' : 'default';
      return;
    }
    if (Math.hypot(e.offsetX - gesture.sx, e.offsetY - gesture.sy) > 3) gesture.moved = true;
    if (!gesture.moved) return;
    if (gesture.node) {
      const w = toWorld(e.offsetX, e.offsetY);
      Object.assign(pos.get(gesture.node), { x: w.x, y: w.y, pinned: true });
    } else {
      userMoved = true;
      view.tx = gesture.tx + e.offsetX - gesture.sx;
      view.ty = gesture.ty + e.offsetY - gesture.sy;
    }
    redraw();
  });
  canvas.addEventListener('pointerup', (e) => {
    const g = gesture;
    gesture = null;
    if (!g) return;
    if (g.node && g.moved) {
      const p = pos.get(g.node);
      if (p) onMove(g.node, Math.round(p.x), Math.round(p.y));
    } else if (!g.moved) {
      const w = toWorld(e.offsetX, e.offsetY);
      const rel = g.node ? null : relAt(w.x, w.y);
      onSelect(g.node ? { node: g.node } : rel ? { rel } : null);
    }
  });
  canvas.addEventListener('dblclick', (e) => {
    const w = toWorld(e.offsetX, e.offsetY);
    if (!nodeAt(w.x, w.y)) onCreateAt(Math.round(w.x), Math.round(w.y));
  });
  canvas.addEventListener('wheel', (e) => {
    e.preventDefault();
    zoom(Math.exp(-e.deltaY * 0.0015), e.offsetX, e.offsetY);
  }, { passive: false });

  new ResizeObserver(resize).observe(canvas);
  store.on('change', sync);
  store.on('rekey', ({ from, to }) => {
    if (selected && selected.rel === from) selected = { rel: to };
  });
  /** Page coordinates of a node (used by the end-to-end tests to drag it). */
  function screenOf(id) {
    const p = pos.get(id);
    const box = canvas.getBoundingClientRect();
    return p && { x: box.left + p.x * view.scale + view.tx, y: box.top + p.y * view.scale + view.ty };
  }

  /** A different session: forget positions and give the view back to auto-fit. */
  function reset() {
    pos.clear();
    fitted = false;
    userMoved = false;
    selected = null;
  }

  return { reset, settled: () => alpha <= 0.02, sync, fit, zoom, pan, select, centre, redraw, screenOf, positionOf: (id) => pos.get(id) };
}
