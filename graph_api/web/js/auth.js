// Sign-in, "my sessions" and sharing, for servers run with GRAPH_API_AUTH=required
// (docs/identity.md). Without authentication the server answers `me: null` and none of
// this shows. The token is kept in sessionStorage only (gone with the tab), sent as a
// bearer header by api.js, csv.js and the downloads, and in ws.js's connection_init.

const KEY = 'graph_api.token';
const UNAUTHORIZED = Symbol('unauthorized');

export function authHeaders() {
  const token = sessionStorage.getItem(KEY);
  return token ? { Authorization: `Bearer ${token}` } : {};
}

export const connectionPayload = authHeaders;

async function call(query, variables = {}) {
  const response = await fetch('/graphql', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...authHeaders() },
    body: JSON.stringify({ query, variables }),
  });
  if (response.status === 401) return UNAUTHORIZED;
  const body = await response.json();
  if (body.errors && body.errors.length) throw new Error(body.errors[0].message);
  return body.data;
}

function element(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

function askToken(message) {
  const input = element('input', { type: 'password', id: 'token-input', required: true, autocomplete: 'off' });
  const error = element('p', { id: 'token-error', textContent: message || '' });
  const form = element(
    'form', { method: 'dialog' },
    element('h2', { textContent: 'Sign in' }),
    element('p', { textContent: 'This server needs an API token (graph-api tokens create NAME) or a JWT.' }),
    element('label', { htmlFor: 'token-input', textContent: 'Token ' }), input,
    element('button', { type: 'submit', id: 'token-submit', textContent: 'Sign in' }),
    error,
  );
  const dialog = element('dialog', { id: 'token-dialog' }, form);
  document.body.append(dialog);
  dialog.addEventListener('cancel', (e) => e.preventDefault()); // nothing works without one
  dialog.showModal();
  return new Promise((resolve) => {
    form.addEventListener('submit', () => {
      sessionStorage.setItem(KEY, input.value.trim());
      dialog.remove();
      resolve();
    });
  });
}

/** Resolves once the caller is known (or the server needs no one); call before anything else. */
export async function start() {
  let me = await call('{ me { id } }');
  while (me === UNAUTHORIZED) {
    await askToken(sessionStorage.getItem(KEY) ? 'That token was refused.' : '');
    me = await call('{ me { id } }');
  }
  if (!me.me) return;
  installBar(me.me.id);
  downloadsWithToken();
  window.addEventListener('hashchange', showRole);
  showRole();
}

function currentId() {
  const match = /^#\/s\/([^/?#]+)/.exec(location.hash);
  return match ? decodeURIComponent(match[1]) : null;
}

function installBar(userId) {
  const role = element('span', { id: 'my-role', className: 'role' });
  const sessions = element('button', { type: 'button', id: 'my-sessions', textContent: 'My sessions…' });
  const share = element('button', { type: 'button', id: 'share', textContent: 'Share…', hidden: true });
  const who = element('span', { id: 'me', textContent: userId, title: 'Signed in' });
  const out = element('button', { type: 'button', id: 'sign-out', textContent: 'Sign out' });
  sessions.addEventListener('click', openSessions);
  share.addEventListener('click', openShare);
  out.addEventListener('click', () => {
    sessionStorage.removeItem(KEY);
    location.reload();
  });
  document.querySelector('.topbar').append(role, sessions, share, who, out);
}

async function showRole() {
  const id = currentId();
  const role = document.getElementById('my-role');
  const share = document.getElementById('share');
  role.textContent = '';
  share.hidden = true;
  if (!id) return;
  const data = await call('query($id: ID!) { session(id: $id) { myRole } }', { id });
  if (data === UNAUTHORIZED || !data.session) return;
  role.textContent = data.session.myRole;
  share.hidden = data.session.myRole !== 'OWNER';
}

function modal(id, title, ...children) {
  document.getElementById(id)?.remove();
  const close = element('button', { type: 'button', textContent: 'Close' });
  const dialog = element('dialog', { id }, element('h2', { textContent: title }), ...children, close);
  close.addEventListener('click', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  return dialog;
}

async function openSessions() {
  const list = element('ul', { id: 'my-sessions-list' });
  const dialog = modal('sessions-dialog', 'My sessions and sessions shared with me', list);
  const data = await call(
    '{ mySessions(first: 200) { nodes { id name myRole lastAccessed } } }',
  );
  for (const s of data.mySessions.nodes) {
    const link = element('a', { href: `#/s/${s.id}`, textContent: s.name || s.id });
    link.addEventListener('click', () => dialog.remove());
    list.append(element('li', {}, link, ` · ${s.myRole}`));
  }
  if (!list.children.length) list.append(element('li', { textContent: 'None yet.' }));
}

async function openShare() {
  const id = currentId();
  const members = element('ul', { id: 'members' });
  const user = element('input', { id: 'share-user', required: true, placeholder: 'user id' });
  const role = element('select', { id: 'share-role' },
    element('option', { value: 'VIEWER', textContent: 'Viewer (read)' }),
    element('option', { value: 'EDITOR', textContent: 'Editor (read and write)' }));
  const message = element('p', { id: 'share-message' });
  const form = element('form', {}, user, role, element('button', { type: 'submit', textContent: 'Share' }));
  modal('share-dialog', 'Share this session', members, form, message);
  const render = (session) => {
    members.replaceChildren();
    for (const m of session.members) {
      const remove = element('button', { type: 'button', textContent: 'Remove' });
      remove.addEventListener('click', () => change(
        'mutation($id: ID!, $u: String!) { unshareSession(id: $id, userId: $u) { members { userId role } } }',
        { id, u: m.userId }, 'unshareSession'));
      members.append(element('li', {}, `${m.userId} · ${m.role} `, remove));
    }
  };
  const change = async (query, variables, field) => {
    try {
      render((await call(query, variables))[field]);
      message.textContent = '';
    } catch (err) {
      message.textContent = err.message;
    }
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    change(
      'mutation($id: ID!, $u: String!, $r: SessionRole!) { shareSession(id: $id, userId: $u, role: $r) { members { userId role } } }',
      { id, u: user.value.trim(), r: role.value }, 'shareSession');
  });
  const data = await call('query($id: ID!) { session(id: $id) { members { userId role } } }', { id });
  if (data !== UNAUTHORIZED && data.session) render(data.session);
}

// Links cannot carry a header: with a token, the export links download through fetch.
function downloadsWithToken() {
  for (const selector of ['#export-csv', '#export-json']) {
    document.querySelector(selector).addEventListener('click', async (e) => {
      const link = e.currentTarget;
      if (link.getAttribute('aria-disabled') === 'true') return;
      e.preventDefault();
      const response = await fetch(link.href, { headers: authHeaders() });
      if (!response.ok) return;
      const name = /filename="([^"]+)"/.exec(response.headers.get('Content-Disposition') || '');
      const url = URL.createObjectURL(await response.blob());
      const a = element('a', { href: url, download: name ? name[1] : 'export' });
      a.click();
      URL.revokeObjectURL(url);
    });
  }
}
