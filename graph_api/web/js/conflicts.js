// The conflict view: for each entity an autoSave reported as CONFLICT, the server's
// current state beside ours, and two choices. "Keep mine" re-saves that entity alone with
// onConflict: OVERWRITE; "Take server's" adopts the server state and forgets the edit.

import { el, stableStringify } from './util.js';

const NODE_ROWS = [
  ['Label', (n) => n.label],
  ['Type', (n) => n.type],
  ['Components', (n) => n.components.map((c, i) => `${i + 1}. [${c.type}] ${c.content ?? ''}`).join('\n') || '(none)'],
  ['Metadata', (n) => stableStringify(n.metadata || {})],
];
const REL_ROWS = [
  ['Ends', (r) => `${r.sourceId} → ${r.targetId}`],
  ['Type', (r) => r.type],
  ['Weight', (r) => (r.weight === null || r.weight === undefined ? '—' : String(r.weight))],
  ['Properties', (r) => stableStringify(r.properties || {})],
];

export function createConflictView(dialog, { store, saver }) {
  const list = dialog.querySelector('#conflict-list');

  function localOf(key) {
    const [kind, id] = [key.slice(0, key.indexOf(':')), key.slice(key.indexOf(':') + 1)];
    return kind === 'node' ? store.local.get(id) : store.localRels.get(id);
  }

  function table(rows, server, mine) {
    const cell = (entity, get) => (entity ? get(entity) : '(deleted)');
    return el('table', { className: 'side-by-side' },
      el('thead', {}, el('tr', {}, el('th', {}, ''),
        el('th', { scope: 'col' }, server ? `Server (v${server.version})` : 'Server'),
        el('th', { scope: 'col' }, 'Yours'))),
      el('tbody', {}, rows.map(([name, get]) => {
        const theirs = cell(server, get);
        const ours = cell(mine, get);
        return el('tr', { className: theirs === ours ? '' : 'differs' },
          el('th', { scope: 'row' }, name),
          el('td', { className: 'server' }, el('pre', {}, theirs)),
          el('td', { className: 'mine' }, el('pre', {}, ours)));
      })));
  }

  function render() {
    const cards = [];
    for (const [key, c] of store.conflicts) {
      const isNode = c.kind === 'NODE';
      const server = isNode ? c.node : c.relationship;
      const mine = localOf(key);
      const title = `${isNode ? 'Node' : 'Relationship'} ${c.key}`;
      cards.push(el('article', { className: 'conflict', dataset: { key } },
        el('h3', {}, title),
        el('p', { className: 'hint' }, server
          ? `Changed by someone else: you edited version ${c.expectedVersion}, the server is at ${c.currentVersion}.`
          : 'Deleted by someone else while you edited it.'),
        table(isNode ? NODE_ROWS : REL_ROWS, server, mine),
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
      if (server) store.server.set(c.key, server);
      else store.server.delete(c.key);
      const dirty = store.dirty.get(c.key);
      if (dirty) dirty.base = server ? server.version : null;
      if (!server && !store.local.has(c.key)) store.dirty.delete(c.key); // both deleted it
    } else {
      const dirty = store.dirtyRels.get(c.key);
      if (server) store.serverRels.set(server.id, server);
      if (dirty) dirty.base = server ? server.version : null;
      if (!server && !store.localRels.has(c.key)) store.dirtyRels.delete(c.key);
    }
    store.conflicts.delete(key);
    store.overwrite.add(key);
    store.changed();
    render();
    saver.flush();
  }

  function takeServer(key) {
    const c = store.conflicts.get(key);
    if (c.kind === 'NODE') {
      if (c.node) {
        store.server.set(c.key, c.node);
        store.local.set(c.key, c.node);
      } else {
        store.server.delete(c.key);
        store.local.delete(c.key);
      }
      store.dirty.delete(c.key);
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
    saver.refresh();
  }

  dialog.querySelector('#conflict-close').addEventListener('click', () => dialog.close());
  return { render, open: render };
}
