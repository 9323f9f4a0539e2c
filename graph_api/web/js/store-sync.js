// Bringing server news into the Store without losing local work.
//
// A server update of a node that is dirty here is merged field by field (three-way, with
// the previous server state as the common ancestor): fields not edited locally take the
// server's value; fields edited locally keep the local value. Only when the server also
// changed a field that was edited here does the base version stay old, so that the next
// save gets a VERSION_CONFLICT and the person decides in the conflict view.

import { NODE_FIELDS, REL_FIELDS, relKey, sameContent, sameField } from './util.js';

function merge(fields, old, incoming, local, protectedFields) {
  const merged = { ...local };
  let overlap = false;
  for (const f of fields) {
    const localChanged = !old || !sameField(f, local[f], old[f]) || protectedFields.has(f);
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
  const { merged, overlap } = merge(NODE_FIELDS, old, node, local, focused);
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

/** After SAVED or REPLAYED: adopt the returned state; what was edited meanwhile stays dirty. */
export function applySaveResult(store, input, result) {
  for (const node of result.nodes) {
    const old = store.server.get(node.nodeId);
    if (!old || old.version <= node.version) store.server.set(node.nodeId, node);
    const dirty = store.dirty.get(node.nodeId);
    const local = store.local.get(node.nodeId);
    if (!dirty) store.local.set(node.nodeId, node);
    else if (local && sameContent(NODE_FIELDS, local, node)) {
      store.dirty.delete(node.nodeId);
      store.local.set(node.nodeId, node);
    } else dirty.base = node.version;
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
  if (input.onConflict === 'OVERWRITE') {
    for (const n of input.nodes) store.overwrite.delete(`node:${n.nodeId}`);
    for (const id of input.deleteNodeIds) store.overwrite.delete(`node:${id}`);
    for (const r of input.relationships) store.overwrite.delete(`rel:${r.id || relKey(r)}`);
    for (const id of input.deleteRelationshipIds) store.overwrite.delete(`rel:${id}`);
  }
}

/**
 * Lay a persisted draft over the server state after a reload. `replayed` maps node ids /
 * relationship keys to the versions a just-replayed pending save produced: those are our
 * own writes, so they are the right base for whatever was edited after them.
 */
export function applyDraft(store, draft, replayed = new Map()) {
  if (!draft) return;
  for (const [id, { local, base }] of Object.entries(draft.nodes || {})) {
    const server = store.server.get(id);
    const baseVersion = replayed.has(`node:${id}`) ? replayed.get(`node:${id}`) : base;
    if (!local) {
      if (!server) continue;
      store.dirty.set(id, { base: baseVersion });
      store.local.delete(id);
      continue;
    }
    if (server && sameContent(NODE_FIELDS, local, server)) continue;
    store.dirty.set(id, { base: baseVersion });
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
