// Three-way merge of a node's component sequence: the base the person started from, their
// sequence ("mine") and the server's ("theirs"). Components are matched by id, and by
// identical content where the server gave them new ids (a saved sequence is re-inserted).
// Edits that touch different components merge; the same component changed (or changed and
// removed) on both sides, or both sides reordering, cannot: the result is then null and the
// person is asked.

import { stableStringify, wire } from './util.js';

const value = (c) => stableStringify(wire('components', [c])[0]);

/** For each base index, the index of its counterpart in `seq` (undefined: removed). */
function align(base, seq) {
  const used = new Set();
  const found = new Map();
  const pick = (test) => base.forEach((b, i) => {
    if (found.has(i)) return;
    const j = seq.findIndex((c, k) => !used.has(k) && test(b, c));
    if (j >= 0) { used.add(j); found.set(i, j); }
  });
  pick((b, c) => b.id != null && c.id === b.id);
  pick((b, c) => value(b) === value(c));
  return found;
}

function state(base, seq, found, i) {
  if (!found.has(i)) return 'removed';
  return value(seq[found.get(i)]) === value(base[i]) ? 'same' : 'changed';
}

function reordered(found) {
  const order = [...found.entries()].sort((a, b) => a[1] - b[1]).map(([i]) => i);
  return order.some((i, k) => k > 0 && i < order[k - 1]);
}

/** Walk `skeleton`, taking each base component's chosen version; then insert the other
 * side's new components after the base component that precedes them there. */
function build(base, skeleton, skelFound, other, otherFound, choose) {
  const skelBase = new Map([...skelFound].map(([i, j]) => [j, i]));
  const otherBase = new Map([...otherFound].map(([i, j]) => [j, i]));
  const out = [];
  skeleton.forEach((c, j) => {
    const i = skelBase.get(j);
    if (i === undefined) out.push({ item: c, base: null });
    else {
      const chosen = choose(i);
      if (chosen) out.push({ item: chosen, base: i });
    }
  });
  let at = 0;
  other.forEach((c, j) => {
    const i = otherBase.get(j);
    if (i !== undefined) {
      const k = out.findIndex((e) => e.base === i);
      at = k >= 0 ? k + 1 : at;
      return;
    }
    out.splice(at, 0, { item: c, base: null });
    at += 1;
  });
  return out.map((e) => e.item);
}

export function mergeComponents(base, mine, theirs) {
  base = base || [];
  const mineFound = align(base, mine);
  const theirsFound = align(base, theirs);
  // Changed to the same value on both sides (the server's copy has a new id): one change.
  const used = new Set(theirsFound.values());
  for (const [i, j] of mineFound) {
    if (theirsFound.has(i)) continue;
    const k = theirs.findIndex((t, n) => !used.has(n) && value(t) === value(mine[j]));
    if (k >= 0) { used.add(k); theirsFound.set(i, k); }
  }
  for (let i = 0; i < base.length; i++) {
    const m = state(base, mine, mineFound, i);
    const t = state(base, theirs, theirsFound, i);
    if (m === 'same' || t === 'same') continue;
    if (m === 'removed' && t === 'removed') continue;
    if (m === 'changed' && t === 'changed'
      && value(mine[mineFound.get(i)]) === value(theirs[theirsFound.get(i)])) continue;
    return null; // the same component changed on both sides
  }
  const iMoved = reordered(mineFound);
  if (iMoved && reordered(theirsFound)) return null;
  const choose = (i) => {
    const m = state(base, mine, mineFound, i);
    const t = state(base, theirs, theirsFound, i);
    if (m === 'removed' || t === 'removed') return null;
    return m === 'changed' ? mine[mineFound.get(i)] : theirs[theirsFound.get(i)];
  };
  return iMoved
    ? build(base, mine, mineFound, theirs, theirsFound, choose)
    : build(base, theirs, theirsFound, mine, mineFound, choose);
}
