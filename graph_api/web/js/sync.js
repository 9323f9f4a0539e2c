// Opening a session and keeping it current: validate, replay a left-over pending save,
// read the graph (or catch up from the cached snapshot with changes(sinceRevision)), lay
// the persisted draft over it, then follow sessionChanges live. Changes name entities
// only, so the entities they name are refetched and merged (see store-sync.js).

import * as api from './api.js';
import * as persist from './persist.js';
import { relKey } from './rules.js';
import {
  applyDraft, loadServerState, mergeServerNode, removeServerNode, removeServerRel,
  replaceServerRels,
} from './store-sync.js';
import { subscribe } from './ws.js';

const FULL_RELOAD_OVER = 2000; // changed entities beyond which one full read is cheaper

export function createSync({ store, saver, isFocused, onGone, onLiveState, onOffline }) {
  let subscription = null;
  let openToken = 0;
  let chain = Promise.resolve();
  let queue = [];
  let queueTimer = null;
  let snapshotTimer = null;
  let behind = false;
  let recoverTimer = null;

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  async function open(id) {
    const token = ++openToken;
    stop();
    store.reset(id);
    store.loading = true; // until the drafts are laid over: do not rewrite them meanwhile
    store.changed();
    let validation = null;
    for (let attempt = 0; !validation; attempt += 1) {
      try {
        validation = await api.validateSession(id);
      } catch (err) {
        if (!(err instanceof api.NetworkError)) throw err;
        const wait = Math.min(15000, 1000 * 2 ** attempt);
        onOffline(wait);
        await sleep(wait);
        if (token !== openToken) return false;
      }
    }
    if (token !== openToken) return false;
    if (!validation.valid) {
      store.loading = false;
      onGone(id, validation.reason);
      return false;
    }
    const snapshot = persist.loadSnapshot(id);
    if (snapshot) loadServerState(store, snapshot, isFocused);
    // Work left by this tab before a reload, and by tabs that closed or crashed since.
    const tabs = [...(await persist.orphanTabs(id)), persist.tabId()];
    const replayed = new Map();
    for (const tab of tabs) {
      const replay = await saver.replayPending(tab);
      if (!replay || replay.status === 'CONFLICT') continue;
      for (const n of replay.nodes) replayed.set(`node:${n.nodeId}`, n.version);
      for (const r of replay.relationships) {
        replayed.set(`rel:${r.id}`, r.version);
        replayed.set(`rel:${relKey(r)}`, r.version);
      }
    }
    if (snapshot) await catchUp();
    else await fullLoad();
    if (token !== openToken) return false;
    for (const tab of tabs) applyDraft(store, persist.loadDraft(id, tab), replayed);
    store.loading = false;
    store.changed();
    saveSnapshot();
    for (const tab of tabs.slice(0, -1)) persist.clearDraft(id, tab); // now part of this tab's draft
    live();
    saver.refresh();
    if (store.dirtyCount()) saver.schedule();
    return true;
  }

  async function fullLoad() {
    const data = await api.loadSession(store.sessionId);
    if (!data) return onGone(store.sessionId, 'NOT_FOUND');
    loadServerState(store, data, isFocused);
  }

  /** Read the change feed from where we are and refetch what it names. */
  async function catchUp() {
    const sessionId = store.sessionId;
    const all = [];
    let since = store.revision;
    let head = since;
    for (;;) {
      const feed = await api.changes(sessionId, since);
      all.push(...feed.changes);
      head = feed.revision;
      if (!feed.hasMore || !feed.changes.length) break;
      since = feed.changes[feed.changes.length - 1].revision;
    }
    if (all.length > FULL_RELOAD_OVER) await fullLoad();
    else await applyChanges(all);
    store.revision = Math.max(store.revision, head);
  }

  async function applyChanges(changes) {
    const sessionId = store.sessionId;
    const fresh = changes.filter((c) => c.revision > store.revision);
    if (!fresh.length) return;
    const fetch = new Set();
    const deleted = new Set();
    const deletedRels = new Set();
    let relsChanged = false;
    for (const c of fresh) {
      // Our own saves were applied from the autoSave answer; only deletes are replayed.
      const own = c.saveId && saver.ownSaveIds.has(c.saveId);
      if (c.kind === 'SESSION') {
        if (c.op === 'DELETE') return onGone(sessionId, 'DELETED');
      } else if (c.kind === 'NODE') {
        if (c.op === 'DELETE') {
          fetch.delete(c.key);
          deleted.add(c.key);
        } else if (!own) {
          deleted.delete(c.key);
          fetch.add(c.key);
        }
      } else if (c.op === 'DELETE') deletedRels.add(c.key);
      else if (!own) relsChanged = true;
    }
    if (fresh.length > FULL_RELOAD_OVER) {
      await fullLoad();
    } else {
      if (fetch.size) {
        const nodes = await api.fetchNodes(sessionId, [...fetch]);
        if (!nodes) return onGone(sessionId, 'NOT_FOUND');
        if (sessionId !== store.sessionId) return;
        for (const node of nodes) {
          fetch.delete(node.nodeId);
          mergeServerNode(store, node, isFocused);
        }
        for (const id of fetch) deleted.add(id); // asked for, not there: gone since
      }
      for (const id of deleted) removeServerNode(store, id);
      if (relsChanged) {
        const rels = await api.fetchRelationships(sessionId);
        if (!rels) return onGone(sessionId, 'NOT_FOUND');
        if (sessionId !== store.sessionId) return;
        replaceServerRels(store, rels);
      } else {
        for (const id of deletedRels) removeServerRel(store, id);
      }
    }
    store.revision = Math.max(store.revision, fresh[fresh.length - 1].revision);
    store.changed();
  }

  function enqueue(change) {
    queue.push(change);
    // A short batch window folds one request's many changes into one refetch.
    if (!queueTimer) {
      queueTimer = setTimeout(() => {
        const batch = queue;
        queue = [];
        queueTimer = null;
        // Once a refetch failed, later batches must not move the revision past the
        // failed one: catch up from the feed instead, until that works again.
        if (behind) return recover();
        chain = chain.then(() => applyChanges(batch)).catch(failed);
      }, 40);
    }
  }

  function failed(err) {
    if (err.code === 'SESSION_NOT_FOUND') return onGone(store.sessionId, 'NOT_FOUND');
    behind = true;
    recover();
  }

  function recover() {
    clearTimeout(recoverTimer);
    recoverTimer = setTimeout(() => {
      chain = chain.then(catchUp).then(() => { behind = false; }).catch(failed);
    }, 2000);
  }

  function live() {
    subscription = subscribe({
      query: api.SESSION_CHANGES,
      variables: () => ({ s: store.sessionId, r: store.revision }),
      onNext: (data) => enqueue(data.sessionChanges),
      onError: (err) => {
        if (err.extensions && err.extensions.code === 'SESSION_NOT_FOUND') onGone(store.sessionId, 'NOT_FOUND');
        else console.warn('subscription error', err);
      },
      onState: onLiveState,
    });
  }

  function saveSnapshot() {
    clearTimeout(snapshotTimer);
    snapshotTimer = null;
    if (!store.sessionId || !store.revision || store.loading) return;
    persist.saveSnapshot(store.sessionId, {
      revision: store.revision,
      nodes: [...store.server.values()],
      relationships: [...store.serverRels.values()],
    });
  }

  function saveSnapshotSoon() {
    if (!snapshotTimer && store.sessionId) snapshotTimer = setTimeout(saveSnapshot, 2000);
  }

  function stop() {
    if (subscription) subscription.stop();
    subscription = null;
    clearTimeout(queueTimer);
    clearTimeout(recoverTimer);
    queueTimer = null;
    queue = [];
    behind = false;
  }

  store.on('change', saveSnapshotSoon);
  return { open, catchUp, stop, saveSnapshot, cancel: () => { openToken += 1; stop(); } };
}
