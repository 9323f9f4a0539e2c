// Bringing server news into the Store without losing local work.
//
// A server update of a node that is dirty here is merged field by field (three-way, with
// the previous server state as the common ancestor): fields not edited locally take the
// server's value; fields edited locally keep the local value. Only when the server also
// changed a field that was edited here does the base version stay old, so that the next
// save (onConflict MERGE) reports that field and the person decides in the conflict view.
// A components conflict is first merged here, by component, when the two sides touched
// different components (merge-components.js).

import { mergeComponents } from './merge-components.js';
import { relKey } from './rules.js';
import { NODE_FIELDS, REL_FIELDS, sameContent, sameField } from './util.js';

function merge(fields, old, incoming, local, protectedFields, edited = null) {
  const merged = { ...local };
  let overlap = false;
  for (const f of fields) {
    const localChanged = !old || (edited ? edited.has(f) : !sameField(f, local[f], old[f]))
      || protectedFields.has(f);
    const serverChanged = !old || !sameField(f, incoming[f], old[f]);
    if (!localChanged) merged[f] = incoming[f];
    else if (serverChanged && !sameField(f, local[f], incoming[f])) overlap = true;
  }
  return { merged, overlap };
}

/** isFocused(nodeId, field) protects a field the person is typing in. Returns true if shown state changed. */
export function mergeServerNode(store, node, isFocused = () => false) {
  const id = node.nodeId;
  const old = store.server.get(id);
  if (old && old.version > node.version) return false; // an older read racing a newer one
  store.server.set(id, node);
  const dirty = store.dirty.get(id);
  if (!dirty) {
    store.local.set(id, node);
    return true;
  }
  const local = store.local.get(id);
  if (!local || store.conflicts.has(`node:${id}`)) return false;
  const focused = new Set(NODE_FIELDS.filter((f) => isFocused(id, f)));
  const { merged, overlap } = merge(NODE_FIELDS, old, node, local, focused, dirty.fields);
  if (!overlap) {
    if (dirty.base !== null) dirty.base = node.version;
    if (sameContent(NODE_FIELDS, merged, node)) {
      store.dirty.delete(id);
      store.local.set(id, node);
      return true;
    }
  }
  store.local.set(id, { ...merged, version: node.version });
  return true;
}

export function removeServerNode(store, id) {
  store.server.delete(id);
  const dirty = store.dirty.get(id);
  if (!dirty) {
    store.local.delete(id);
  } else if (!store.local.has(id)) {
    store.dirty.delete(id); // deleted here and there: nothing left to say
  } // else: edited here, deleted there -> the save reports a conflict with node: null
  for (const [rid, rel] of [...store.serverRels]) {
    if (rel.sourceId === id || rel.targetId === id) removeServerRel(store, rid);
  }
}

export function mergeServerRel(store, rel) {
  const old = store.serverRels.get(rel.id);
  if (old && old.version > rel.version) return;
  store.serverRels.set(rel.id, rel);
  const dirty = store.dirtyRels.get(rel.id);
  if (!dirty) {
    // Not brought back when one of its ends was deleted here (the save deletes it too).
    const gone = (id) => store.dirty.has(id) && !store.local.has(id);
    if (!gone(rel.sourceId) && !gone(rel.targetId)) store.localRels.set(rel.id, rel);
    return;
  }
  const local = store.localRels.get(rel.id);
  if (!local || store.conflicts.has(`rel:${rel.id}`)) return;
  const { merged, overlap } = merge(REL_FIELDS, old, rel, local, new Set());
  if (!overlap) {
    dirty.base = rel.version;
    if (sameContent(REL_FIELDS, merged, rel)) {
      store.dirtyRels.delete(rel.id);
      store.localRels.set(rel.id, rel);
      return;
    }
  }
  store.localRels.set(rel.id, merged);
}

export function removeServerRel(store, id) {
  store.serverRels.delete(id);
  const dirty = store.dirtyRels.get(id);
  if (!dirty) store.localRels.delete(id);
  else if (!store.localRels.has(id)) store.dirtyRels.delete(id);
}

/** Replace the server state with a full read (first load or a catch-up too large to patch). */
export function loadServerState(store, { revision, nodes, relationships }, isFocused) {
  const seen = new Set(nodes.map((n) => n.nodeId));
  for (const id of [...store.server.keys()]) if (!seen.has(id)) removeServerNode(store, id);
  for (const node of nodes) mergeServerNode(store, node, isFocused);
  replaceServerRels(store, relationships);
  store.revision = revision;
}

export function replaceServerRels(store, relationships) {
  const seen = new Set(relationships.map((r) => r.id));
  for (const id of [...store.serverRels.keys()]) if (!seen.has(id)) removeServerRel(store, id);
  for (const rel of relationships) mergeServerRel(store, rel);
}

/** The person has seen `server` (a conflict's state): it becomes the base of their edits. */
export function rebaseNode(store, id, server) {
  const dirty = store.dirty.get(id);
  const local = store.local.get(id);
  store.server.set(id, server);
  if (!dirty || !local) return;
  dirty.base = server.version;
  const kept = Object.fromEntries([...dirty.fields].map((f) => [f, local[f]]));
  for (const f of dirty.fields) dirty.orig[f] = server[f];
  store.local.set(id, { ...server, ...kept, version: server.version });
}

/** Drop edited fields that now equal the server's; a node with none left is clean. */
export function settleNode(store, id) {
  const dirty = store.dirty.get(id);
  const local = store.local.get(id);
  const server = store.server.get(id);
  if (!dirty || !local || !server) return;
  for (const f of [...dirty.fields]) {
    if (sameField(f, local[f], server[f])) {
      dirty.fields.delete(f);
      delete dirty.orig[f];
    }
  }
  store.validate(id);
  if (!dirty.fields.size) {
    store.dirty.delete(id);
    store.local.set(id, server);
  }
}

/**
 * A CONFLICT's conflicts, after merging component sequences where the two sides touched
 * different components: those resolved so are rebased (the next save sends the merged
 * sequence); the others are kept, with only the fields still in conflict.
 */
export function takeConflicts(store, conflicts) {
  const kept = [];
  for (const c of conflicts) {
    const id = c.key;
    const dirty = c.kind === 'NODE' ? store.dirty.get(id) : null;
    const local = dirty ? store.local.get(id) : null;
    let fields = c.fields || [];
    if (local && c.node && fields.includes('components')) {
      const base = 'components' in dirty.orig ? dirty.orig.components : local.components;
      const merged = mergeComponents(base, local.components, c.node.components);
      if (merged) {
        store.local.set(id, { ...local, components: merged });
        fields = fields.filter((f) => f !== 'components');
      }
    }
    if (local && c.node && !fields.length) {
      rebaseNode(store, id, c.node);
      continue;
    }
    const conflict = { ...c, fields };
    store.conflicts.set(`${c.kind === 'NODE' ? 'node' : 'rel'}:${c.key}`, conflict);
    kept.push(conflict);
  }
  return kept;
}

/** After SAVED or REPLAYED: adopt the returned state; what was edited meanwhile stays dirty. */
export function applySaveResult(store, input, result) {
  for (const node of result.nodes) {
    const old = store.server.get(node.nodeId);
    const newer = !old || old.version <= node.version;
    const dirty = store.dirty.get(node.nodeId);
    const local = store.local.get(node.nodeId);
    if (newer) store.server.set(node.nodeId, node);
    if (!dirty) store.local.set(node.nodeId, node);
    else if (local) {
      // Fields saved as they are now are done; the others (typed meanwhile, or held back
      // as invalid) stay edited on top of the saved state.
      if (newer) rebaseNode(store, node.nodeId, node);
      settleNode(store, node.nodeId);
    }
  }
  for (const id of input.deleteNodeIds || []) {
    if (!store.local.has(id)) removeServerNode(store, id);
  }
  for (const rel of result.relationships) {
    let key = store.dirtyRels.has(rel.id) ? rel.id : null;
    if (!key) {
      const wanted = relKey(rel);
      for (const [k, { base }] of store.dirtyRels) {
        const local = store.localRels.get(k);
        if (base === null && local && relKey(local) === wanted) key = k;
      }
    }
    store.serverRels.set(rel.id, rel);
    if (!key) {
      store.localRels.set(rel.id, rel);
      continue;
    }
    const local = store.localRels.get(key);
    const dirty = store.dirtyRels.get(key);
    if (key !== rel.id) {
      store.localRels.delete(key);
      store.dirtyRels.delete(key);
      store.emit('rekey', { from: key, to: rel.id });
    }
    if (local && sameContent(REL_FIELDS, local, rel)) {
      store.dirtyRels.delete(rel.id);
      store.localRels.set(rel.id, rel);
    } else {
      store.dirtyRels.set(rel.id, { base: rel.version });
      if (local) store.localRels.set(rel.id, { ...local, id: rel.id });
    }
  }
  for (const id of input.deleteRelationshipIds || []) {
    if (!store.localRels.has(id)) removeServerRel(store, id);
  }
}

/**
 * Lay a persisted draft over the server state after a reload. `replayed` maps node ids /
 * relationship keys to the versions a just-replayed pending save produced: those are our
 * own writes, so they are the right base for whatever was edited after them.
 */
export function applyDraft(store, draft, replayed = new Map()) {
  if (!draft) return;
  for (const [id, { local, base, fields, orig }] of Object.entries(draft.nodes || {})) {
    const server = store.server.get(id);
    const baseVersion = replayed.has(`node:${id}`) ? replayed.get(`node:${id}`) : base;
    if (!local) {
      if (!server) continue;
      store.dirty.set(id, { base: baseVersion, fields: new Set(), orig: {} });
      store.local.delete(id);
      continue;
    }
    if (server && sameContent(NODE_FIELDS, local, server)) continue;
    // A draft from before fields were tracked: the fields that differ from the server.
    const edited = fields || NODE_FIELDS.filter((f) => !server || !sameField(f, local[f], server[f]));
    store.dirty.set(id, { base: baseVersion, fields: new Set(edited), orig: orig || {} });
    store.local.set(id, local);
  }
  for (const [key, { local, base }] of Object.entries(draft.rels || {})) {
    if (!local) {
      if (store.serverRels.has(key)) {
        store.dirtyRels.set(key, { base });
        store.localRels.delete(key);
      }
      continue;
    }
    let serverKey = base === null ? null : key;
    if (base === null) {
      for (const rel of store.serverRels.values()) if (relKey(rel) === key) serverKey = rel.id;
    }
    const server = serverKey && store.serverRels.get(serverKey);
    if (server && sameContent(REL_FIELDS, local, server)) continue;
    if (!store.local.has(local.sourceId) || !store.local.has(local.targetId)) continue;
    const version = replayed.get(`rel:${key}`) ?? (server && base === null ? server.version : base);
    const finalKey = serverKey || key;
    store.dirtyRels.set(finalKey, { base: version });
    store.localRels.set(finalKey, { ...local, id: serverKey });
  }
}
