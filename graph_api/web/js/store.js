// Local graph state and dirty tracking.
//
// For nodes and relationships alike the store keeps three maps:
//   server  what the server last told us (with versions)
//   local   what the page shows; for a clean entity it is the same object as in `server`
//   dirty   key -> { base }: changed locally since version `base` (null: created locally).
//           A dirty key missing from `local` is a local delete. A dirty node also holds
//           `fields`, the fields the person edited (only those are sent, with onConflict
//           MERGE, so a save never writes back a value someone else changed), and `orig`,
//           each edited field's value before the edit (the base of a components merge).
// Saved relationships are keyed by id; unsaved ones by `source-[type]->target`, the key the
// server uses for their conflicts, and nodes created here are numbered as the server would
// number them: both rules come from rules.js, generated from the server's own. Merging
// server news lives in store-sync.js.

import { nextNodeId, relKey } from './rules.js';
import { NODE_FIELDS, REL_FIELDS, sameField, wire } from './util.js';
import { nodeFieldProblem, nodeName } from './validate.js';

export class Store {
  constructor() {
    this.listeners = new Map();
    this.reset(null);
  }

  reset(sessionId) {
    this.sessionId = sessionId;
    this.loading = false;
    this.revision = 0; // the change-feed position reached (not the last save's revision)
    this.server = new Map();
    this.local = new Map();
    this.dirty = new Map();
    this.serverRels = new Map();
    this.localRels = new Map();
    this.dirtyRels = new Map();
    this.conflicts = new Map(); // 'node:<id>' | 'rel:<key>' -> Conflict from autoSave
    this.invalid = new Map(); // node id -> Map(field -> message): edits held back, marked
  }

  on(event, fn) {
    if (!this.listeners.has(event)) this.listeners.set(event, new Set());
    this.listeners.get(event).add(fn);
  }

  emit(event, detail) {
    for (const fn of this.listeners.get(event) || []) fn(detail);
  }

  /** Tell views what changed; `edit` also means "persist the draft and schedule a save". */
  changed({ nodeIds = null, rels = true, edit = false } = {}) {
    this.emit('change', { nodeIds, rels });
    this.emit('dirty');
    if (edit) this.emit('edit');
  }

  dirtyCount() {
    return this.dirty.size + this.dirtyRels.size;
  }

  /** The id the server would assign next (drafts made offline take it too). */
  nextNodeId() {
    return nextNodeId([...this.local.keys(), ...this.server.keys(), ...this.dirty.keys()]);
  }

  // ------------------------------------------------------------------ edits

  markNode(id, baseVersion, fields = []) {
    const server = this.server.get(id);
    if (!this.dirty.has(id)) {
      this.dirty.set(id, { base: baseVersion ?? (server ? server.version : null), fields: new Set(), orig: {} });
    }
    const dirty = this.dirty.get(id);
    for (const f of fields) {
      if (dirty.fields.has(f)) continue;
      dirty.fields.add(f);
      const before = this.local.get(id) || server;
      if (before) dirty.orig[f] = before[f];
    }
  }

  /** Check the node's edited fields; returns true when what is marked invalid changed. */
  validate(id) {
    const node = this.local.get(id);
    const dirty = this.dirty.get(id);
    const problems = new Map();
    if (node && dirty) {
      for (const f of dirty.fields) {
        const problem = nodeFieldProblem(f, node[f]);
        if (problem) problems.set(f, `${nodeName(this, id)}: ${problem}`);
      }
    }
    const before = JSON.stringify([...(this.invalid.get(id) || [])]);
    if (problems.size) this.invalid.set(id, problems);
    else this.invalid.delete(id);
    return before !== JSON.stringify([...problems]);
  }

  markRel(key) {
    if (this.dirtyRels.has(key)) return;
    const server = this.serverRels.get(key);
    this.dirtyRels.set(key, { base: server ? server.version : null });
  }

  /** baseVersion: the version the edited form field was showing (see editor.js). */
  editNode(id, patch, { baseVersion } = {}) {
    const node = this.local.get(id);
    if (!node) return;
    this.markNode(id, baseVersion, Object.keys(patch).filter((f) => NODE_FIELDS.includes(f)));
    this.local.set(id, { ...node, ...patch });
    this.validate(id);
    this.changed({ nodeIds: new Set([id]), rels: false, edit: true });
  }

  createNode({ label, type = 'concept', metadata = {}, components = [] } = {}) {
    const nodeId = this.nextNodeId();
    const node = { nodeId, label: label || nodeId, type, metadata, components, version: 0 };
    this.dirty.set(nodeId, { base: null, fields: new Set(NODE_FIELDS), orig: {} });
    this.local.set(nodeId, node);
    this.changed({ nodeIds: new Set([nodeId]), edit: true });
    return nodeId;
  }

  deleteNode(id) {
    if (!this.local.has(id)) return;
    for (const [key, rel] of [...this.localRels]) {
      if (rel.sourceId === id || rel.targetId === id) this.deleteRel(key, { quiet: true });
    }
    this.markNode(id);
    this.local.delete(id);
    this.invalid.delete(id);
    if (this.dirty.get(id).base === null && !this.server.has(id)) this.dirty.delete(id);
    this.changed({ nodeIds: new Set([id]), edit: true });
  }

  /** Returns the new relationship's key, or null when that (source, type, target) exists. */
  createRel({ sourceId, targetId, type, weight = null, properties = {} }) {
    const rel = { id: null, sourceId, targetId, type, weight, properties, version: 0 };
    const key = relKey(rel);
    for (const existing of this.localRels.values()) {
      if (relKey(existing) === key) return null;
    }
    this.dirtyRels.set(key, { base: null });
    this.localRels.set(key, rel);
    this.changed({ edit: true });
    return key;
  }

  editRel(key, patch) {
    const rel = this.localRels.get(key);
    if (!rel) return key;
    const next = { ...rel, ...patch };
    const dirty = this.dirtyRels.get(key);
    if (dirty && dirty.base === null && relKey(next) !== key) {
      // An unsaved relationship is named by its (source, type, target): rename it.
      this.localRels.delete(key);
      this.dirtyRels.delete(key);
      key = relKey(next);
      this.dirtyRels.set(key, { base: null });
    } else {
      this.markRel(key);
    }
    this.localRels.set(key, next);
    this.changed({ edit: true });
    return key;
  }

  deleteRel(key, { quiet = false } = {}) {
    if (!this.localRels.has(key)) return;
    this.markRel(key);
    this.localRels.delete(key);
    if (this.dirtyRels.get(key).base === null) this.dirtyRels.delete(key);
    if (!quiet) this.changed({ edit: true });
  }

  // ------------------------------------------------------------------ saving

  /**
   * The autoSave input for what is dirty, with onConflict MERGE: of a node only the fields
   * the person edited (all of them for a node the server does not have), each node with its
   * expectedVersion; a field that fails validation stays here, marked (store.invalid), and
   * the rest is sent. Entities waiting in the conflict view are left out.
   */
  buildDelta(saveId) {
    const include = (key) => !this.conflicts.has(key);
    const input = { saveId, nodes: [], deleteNodeIds: [], relationships: [], deleteRelationshipIds: [] };
    for (const [id, dirty] of [...this.dirty]) {
      if (!include(`node:${id}`)) continue;
      const { base } = dirty;
      const node = this.local.get(id);
      const server = this.server.get(id);
      if (!node) {
        input.deleteNodeIds.push(id);
        continue;
      }
      this.validate(id);
      const invalid = this.invalid.get(id) || new Map();
      const change = { nodeId: id };
      const sent = server ? dirty.fields : new Set(NODE_FIELDS);
      for (const f of NODE_FIELDS) {
        if (!sent.has(f) || invalid.has(f)) continue;
        if (!server || !sameField(f, node[f], server[f])) change[f] = wire(f, node[f]);
      }
      if (Object.keys(change).length === 1 && server) {
        if (!invalid.size) this.dirty.delete(id); // nothing left that differs from the server
        continue;
      }
      if (base !== null && server) change.expectedVersion = base;
      input.nodes.push(change);
    }
    for (const [key, { base }] of [...this.dirtyRels]) {
      if (!include(`rel:${key}`)) continue;
      const rel = this.localRels.get(key);
      if (!rel) {
        input.deleteRelationshipIds.push(key);
        continue;
      }
      const server = base === null ? null : this.serverRels.get(key);
      const change = { sourceId: rel.sourceId, targetId: rel.targetId, type: rel.type };
      if (base !== null) change.id = key;
      for (const f of ['weight', 'properties']) {
        if (!server || !sameField(f, rel[f], server[f])) change[f] = wire(f, rel[f]);
      }
      if (server && base === server.version && REL_FIELDS.every((f) => sameField(f, rel[f], server[f]))) {
        this.dirtyRels.delete(key);
        continue;
      }
      if (base !== null) change.expectedVersion = base;
      input.relationships.push(change);
    }
    const empty = !input.nodes.length && !input.deleteNodeIds.length
      && !input.relationships.length && !input.deleteRelationshipIds.length;
    if (empty) return null;
    input.onConflict = 'MERGE';
    return input;
  }

  /** The crash-safe copy of local work, written to localStorage on every edit. */
  draft() {
    const nodes = {};
    for (const [id, { base, fields, orig }] of this.dirty) {
      nodes[id] = { local: this.local.get(id) || null, base, fields: [...(fields || [])], orig };
    }
    const rels = {};
    for (const [key, { base }] of this.dirtyRels) rels[key] = { local: this.localRels.get(key) || null, base };
    return { nodes, rels };
  }
}
