// Full-text search and "path between two nodes" over the graph, with the contract's
// `search` and `shortestPath` fields (docs/api.md, graph queries). A server without them
// answers the probe without those names: the forms then stay hidden, nothing else changes.

import * as api from './api.js';
import { el } from './util.js';

export function createGraphFind(root, { getSessionId, view, select }) {
  const searchForm = root.querySelector('#text-search-form');
  const hits = root.querySelector('#text-search-hits');
  const pathForm = root.querySelector('#path-form');
  const pathResult = root.querySelector('#path-result');

  async function probe() {
    let fields = new Set();
    try {
      fields = await api.sessionFields();
    } catch {
      /* no introspection or no server: treat as absent */
    }
    searchForm.hidden = !fields.has('search');
    pathForm.hidden = !fields.has('shortestPath');
  }

  async function search(e) {
    e.preventDefault();
    const query = searchForm.elements.q.value.trim();
    if (!query) return void hits.replaceChildren();
    try {
      const found = await api.searchNodes(getSessionId(), query);
      hits.replaceChildren(...(found.length ? found.map((hit) => el('li', {},
        el('button', { type: 'button', className: 'link', dataset: { node: hit.node.nodeId },
          onclick: () => select({ node: hit.node.nodeId }) }, hit.node.label),
        el('small', {}, ` ${hit.node.nodeId} · ${hit.matchedIn.join(', ')}`))) : [el('li', { className: 'hint' }, 'No match.')]));
    } catch (err) {
      hits.replaceChildren(el('li', { className: 'error' }, err.message));
    }
  }

  async function path(e) {
    e.preventDefault();
    const from = pathForm.elements.from.value.trim();
    const to = pathForm.elements.to.value.trim();
    if (!from || !to) return;
    try {
      const found = await api.shortestPath(getSessionId(), from, to);
      if (!found) {
        view.showPath(null);
        pathResult.textContent = `No path between ${from} and ${to} within 10 steps.`;
        return;
      }
      const ids = found.nodes.map((n) => n.nodeId);
      view.showPath(ids);
      pathResult.textContent = `${found.length} step${found.length === 1 ? '' : 's'}: ${found.nodes.map((n) => n.label).join(' → ')}`;
    } catch (err) {
      pathResult.textContent = err.message;
    }
  }

  searchForm.addEventListener('submit', search);
  pathForm.addEventListener('submit', path);
  pathForm.querySelector('#path-clear').addEventListener('click', () => {
    view.showPath(null);
    pathResult.textContent = '';
  });
  return { probe };
}
