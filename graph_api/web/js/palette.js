// Colours per node type. Twelve hues chosen for distance in CIELAB (the closest pair is
// ~39 ΔE76 apart, far above the ~10 where people confuse two dots); the next twelve types
// reuse them with a dark ring, the twelve after that as hollow rings, so even 36 types
// differ by more than hue. Types are ranked by name, not hashed: a hash gives two of
// twelve types the same colour more often than not, and a rank is the same in every tab.

export const HUES = [
  '#0067a5', '#ff7f0e', '#117733', '#d62728', '#332288', '#f3c300',
  '#17becf', '#e7298a', '#8b4513', '#8db600', '#e68fac', '#ddcc77',
];
const RING = '#1d2330';

export function createPalette() {
  let rank = new Map();

  /** Re-rank from the types present now; true when some type's look changed. */
  function update(types) {
    const next = new Map([...new Set(types)].sort().map((t, i) => [t, i]));
    const same = next.size === rank.size && [...next].every(([t, i]) => rank.get(t) === i);
    rank = next;
    return !same;
  }

  /**
   * {color, ring, ringSize}: fill colour, outer ring colour (or null) and its width as a
   * fraction of the radius. Unknown types (not yet ranked) get the first hue.
   */
  function style(type) {
    const i = rank.get(type) ?? 0;
    const hue = HUES[i % HUES.length];
    const round = Math.floor(i / HUES.length);
    if (round === 0) return { color: hue, ring: null, ringSize: 0 };
    if (round === 1) return { color: hue, ring: RING, ringSize: 0.35 };
    return { color: '#ffffff', ring: hue, ringSize: 0.45 };
  }

  /** CSS for a legend or list swatch showing the same cue as the graph. */
  function swatch(type) {
    const s = style(type);
    return s.ring ? `background:${s.color};box-shadow:inset 0 0 0 3px ${s.ring}` : `background:${s.color}`;
  }

  return { update, style, swatch, types: () => [...rank.keys()] };
}
