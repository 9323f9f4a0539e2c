// The conflict view: for each entity an autoSave (onConflict MERGE) reported as CONFLICT,
// only the fields in conflict, the server's value beside ours, named by node label
// ("Glucose (N006): label"), and two choices. "Keep mine" takes the server's state as the
// new base and saves the edited fields again with MERGE (a further concurrent change is
// asked about again, never overwritten); "Take server's" adopts the server's values of the
// conflicting fields and keeps the person's other edits.

import { rebaseNode, settleNode } from './store-sync.js';
import { relKey } from './rules.js';
import { el, stableStringify } from './util.js';
import { nodeName } from './validate.js';

const SHOW = {
  label: (n) => n.label,
  type: (n) => n.type,
  components: (n) => n.components.map((c, i) => `${i + 1}. [${c.type}] ${c.content ?? ''}`).join('\n') || '(none)',
  metadata: (n) => stableStringify(n.metadata || {}),
  weight: (r) => (r.weight === null || r.weight === undefined ? '—' : String(r.weight)),
  properties: (r) => stableStringify(r.properties || {}),
};

export function createConflictView(dialog, { store, saver }) {
  const list = dialog.querySelector('#conflict-list');

  function localOf(key) {
    const [kind, id] = [key.slice(0, key.indexOf(':')), key.slice(key.indexOf(':') + 1)];
    return kind === 'node' ? store.local.get(id) : store.localRels.get(id);
  }

  function table(fields, server, mine) {
    const cell = (entity, f) => (entity ? (SHOW[f] || ((e) => String(e[f])))(entity) : '(deleted)');
    return el('table', { className: 'side-by-side' },
      el('thead', {}, el('tr', {}, el('th', {}, ''),
        el('th', { scope: 'col' }, server ? `Server (v${server.version})` : 'Server'),
        el('th', { scope: 'col' }, 'Yours'))),
      el('tbody', {}, fields.map((f) => el('tr', { className: 'differs', dataset: { field: f } },
        el('th', { scope: 'row' }, f),
        el('td', { className: 'server' }, el('pre', {}, cell(server, f))),
        el('td', { className: 'mine' }, el('pre', {}, cell(mine, f)))))));
  }

  function title(c, mine) {
    const fields = (c.fields || []).join(', ');
    if (c.kind === 'NODE') return `${nodeName(store, c.key)}: ${fields}`;
    const rel = mine || c.relationship;
    return `${rel ? relKey(rel) : c.key}: ${fields}`;
  }

  function render() {
    const cards = [];
    for (const [key, c] of store.conflicts) {
      const server = c.kind === 'NODE' ? c.node : c.relationship;
      const mine = localOf(key);
      const fields = c.fields && c.fields.length ? c.fields : ['label'];
      cards.push(el('article', { className: 'conflict', dataset: { key } },
        el('h3', {}, title(c, mine)),
        el('p', { className: 'hint' }, server
          ? `Changed by someone else: you edited version ${c.expectedVersion}, the server is at ${c.currentVersion}.`
          : 'Deleted by someone else while you edited it.'),
        table(fields, server, mine),
        el('div', { className: 'choices' },
          el('button', { type: 'button', className: 'keep-mine', onclick: () => keepMine(key) }, 'Keep mine'),
          el('button', { type: 'button', className: 'take-server', onclick: () => takeServer(key) }, "Take server's"))));
    }
    list.replaceChildren(...cards);
    if (!cards.length) {
      if (dialog.open) dialog.close();
    } else {
      if (!dialog.open) dialog.showModal();
      const first = list.querySelector('button');
      if (first && !list.contains(document.activeElement)) first.focus();
    }
  }

  function keepMine(key) {
    const c = store.conflicts.get(key);
    const server = c.kind === 'NODE' ? c.node : c.relationship;
    if (c.kind === 'NODE') {
      const dirty = store.dirty.get(c.key);
      if (server) rebaseNode(store, c.key, server);
      else {
        store.server.delete(c.key); // deleted there: saved again as a new node
        if (dirty) dirty.base = null;
        if (!store.local.has(c.key)) store.dirty.delete(c.key); // both deleted it
      }
    } else {
      const dirty = store.dirtyRels.get(c.key);
      if (server) store.serverRels.set(server.id, server);
      if (dirty) dirty.base = server ? server.version : null;
      if (!server && !store.localRels.has(c.key)) store.dirtyRels.delete(c.key);
    }
    store.conflicts.delete(key);
    store.changed();
    render();
    saver.flush();
  }

  function takeServer(key) {
    const c = store.conflicts.get(key);
    if (c.kind === 'NODE') {
      const local = store.local.get(c.key);
      const dirty = store.dirty.get(c.key);
      if (c.node && local && dirty) {
        // The server's values for the fields in conflict; the other edits stay and are saved.
        const taken = Object.fromEntries((c.fields || []).map((f) => [f, c.node[f]]));
        store.local.set(c.key, { ...local, ...taken });
        rebaseNode(store, c.key, c.node);
        settleNode(store, c.key);
      } else if (c.node) {
        store.server.set(c.key, c.node);
        store.local.set(c.key, c.node);
        store.dirty.delete(c.key);
      } else {
        store.server.delete(c.key);
        store.local.delete(c.key);
        store.dirty.delete(c.key);
      }
      // Relationships deleted here along with this node come back with it.
      for (const [rid, rel] of store.serverRels) {
        if ((rel.sourceId === c.key || rel.targetId === c.key) && !store.localRels.has(rid)) {
          store.dirtyRels.delete(rid);
          if (c.node) store.localRels.set(rid, rel);
        }
      }
    } else {
      const r = c.relationship;
      store.localRels.delete(c.key);
      store.dirtyRels.delete(c.key);
      if (r) {
        store.serverRels.set(r.id, r);
        store.localRels.set(r.id, r);
      }
    }
    store.conflicts.delete(key);
    store.changed();
    render();
    store.dirty.size ? saver.flush() : saver.refresh();
  }

  dialog.querySelector('#conflict-close').addEventListener('click', () => dialog.close());
  return { render, open: render };
}
