// localStorage is the crash-safe copy of work the server has not confirmed yet:
//   draft:<session>:<tab>    every locally changed entity with the version it was based on
//   pending:<session>:<tab>  the delta being sent, with its saveId (written before sending)
//   snapshot:<session>       last known server state + revision (a cache: catch up from it)
// Drafts and pendings are per tab, so two tabs on one session never overwrite each
// other's unsaved work. A tab holds a Web Lock for its whole life; the work of a tab
// whose lock is free (closed or crashed) is adopted by the next tab that opens the session.

import { uuid } from './util.js';

const PREFIX = 'graph_api:';
const LOCKS = typeof navigator !== 'undefined' && navigator.locks;
const HEARTBEAT_MS = 4000; // only without Web Locks (plain-http hosts)

function read(key) {
  try {
    const text = localStorage.getItem(PREFIX + key);
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}

function write(key, value) {
  try {
    if (value === null) localStorage.removeItem(PREFIX + key);
    else localStorage.setItem(PREFIX + key, JSON.stringify(value));
    return true;
  } catch {
    return false; // quota exceeded or storage disabled
  }
}

// ------------------------------------------------------------------ this tab

let tab = sessionStorage.getItem(`${PREFIX}tab`) || uuid();
sessionStorage.setItem(`${PREFIX}tab`, tab);
export const tabId = () => tab;

function holdLock(id) {
  return new Promise((resolve) => {
    LOCKS.request(`${PREFIX}tab:${id}`, { ifAvailable: true }, (lock) => {
      resolve(Boolean(lock));
      return lock ? new Promise(() => {}) : undefined; // held until the tab goes away
    });
  });
}

/** Make this tab's id its own: a duplicated tab copies sessionStorage, so check the lock. */
export async function claimTab() {
  if (!LOCKS) {
    const beat = () => write(`alive:${tab}`, Date.now());
    beat();
    setInterval(beat, HEARTBEAT_MS);
    return;
  }
  while (!(await holdLock(tab))) {
    tab = uuid();
    sessionStorage.setItem(`${PREFIX}tab`, tab);
  }
}

async function liveTabs() {
  if (LOCKS) {
    const { held = [] } = await LOCKS.query();
    return new Set(held.map((l) => l.name.slice(`${PREFIX}tab:`.length)));
  }
  const live = new Set();
  for (const key of keys(`${PREFIX}alive:`)) {
    if (Date.now() - read(key.slice(PREFIX.length)) < HEARTBEAT_MS * 3) live.add(key.slice(`${PREFIX}alive:`.length));
  }
  return live;
}

function keys(prefix) {
  const out = [];
  for (let i = 0; i < localStorage.length; i += 1) {
    const key = localStorage.key(i);
    if (key && key.startsWith(prefix)) out.push(key);
  }
  return out;
}

/** Tabs (other than this one) that left a draft or pending for the session and are gone. */
export async function orphanTabs(sessionId) {
  const live = await liveTabs();
  const found = new Set();
  for (const kind of ['draft', 'pending']) {
    for (const key of keys(`${PREFIX}${kind}:${sessionId}:`)) found.add(key.split(':').pop());
  }
  return [...found].filter((t) => t !== tab && !live.has(t));
}

/** Every tab's draft for a session (for carrying work over from a deleted session). */
export function allDrafts(sessionId) {
  return keys(`${PREFIX}draft:${sessionId}:`).map((key) => read(key.slice(PREFIX.length))).filter(Boolean);
}

// ------------------------------------------------------------------ records

export const lastSession = () => read('session');
export const setLastSession = (id) => write('session', id);

export const loadDraft = (id, t = tab) => read(`draft:${id}:${t}`);
export const saveDraft = (id, draft, t = tab) => write(`draft:${id}:${t}`, draft);
export const clearDraft = (id, t = tab) => write(`draft:${id}:${t}`, null);

export const loadPending = (id, t = tab) => read(`pending:${id}:${t}`);
export const savePending = (id, pending) => write(`pending:${id}:${tab}`, pending);
export const clearPending = (id, t = tab) => write(`pending:${id}:${t}`, null);

export const loadSnapshot = (id) => read(`snapshot:${id}`);
export function saveSnapshot(id, snapshot) {
  if (!write(`snapshot:${id}`, snapshot)) write(`snapshot:${id}`, null);
}

export function forgetSession(id) {
  for (const key of [...keys(`${PREFIX}draft:${id}:`), ...keys(`${PREFIX}pending:${id}:`)]) {
    localStorage.removeItem(key);
  }
  write(`snapshot:${id}`, null);
}
