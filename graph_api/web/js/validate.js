// Checks a node field before it is sent, with the server's rules (docs/api.md: identity of
// nodes, limits), so that one invalid field is marked where it is typed and never blocks the
// other edits. The lengths are the default limits; a server configured otherwise still decides.

const MAX_LABEL = 1000;
const MAX_TYPE = 100;

function typeProblem(value, what) {
  if (!value || !String(value).trim()) return `${what} must not be empty`;
  if (String(value).length > MAX_TYPE) return `${what} must be at most ${MAX_TYPE} characters`;
  return null;
}

/** What is wrong with a node field's value (null: nothing). */
export function nodeFieldProblem(field, value) {
  if (field === 'label') {
    if (!value || !String(value).trim()) return 'label must not be empty';
    if (String(value).length > MAX_LABEL) return `label must be at most ${MAX_LABEL} characters`;
  }
  if (field === 'type') return typeProblem(value, 'type');
  if (field === 'metadata' && (value === null || typeof value !== 'object' || Array.isArray(value))) {
    return 'metadata must be a JSON object';
  }
  if (field === 'components') {
    for (const [i, c] of (value || []).entries()) {
      const problem = typeProblem(c.type, `component ${i + 1} type`);
      if (problem) return problem;
    }
  }
  return null;
}

/** How a node is named to a person: "Glucose (N006)". */
export function nodeName(store, id) {
  const server = store.server.get(id);
  const local = store.local.get(id);
  const label = (local && !nodeFieldProblem('label', local.label) && local.label) || (server && server.label) || id;
  return `${label} (${id})`;
}
