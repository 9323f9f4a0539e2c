// A small force-directed layout. Repulsion only acts within CUTOFF, found through a
// uniform grid, so one tick is O(n + edges) instead of O(n^2); the simulation cools
// (alpha) and stops, so an idle page spends nothing. Pinned nodes (a stored position or
// being dragged) push and pull others but do not move.

const CELL = 160;
const CUTOFF2 = CELL * CELL;
const REPULSION = 3000;
const SPRING_LENGTH = 110;
const SPRING_K = 0.05;
const GRAVITY = 0.01;
const DAMPING = 0.55;
const MAX_STEP = 40;

/** Where to put a node that has no position yet: beside a placed neighbour, else a spiral. */
export function initialPosition(index, neighbour) {
  if (neighbour) {
    const angle = index * 2.399963;
    return { x: neighbour.x + 60 * Math.cos(angle), y: neighbour.y + 60 * Math.sin(angle) };
  }
  const r = 45 * Math.sqrt(index + 1);
  const angle = index * 2.399963; // the golden angle spreads points evenly
  return { x: r * Math.cos(angle), y: r * Math.sin(angle) };
}

// A number, not a string: building string keys dominated the tick with 2,000 nodes.
const cellKey = (cx, cy) => cx * 1048576 + cy;

/** One step for points [{x, y, vx, vy, pinned}] and edges [[i, j]]. */
export function tick(points, edges, alpha) {
  const grid = new Map();
  for (let i = 0; i < points.length; i += 1) {
    const p = points[i];
    const key = cellKey(Math.floor(p.x / CELL), Math.floor(p.y / CELL));
    let cell = grid.get(key);
    if (!cell) grid.set(key, (cell = []));
    cell.push(i);
  }
  for (let i = 0; i < points.length; i += 1) {
    const p = points[i];
    if (p.pinned) continue;
    const cx = Math.floor(p.x / CELL);
    const cy = Math.floor(p.y / CELL);
    for (let gx = cx - 1; gx <= cx + 1; gx += 1) {
      for (let gy = cy - 1; gy <= cy + 1; gy += 1) {
        const cell = grid.get(cellKey(gx, gy));
        if (!cell) continue;
        for (const j of cell) {
          if (j === i) continue;
          let dx = p.x - points[j].x;
          let dy = p.y - points[j].y;
          let d2 = dx * dx + dy * dy;
          if (d2 > CUTOFF2) continue;
          if (d2 < 0.01) {
            dx = (i - j) * 0.1; // nudge coincident points apart deterministically
            dy = 0.1;
            d2 = dx * dx + dy * dy;
          }
          const f = (REPULSION * alpha) / d2;
          p.vx += dx * f;
          p.vy += dy * f;
        }
      }
    }
    p.vx -= p.x * GRAVITY * alpha;
    p.vy -= p.y * GRAVITY * alpha;
  }
  for (const [i, j] of edges) {
    if (i === j) continue;
    const a = points[i];
    const b = points[j];
    const dx = b.x - a.x;
    const dy = b.y - a.y;
    const d = Math.sqrt(dx * dx + dy * dy) || 1;
    const f = ((d - SPRING_LENGTH) * SPRING_K * alpha) / d;
    if (!a.pinned) {
      a.vx += dx * f;
      a.vy += dy * f;
    }
    if (!b.pinned) {
      b.vx -= dx * f;
      b.vy -= dy * f;
    }
  }
  for (const p of points) {
    if (p.pinned) {
      p.vx = 0;
      p.vy = 0;
      continue;
    }
    p.vx *= DAMPING;
    p.vy *= DAMPING;
    p.x += Math.max(-MAX_STEP, Math.min(MAX_STEP, p.vx));
    p.y += Math.max(-MAX_STEP, Math.min(MAX_STEP, p.vy));
  }
}
