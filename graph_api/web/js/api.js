// GraphQL over fetch: the only module that knows the query texts of the contract.
// Network failures (no answer, proxy 5xx, non-JSON) become NetworkError so callers can
// retry them; answers with GraphQL errors become ApiError carrying extensions.code.

import { authHeaders } from './auth.js';

export class NetworkError extends Error {}

export class ApiError extends Error {
  constructor(error) {
    super(error.message || 'GraphQL error');
    this.code = (error.extensions && error.extensions.code) || 'GRAPHQL_ERROR';
    this.extensions = error.extensions || {};
  }
}

export async function gql(query, variables = {}, { keepalive = false } = {}) {
  let response;
  try {
    response = await fetch('/graphql', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...authHeaders() },
      body: JSON.stringify({ query, variables }),
      keepalive,
    });
  } catch (err) {
    throw new NetworkError(err.message || 'network error');
  }
  let body;
  try {
    body = await response.json();
  } catch {
    throw new NetworkError(`HTTP ${response.status} without a JSON body`);
  }
  if (body.errors && body.errors.length) throw new ApiError(body.errors[0]);
  if (!response.ok) throw new NetworkError(`HTTP ${response.status}`);
  return body.data;
}

const NODE = 'nodeId label type metadata version components { id position type content properties }';
const REL = 'id sourceId targetId type weight properties version';
export const PAGE = 5000;

export async function createSession(input = {}) {
  const data = await gql(
    'mutation($input: CreateSessionInput) { createSession(input: $input) { id revision } }',
    { input },
  );
  return data.createSession;
}

export async function validateSession(id) {
  const data = await gql(
    'mutation($id: ID!) { validateSession(id: $id) { valid reason session { id revision } } }',
    { id },
  );
  return data.validateSession;
}

/** The whole session graph, following pageInfo on both connections. */
export async function loadSession(id) {
  const first = await gql(
    `query($id: ID!, $first: Int!) { session(id: $id) { revision
      nodes(first: $first) { nodes { ${NODE} } pageInfo { hasNextPage endCursor } }
      relationships(first: $first) { nodes { ${REL} } pageInfo { hasNextPage endCursor } } } }`,
    { id, first: PAGE },
  );
  const session = first.session;
  if (!session) return null;
  const nodes = [...session.nodes.nodes];
  const relationships = [...session.relationships.nodes];
  await followPages(id, 'nodes', NODE, session.nodes.pageInfo, nodes);
  await followPages(id, 'relationships', REL, session.relationships.pageInfo, relationships);
  return { revision: session.revision, nodes, relationships };
}

async function followPages(id, field, selection, pageInfo, into, filter = null) {
  let info = pageInfo;
  const filterType = field === 'nodes' ? 'NodeFilter' : 'RelationshipFilter';
  while (info.hasNextPage) {
    const data = await gql(
      `query($id: ID!, $first: Int!, $after: String, $filter: ${filterType}) { session(id: $id) {
        ${field}(first: $first, after: $after, filter: $filter) {
          nodes { ${selection} } pageInfo { hasNextPage endCursor } } } }`,
      { id, first: PAGE, after: info.endCursor, filter },
    );
    if (!data.session) return;
    into.push(...data.session[field].nodes);
    info = data.session[field].pageInfo;
  }
}

/** Current state of the given nodes; ids missing from the answer no longer exist. */
export async function fetchNodes(id, nodeIds) {
  const out = [];
  for (let i = 0; i < nodeIds.length; i += PAGE) {
    const filter = { nodeIds: nodeIds.slice(i, i + PAGE) };
    const data = await gql(
      `query($id: ID!, $first: Int!, $filter: NodeFilter) { session(id: $id) {
        nodes(first: $first, filter: $filter) { nodes { ${NODE} } pageInfo { hasNextPage endCursor } } } }`,
      { id, first: PAGE, filter },
    );
    if (!data.session) return null;
    out.push(...data.session.nodes.nodes);
    await followPages(id, 'nodes', NODE, data.session.nodes.pageInfo, out, filter);
  }
  return out;
}

/** Every relationship of the session (the change feed names them by id only). */
export async function fetchRelationships(id) {
  const data = await gql(
    `query($id: ID!, $first: Int!) { session(id: $id) {
      relationships(first: $first) { nodes { ${REL} } pageInfo { hasNextPage endCursor } } } }`,
    { id, first: PAGE },
  );
  if (!data.session) return null;
  const out = [...data.session.relationships.nodes];
  await followPages(id, 'relationships', REL, data.session.relationships.pageInfo, out);
  return out;
}

/** One page of the change feed; pages hold whole revisions. */
export async function changes(sessionId, sinceRevision, first = 1000) {
  const data = await gql(
    `query($s: ID!, $r: Int!, $first: Int) { changes(sessionId: $s, sinceRevision: $r, first: $first) {
      revision hasMore changes { revision op kind key saveId } } }`,
    { s: sessionId, r: sinceRevision, first },
  );
  return data.changes;
}

export async function autoSave(sessionId, input, options = {}) {
  const data = await gql(
    `mutation($s: ID!, $input: AutoSaveInput!) { autoSave(sessionId: $s, input: $input) {
      saveId status revision savedAt
      conflicts { kind key expectedVersion currentVersion fields node { ${NODE} } relationship { ${REL} } }
      nodes { ${NODE} } relationships { ${REL} } } }`,
    { s: sessionId, input },
    options,
  );
  return data.autoSave;
}

export const SESSION_CHANGES = `subscription($s: ID!, $r: Int) {
  sessionChanges(sessionId: $s, sinceRevision: $r) { revision op kind key saveId } }`;

// ------------------------------------------------------------- graph queries (section 12)

/** Which of the optional Session fields this server has (servers before them lack them). */
export async function sessionFields() {
  const data = await gql('{ __type(name: "Session") { fields { name } } }');
  return new Set(((data.__type && data.__type.fields) || []).map((f) => f.name));
}

export async function searchNodes(sessionId, query, first = 20) {
  const data = await gql(
    `query($id: ID!, $q: String!, $first: Int) { session(id: $id) {
      search(query: $q, first: $first) { score matchedIn node { nodeId label type } } } }`,
    { id: sessionId, q: query, first },
  );
  return data.session ? data.session.search : [];
}

export async function shortestPath(sessionId, from, to) {
  const data = await gql(
    `query($id: ID!, $from: String!, $to: String!) { session(id: $id) {
      shortestPath(from: $from, to: $to, direction: BOTH, maxDepth: 10) { length nodes { nodeId label } } } }`,
    { id: sessionId, from, to },
  );
  return data.session ? data.session.shortestPath : null;
}
