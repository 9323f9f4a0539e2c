// Debounced auto-save with a crash-safe pending delta and one status that tells the truth.
//
// Every edit calls schedule(): the save goes ~1 s after the last edit, but at most 5 s
// after the first unsaved one while edits keep coming. The delta and its saveId are
// written to localStorage *before* sending and cleared only on SAVED or REPLAYED, so a
// crash at any point leaves something that can be re-sent; a network error retries the
// same saveId (the server applies a saveId once) with exponential backoff.

import * as api from './api.js';
import * as persist from './persist.js';
import { applySaveResult, takeConflicts } from './store-sync.js';
import { uuid } from './util.js';

const DEBOUNCE_MS = 1000;
const MAX_WAIT_MS = 5000;
const MAX_BACKOFF_MS = 30000;

export function createAutoSaver({ store, onStatus, onConflict, onSessionGone, onSaved }) {
  let timer = null;
  let firstEditAt = null;
  let inFlight = false;
  let retry = null; // { timer, at, pending }
  let attempt = 0;
  let countdown = null;
  let lastError = null;
  let stopped = false;
  const ownSaveIds = new Set(); // so the live feed does not refetch our own writes

  function hasWork() {
    for (const id of store.dirty.keys()) if (!store.conflicts.has(`node:${id}`)) return true;
    for (const key of store.dirtyRels.keys()) if (!store.conflicts.has(`rel:${key}`)) return true;
    return false;
  }

  function status() {
    // Until the session and any drafts left by closed tabs are laid over, nothing is known
    // to be saved: "Saved" then would be a claim, not a fact.
    if (store.loading) return { state: 'loading', text: 'Loading…' };
    if (retry) {
      const secs = Math.max(0, Math.ceil((retry.at - Date.now()) / 1000));
      return { state: 'offline', text: `Offline, retrying in ${secs} s` };
    }
    if (inFlight) return { state: 'saving', text: 'Saving…' };
    if (store.conflicts.size) return { state: 'conflict', text: 'Conflict' };
    if (lastError) return { state: 'error', text: `Not saved: ${lastError}` };
    if (timer) return { state: 'unsaved', text: 'Unsaved changes' };
    // Held back by validation (the other edits are saved): say which, and why.
    for (const problems of store.invalid.values()) {
      for (const message of problems.values()) return { state: 'error', text: `Not saved: ${message}` };
    }
    if (hasWork() || timer) return { state: 'unsaved', text: 'Unsaved changes' };
    return { state: 'saved', text: 'Saved' };
  }

  const refresh = () => onStatus(status());

  function schedule() {
    if (stopped) return;
    const now = Date.now();
    if (firstEditAt === null) firstEditAt = now;
    clearTimeout(timer);
    const wait = Math.max(0, Math.min(DEBOUNCE_MS, firstEditAt + MAX_WAIT_MS - now));
    timer = setTimeout(flush, wait);
    refresh();
  }

  function nextPending() {
    const sessionId = store.sessionId;
    let pending = persist.loadPending(sessionId);
    if (!pending) {
      const input = store.buildDelta(uuid());
      if (!input) return null;
      pending = { saveId: input.saveId, input };
      persist.savePending(sessionId, pending);
    }
    return pending;
  }

  function flush() {
    clearTimeout(timer);
    timer = null;
    if (stopped || inFlight || retry) return refresh();
    if (store.loading) {
      timer = setTimeout(flush, 500);
      return refresh();
    }
    firstEditAt = null;
    const pending = nextPending();
    if (!pending) return refresh();
    send(pending);
  }

  async function send(pending) {
    const sessionId = store.sessionId;
    inFlight = true;
    ownSaveIds.add(pending.saveId);
    refresh();
    let result;
    try {
      result = await api.autoSave(sessionId, pending.input);
    } catch (err) {
      inFlight = false;
      if (stopped || sessionId !== store.sessionId) return;
      if (err instanceof api.NetworkError) return scheduleRetry(pending);
      // The server refused the delta itself: re-sending it cannot succeed.
      persist.clearPending(sessionId);
      if (err.code === 'SESSION_NOT_FOUND') return onSessionGone();
      lastError = err.message;
      store.changed();
      return refresh();
    }
    inFlight = false;
    attempt = 0;
    if (stopped || sessionId !== store.sessionId) return;
    handleResult(pending, result);
    if (hasWork() && !timer) schedule();
    refresh();
  }

  function handleResult(pending, result) {
    lastError = null;
    // CONFLICT wrote nothing and does not consume the saveId; all of its entities are
    // still dirty in the persisted draft, so the pending copy can go in every case.
    persist.clearPending(store.sessionId);
    if (result.status === 'CONFLICT') {
      // Component sequences edited in different places merge here; only the rest is asked.
      const kept = takeConflicts(store, result.conflicts);
      store.changed();
      if (kept.length) onConflict(kept);
      return;
    }
    applySaveResult(store, pending.input, result);
    store.changed();
    onSaved && onSaved(result);
  }

  function scheduleRetry(pending) {
    attempt += 1;
    const delay = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** (attempt - 1));
    retry = { at: Date.now() + delay, pending, timer: setTimeout(retryNow, delay) };
    clearInterval(countdown);
    countdown = setInterval(refresh, 500);
    refresh();
  }

  function retryNow() {
    if (!retry) return;
    const { pending } = retry;
    clearTimeout(retry.timer);
    clearInterval(countdown);
    retry = null;
    send(pending);
  }

  /**
   * On load: re-send a delta left by a previous page of this tab (or by a tab that was
   * closed or crashed) with its own saveId. Returns the
   * result (REPLAYED if it had landed), or null when there was none or we are offline
   * (the pending copy then stays and flush() sends it first).
   */
  async function replayPending(tab = persist.tabId()) {
    const pending = persist.loadPending(store.sessionId, tab);
    if (!pending) return null;
    ownSaveIds.add(pending.saveId);
    try {
      const result = await api.autoSave(store.sessionId, pending.input);
      persist.clearPending(store.sessionId, tab);
      if (result.status !== 'CONFLICT') applySaveResult(store, pending.input, result);
      return result;
    } catch (err) {
      if (!(err instanceof api.NetworkError)) persist.clearPending(store.sessionId, tab);
      return null;
    }
  }

  /** Page is going away: persist the delta and fire it with keepalive; the next load replays it. */
  function flushOnExit() {
    if (stopped || inFlight || retry || !hasWork()) return;
    const pending = nextPending();
    if (pending) api.autoSave(store.sessionId, pending.input, { keepalive: true }).catch(() => {});
  }

  function stop() {
    stopped = true;
    clearTimeout(timer);
    clearInterval(countdown);
    if (retry) clearTimeout(retry.timer);
  }

  return { schedule, flush, retryNow, replayPending, flushOnExit, refresh, stop, ownSaveIds };
}
