// Painting the graph on a 2D canvas. Shapes are batched into one path per colour (all
// plain arrows in one stroke, all nodes of one type in one fill) because the number of
// canvas calls, not the geometry, is what costs with thousands of nodes.

import { typeColor } from './util.js';

export const R = 14;
const EDGE = '#8a94a6';
const EDGE_SELECTED = '#1565c0';

const truncate = (s) => (s.length > 28 ? `${s.slice(0, 27)}…` : s);

/** Adds one arrow (line, and head as a separate sub-path) from a to b to the current paths. */
function arrow(lines, heads, a, b) {
  if (a === b) {
    lines.moveTo(a.x + R * 1.8, a.y - R);
    lines.arc(a.x + R, a.y - R, R * 0.8, 0, Math.PI * 2);
    return;
  }
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const d = Math.hypot(dx, dy) || 1;
  const ux = dx / d;
  const uy = dy / d;
  const tipX = b.x - ux * (R + 2);
  const tipY = b.y - uy * (R + 2);
  lines.moveTo(a.x + ux * R, a.y + uy * R);
  lines.lineTo(tipX, tipY);
  heads.moveTo(tipX, tipY);
  heads.lineTo(tipX - ux * 9 - uy * 4.5, tipY - uy * 9 + ux * 4.5);
  heads.lineTo(tipX - ux * 9 + uy * 4.5, tipY - uy * 9 - ux * 4.5);
  heads.closePath();
}

/**
 * Draw everything visible. view: {scale, tx, ty}; bounds: world rectangle on screen;
 * selected: {node} | {rel} | null; dirty(id): is that node unsaved here.
 */
export function paint(ctx, { store, pos, view, bounds, selected, dirty, dpr = 1 }) {
  const visible = (p) => p.x >= bounds.x0 && p.x <= bounds.x1 && p.y >= bounds.y0 && p.y <= bounds.y1;
  const nodeLabels = pos.size <= 400 || view.scale > 0.6;
  const edgeLabels = store.localRels.size < 600 ? view.scale > 0.5 : view.scale > 1.1;
  const px = 1 / view.scale; // one screen pixel in world units
  // Exactly one device pixel: Skia draws that as a hairline, which is ~30x faster than the
  // general stroker on one path of thousands of long lines (750 ms -> 20 ms in software).
  const hairline = px / dpr;

  const lines = new Path2D();
  const heads = new Path2D();
  const labels = [];
  let chosen = null;
  for (const [key, rel] of store.localRels) {
    const a = pos.get(rel.sourceId);
    const b = pos.get(rel.targetId);
    if (!a || !b || (!visible(a) && !visible(b))) continue;
    if (selected && selected.rel === key) chosen = [a, b, rel];
    else arrow(lines, heads, a, b);
    if (edgeLabels) labels.push([a, b, rel.type]);
  }
  ctx.lineWidth = store.localRels.size > 300 ? hairline : 1.2 * px;
  ctx.strokeStyle = EDGE;
  ctx.fillStyle = EDGE;
  ctx.stroke(lines);
  ctx.fill(heads);
  if (chosen) {
    const [cl, ch] = [new Path2D(), new Path2D()];
    arrow(cl, ch, chosen[0], chosen[1]);
    ctx.lineWidth = 2.5 * px;
    ctx.strokeStyle = EDGE_SELECTED;
    ctx.fillStyle = EDGE_SELECTED;
    ctx.stroke(cl);
    ctx.fill(ch);
    if (!edgeLabels) labels.push(chosen);
  }
  ctx.font = '11px system-ui, sans-serif';
  ctx.textAlign = 'center';
  ctx.fillStyle = '#4a5568';
  for (const [a, b, text] of labels) {
    if (a === b) ctx.fillText(text, a.x + R * 2, a.y - R * 2 - 4);
    else ctx.fillText(text, (a.x + b.x) / 2, (a.y + b.y) / 2 - 4);
  }

  const byColour = new Map();
  const outlines = new Path2D();
  const unsaved = new Path2D();
  const names = [];
  let current = null;
  for (const [id, p] of pos) {
    if (!visible(p)) continue;
    const node = store.local.get(id);
    if (!node) continue;
    const colour = typeColor(node.type);
    if (!byColour.has(colour)) byColour.set(colour, new Path2D());
    const circle = byColour.get(colour);
    circle.moveTo(p.x + R, p.y);
    circle.arc(p.x, p.y, R, 0, Math.PI * 2);
    const ring = dirty(id) ? unsaved : outlines;
    ring.moveTo(p.x + R, p.y);
    ring.arc(p.x, p.y, R, 0, Math.PI * 2);
    if (selected && selected.node === id) current = p;
    if (nodeLabels || current === p) names.push([p, node.label]);
  }
  for (const [colour, path] of byColour) {
    ctx.fillStyle = colour;
    ctx.fill(path);
  }
  ctx.lineWidth = pos.size > 300 ? hairline : 1.5 * px;
  ctx.strokeStyle = '#fff';
  ctx.stroke(outlines);
  ctx.lineWidth = 2.5 * px;
  ctx.strokeStyle = '#e08a00';
  ctx.stroke(unsaved);
  if (current) {
    ctx.lineWidth = 4 * px;
    ctx.strokeStyle = '#111';
    ctx.beginPath();
    ctx.arc(current.x, current.y, R, 0, Math.PI * 2);
    ctx.stroke();
  }
  ctx.fillStyle = '#1d2330';
  for (const [p, label] of names) ctx.fillText(truncate(label), p.x, p.y + R + 13);
}
