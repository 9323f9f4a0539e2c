// localStorage is the crash-safe copy of work the server has not confirmed yet:
//   draft:<id>    every locally changed entity with the version it was based on (each edit)
//   pending:<id>  the delta being sent, with its saveId (written before sending)
//   snapshot:<id> last known server state + revision, so a reload can catch up by changes()
// Only the snapshot is an optimisation; losing it costs a full reload, nothing else.

const PREFIX = 'graph_api:';

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

export const lastSession = () => read('session');
export const setLastSession = (id) => write('session', id);

export const loadDraft = (id) => read(`draft:${id}`);
export const saveDraft = (id, draft) => write(`draft:${id}`, draft);

export const loadPending = (id) => read(`pending:${id}`);
export const savePending = (id, pending) => write(`pending:${id}`, pending);
export const clearPending = (id) => write(`pending:${id}`, null);

export const loadSnapshot = (id) => read(`snapshot:${id}`);
export function saveSnapshot(id, snapshot) {
  if (!write(`snapshot:${id}`, snapshot)) write(`snapshot:${id}`, null);
}

export function forgetSession(id) {
  for (const key of ['draft', 'pending', 'snapshot']) write(`${key}:${id}`, null);
}
