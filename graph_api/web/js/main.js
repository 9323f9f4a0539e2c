// Wires the editor together: routing (#/s/<id>), the status line, the node list,
// selection, shortcuts and the life cycle of one open session.

import { start as startAuth } from './auth.js';
import * as persist from './persist.js';
import { Store } from './store.js';
import { createAutoSaver } from './autosave.js';
import { createSync } from './sync.js';
import { createGraphView } from './graph-view.js';
import { createEditor } from './editor.js';
import { createConflictView } from './conflicts.js';
import { createCsvPanel } from './csv.js';
import { createGraphFind } from './graph-find.js';
import { showGone, startSession } from './session-gone.js';
import { createPalette } from './palette.js';
import { el } from './util.js';

const $ = (selector) => document.querySelector(selector);
const store = new Store();
const palette = createPalette();
let selection = null;
let gone = false;

const statusButton = $('#save-status');
function showStatus({ state, text }) {
  statusButton.dataset.state = gone ? 'gone' : state;
  statusButton.textContent = gone ? 'Session gone' : text;
}

const saver = createAutoSaver({
  store,
  onStatus: showStatus,
  onConflict: () => conflicts.open(),
  onSessionGone: () => sessionGone(store.sessionId, 'NOT_FOUND'),
});
const editor = createEditor($('#editor'), { store, getSelection: () => selection, select });
const sync = createSync({
  store,
  saver,
  isFocused: editor.isFocused,
  onGone: sessionGone,
  onLiveState: (state) => {
    $('#live-state').dataset.state = state;
    $('#live-state').textContent = { live: 'live', offline: 'offline' }[state] || 'reconnecting…';
  },
  onOffline: (ms) => showStatus({ state: 'offline', text: `Offline, retrying in ${Math.round(ms / 1000)} s` }),
});
const view = createGraphView($('#graph'), {
  store,
  palette,
  onSelect: select,
  onMove: (id, x, y) => {
    const node = store.local.get(id);
    if (node) store.editNode(id, { metadata: { ...(node.metadata || {}), x, y } });
  },
  onCreateAt: (x, y) => addNode({ x, y }),
});
const find = createGraphFind($('.graph-pane'), { getSessionId: () => store.sessionId, view, select: (sel) => select(sel) });
const conflicts = createConflictView($('#conflict-dialog'), { store, saver });
const csv = createCsvPanel($('#import-dialog'), {
  getSessionId: () => store.sessionId,
  onImported: () => sync.catchUp().catch(() => {}),
});

function select(sel) {
  selection = sel;
  view.select(sel);
  editor.render();
  renderNodeList();
}

function addNode(at = view.placeNew()) {
  if (!store.sessionId || gone || store.loading) return;
  const id = store.createNode({ metadata: { x: at.x, y: at.y } });
  select({ node: id });
  const label = $('#node-label');
  if (label) {
    label.focus();
    label.select();
  }
}

// ------------------------------------------------------------------ lists

let listFrame = 0;
function renderNodeList() {
  if (listFrame) return;
  listFrame = requestAnimationFrame(() => {
    listFrame = 0;
    const q = $('#node-search').value.trim().toLowerCase();
    const items = [];
    let matches = 0;
    for (const [id, n] of store.local) {
      if (q && !`${id} ${n.label} ${n.type}`.toLowerCase().includes(q)) continue;
      matches += 1;
      if (items.length >= 200) continue; // the list is for finding; the graph shows all
      const current = selection && selection.node === id;
      items.push(el('li', {}, el('button', { type: 'button', className: current ? 'current' : '', dataset: { node: id },
        'aria-current': current ? 'true' : null, onclick: () => select({ node: id }) },
        el('span', { className: 'dot', style: palette.swatch(n.type) }),
        el('span', { className: 'nl-label' }, n.label), el('small', {}, ` ${id} · ${n.type}`),
        store.dirty.has(id) ? el('span', { className: 'badge' }, '•') : '')));
    }
    if (matches > items.length) items.push(el('li', { className: 'hint' }, `…and ${matches - items.length} more: refine the filter.`));
    $('#node-list').replaceChildren(...items);
    const current = $('#node-list button.current');
    if (current) current.scrollIntoView({ block: 'nearest' });
    $('#node-count').textContent = `(${store.local.size})`;
  });
}

let optionsTimer = null;
function renderOptions() {
  clearTimeout(optionsTimer);
  optionsTimer = setTimeout(() => {
    const types = new Set(['concept']);
    const relTypes = new Set(['related_to']);
    for (const n of store.local.values()) types.add(n.type);
    for (const r of store.localRels.values()) relTypes.add(r.type);
    $('#node-options').replaceChildren(...[...store.local.values()].map((n) => el('option', { value: n.nodeId }, n.label)));
    $('#type-options').replaceChildren(...[...types].map((t) => el('option', { value: t })));
    $('#rel-type-options').replaceChildren(...[...relTypes].map((t) => el('option', { value: t })));
    renderLegend();
  }, 300);
}

/** One line per type present: the graph's cue for it, its name and how many nodes. */
function renderLegend() {
  const counts = new Map();
  for (const n of store.local.values()) counts.set(n.type, (counts.get(n.type) || 0) + 1);
  $('#legend').replaceChildren(...palette.types().filter((t) => counts.has(t)).map((t) =>
    el('li', { dataset: { type: t } }, el('span', { className: 'dot', style: palette.swatch(t) }),
      el('span', { className: 'lg-type' }, t), el('span', { className: 'lg-count' }, String(counts.get(t))))));
}

store.on('change', () => {
  const types = new Set();
  for (const n of store.local.values()) types.add(n.type);
  if (palette.update(types)) view.redraw();
  editor.render();
  renderNodeList();
  renderOptions();
});
store.on('dirty', () => {
  if (!store.sessionId || gone || store.loading) return;
  if (store.dirtyCount()) persist.saveDraft(store.sessionId, store.draft());
  else persist.clearDraft(store.sessionId);
});
store.on('edit', () => saver.schedule());
store.on('rekey', ({ from, to }) => {
  if (selection && selection.rel === from) selection = { rel: to };
});

// ------------------------------------------------------------------ sessions

function sessionGone(id, reason) {
  gone = true;
  sync.cancel();
  saver.refresh();
  for (const b of ['#add-node', '#open-import']) $(b).disabled = true;
  for (const a of ['#export-csv', '#export-json']) $(a).setAttribute('aria-disabled', 'true');
  $('#live-state').dataset.state = 'off';
  $('#live-state').textContent = 'not connected';
  showGone($('#banner'), id, reason);
}

async function route() {
  const match = /^#\/s\/([^/?#]+)/.exec(location.hash);
  const id = match ? decodeURIComponent(match[1]) : null;
  if (!id) {
    const last = persist.lastSession();
    if (last) return void location.replace(`#/s/${last}`);
    $('#landing').hidden = false;
    $('#workspace').hidden = true;
    $('#status-wrap').hidden = true;
    return;
  }
  gone = false;
  selection = null;
  $('#banner').hidden = true;
  $('#landing').hidden = true;
  $('#workspace').hidden = false;
  $('#session-info').hidden = false;
  $('#status-wrap').hidden = false;
  $('#session-id').textContent = id;
  for (const b of ['#add-node', '#open-import']) $(b).disabled = false;
  $('#export-csv').href = `/session/${encodeURIComponent(id)}/bulk/export?format=csv`;
  $('#export-json').href = `/session/${encodeURIComponent(id)}/bulk/export?format=json`;
  for (const a of ['#export-csv', '#export-json']) $(a).removeAttribute('aria-disabled');
  persist.setLastSession(id);
  find.probe();
  showStatus({ state: 'saving', text: 'Loading…' });
  view.reset();
  editor.rebuild();
  try {
    if (await sync.open(id)) {
      view.fit();
      if (store.conflicts.size) conflicts.open();
    }
  } catch (err) {
    showStatus({ state: 'error', text: `Could not open: ${err.message}` });
  }
}

// ------------------------------------------------------------------ controls

async function newSession() {
  try {
    await startSession(null);
  } catch (err) {
    showStatus({ state: 'error', text: `Could not create a session: ${err.message}` });
  }
}

$('#new-session').addEventListener('click', newSession);
$('#landing-new').addEventListener('click', newSession);
$('#open-form').addEventListener('submit', (e) => {
  e.preventDefault();
  location.hash = `#/s/${e.target.elements.id.value.trim()}`;
});
$('#add-node').addEventListener('click', () => addNode());
$('#open-import').addEventListener('click', () => csv.open());
$('#show-help').addEventListener('click', () => $('#help-dialog').showModal());
$('#help-close').addEventListener('click', () => $('#help-dialog').close());
$('#zoom-in').addEventListener('click', () => view.zoom(1.25));
$('#zoom-out').addEventListener('click', () => view.zoom(0.8));
$('#zoom-fit').addEventListener('click', () => view.fit());
$('#node-search').addEventListener('input', renderNodeList);
statusButton.addEventListener('click', () => {
  const state = statusButton.dataset.state;
  if (state === 'conflict') conflicts.open();
  else if (state === 'offline') saver.retryNow();
  else saver.flush();
});

function moveSelected(dx, dy) {
  const id = selection && selection.node;
  const p = id && view.positionOf(id);
  if (!p) return;
  const metadata = { ...store.local.get(id).metadata, x: Math.round(p.x + dx), y: Math.round(p.y + dy) };
  store.editNode(id, { metadata });
}

document.addEventListener('keydown', (e) => {
  if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 's') {
    e.preventDefault();
    saver.flush();
    return;
  }
  const target = e.target;
  const typing = target.closest && target.closest('input, textarea, select, [contenteditable]');
  if (typing || e.ctrlKey || e.metaKey || e.altKey || document.querySelector('dialog[open]') || !store.sessionId) return;
  const onCanvas = target.id === 'graph';
  const arrows = { ArrowLeft: [1, 0], ArrowRight: [-1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] };
  if (arrows[e.key] && (onCanvas || e.shiftKey)) {
    e.preventDefault();
    const [x, y] = arrows[e.key];
    if (e.shiftKey) moveSelected(-x * 20, -y * 20);
    else view.pan(x * 60, y * 60);
    return;
  }
  const actions = {
    n: () => addNode(),
    e: () => $('#node-label') && $('#node-label').focus(),
    '/': () => $('#node-search').focus(),
    '?': () => $('#help-dialog').showModal(),
    f: () => view.fit(),
    '+': () => view.zoom(1.25),
    '=': () => view.zoom(1.25),
    '-': () => view.zoom(0.8),
    Escape: () => select(null),
    Delete: () => {
      if (selection && selection.node) store.deleteNode(selection.node);
      else if (selection && selection.rel) store.deleteRel(selection.rel);
      select(null);
    },
  };
  const action = actions[e.key] || actions[e.key.toLowerCase()];
  if (action) {
    e.preventDefault();
    action();
  }
});

window.addEventListener('online', () => saver.retryNow());
window.addEventListener('pagehide', () => {
  saver.flushOnExit();
  if (!gone) sync.saveSnapshot();
});
window.addEventListener('hashchange', route);
// For tests and debugging from the console; the page itself never reads it.
window.graphEditor = { store, view, saver };
startAuth().then(() => persist.claimTab()).then(route);
