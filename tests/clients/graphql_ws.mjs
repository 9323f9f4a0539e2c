// graphql-ws (the client GraphiQL, Apollo Client and urql use) against a live server.
// Usage: node graphql_ws.mjs HTTP_URL
// Creates a session over HTTP, subscribes to sessionChanges(sinceRevision: 1) over
// WebSocket, makes two more changes while subscribed, and prints what arrived:
// {"changes": [...], "query": {...}} (a query sent over the same socket too).
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const base = process.argv[2];

async function post(query, variables) {
  const response = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json();
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

const RENAME = `mutation($s: ID!, $n: String!, $label: String!) {
  updateNode(sessionId: $s, nodeId: $n, patch: {label: $label}) { version } }`;

const { createSession } = await post('mutation { createSession { id } }');
const sessionId = createSession.id;
await post(RENAME, { s: sessionId, n: 'N001', label: 'before' });

// Node 20 has no global WebSocket: graphql-ws takes the `ws` package's.
const client = createClient({ url: `${base.replace(/^http/, 'ws')}/graphql`, webSocketImpl: WebSocket });

const changes = [];
const subscription = client.iterate({
  query: `subscription($s: ID!, $since: Int) {
    sessionChanges(sessionId: $s, sinceRevision: $since) { revision op kind key } }`,
  variables: { s: sessionId, since: 1 },
});
const first = await subscription.next();
changes.push(first.value);
// Live: both made after the subscription delivered its replay.
await post(RENAME, { s: sessionId, n: 'N002', label: 'live' });
await post(RENAME, { s: sessionId, n: 'N001', label: 'again' });
for (let index = 0; index < 2; index += 1) {
  const { value } = await subscription.next();
  changes.push(value);
}
await subscription.return();

const query = await new Promise((resolve, reject) => {
  let result;
  client.subscribe(
    { query: 'query($s: ID!) { session(id: $s) { revision } }', variables: { s: sessionId } },
    { next: (value) => { result = value; }, error: reject, complete: () => resolve(result) },
  );
});
await client.dispose();
process.stdout.write(JSON.stringify({ changes, query }));
