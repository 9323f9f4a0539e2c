// When the session in the URL no longer exists: say so, and offer a new session that
// carries over what this browser still has of it (the last known graph plus every unsaved
// edit), sent as new entities by the ordinary auto-save of the new session.

import * as api from './api.js';
import * as persist from './persist.js';
import { relKey } from './rules.js';
import { el } from './util.js';

/** The old session's graph as this browser last saw it, with the unsaved edits on top. */
function rememberedGraph(oldId) {
  const snapshot = persist.loadSnapshot(oldId);
  const nodes = new Map((snapshot ? snapshot.nodes : []).map((n) => [n.nodeId, n]));
  const rels = new Map((snapshot ? snapshot.relationships : []).map((r) => [r.id, r]));
  let unsaved = 0;
  for (const draft of persist.allDrafts(oldId)) {
    for (const [id, { local }] of Object.entries(draft.nodes || {})) {
      if (local) nodes.set(id, local);
      else nodes.delete(id);
      unsaved += 1;
    }
    for (const [key, { local }] of Object.entries(draft.rels || {})) {
      if (local) rels.set(key, local);
      else rels.delete(key);
      unsaved += 1;
    }
  }
  return { nodes, rels, unsaved };
}

function asNewDraft({ nodes, rels }) {
  const draft = { nodes: {}, rels: {} };
  for (const [id, n] of nodes) {
    const components = (n.components || []).map((c) => ({ type: c.type, content: c.content ?? '', properties: c.properties ?? {} }));
    draft.nodes[id] = { local: { ...n, version: 0, components }, base: null };
  }
  for (const r of rels.values()) {
    if (!nodes.has(r.sourceId) || !nodes.has(r.targetId)) continue;
    draft.rels[relKey(r)] = { local: { ...r, id: null, version: 0 }, base: null };
  }
  return draft;
}

export async function startSession(carryFrom = null) {
  const graph = carryFrom ? rememberedGraph(carryFrom) : null;
  const carrying = graph && graph.nodes.size > 0;
  const session = await api.createSession({ withDefaultNodes: !carrying });
  if (carrying) persist.saveDraft(session.id, asNewDraft(graph));
  if (carryFrom) persist.forgetSession(carryFrom);
  location.hash = `#/s/${session.id}`;
  return session.id;
}

const REASONS = {
  NOT_FOUND: 'does not exist (it may have been deleted)',
  DELETED: 'was deleted',
  EXPIRED: 'has expired',
  MALFORMED_ID: 'is not a valid session id',
};

export function showGone(banner, oldId, reason) {
  const graph = rememberedGraph(oldId);
  const what = REASONS[reason] || `is not available (${reason})`;
  const buttons = [];
  if (graph.nodes.size) {
    buttons.push(el('button', { type: 'button', id: 'carry-over', onclick: () => startSession(oldId) },
      `New session with my work (${graph.nodes.size} nodes${graph.unsaved ? `, ${graph.unsaved} unsaved changes` : ''})`));
  }
  buttons.push(el('button', { type: 'button', id: 'fresh-session', onclick: () => startSession(null) }, 'New empty session'));
  banner.replaceChildren(
    el('p', {}, el('strong', {}, 'Session '), el('code', {}, oldId), ` ${what}.`,
      graph.unsaved ? ` This browser still holds ${graph.unsaved} unsaved change(s) for it.` : ''),
    el('p', {}, ...buttons));
  banner.hidden = false;
  const first = banner.querySelector('button');
  if (first) first.focus();
}
