// The side panel: edits the selected node (label, type, component sequence, its
// relationships) or the selected relationship, with real inputs and buttons so that
// everything works from the keyboard. Values are refreshed in place and a field that has
// focus is never overwritten, so live updates from other tabs do not disturb typing.

import { el } from './util.js';

export function createEditor(root, { store, getSelection, select }) {
  let shown; // the selection the panel was built for (undefined: nothing built yet)

  /** Write a value unless the person is in that field; data-version = version it shows. */
  function setValue(input, value, version) {
    if (document.activeElement === input) {
      if (input.value === value) input.dataset.version = version;
      return;
    }
    if (input.value !== value) input.value = value;
    input.dataset.version = version;
  }

  const baseOf = (input) => (input.dataset.version ? Number(input.dataset.version) : undefined);

  function render() {
    const sel = getSelection();
    const key = sel ? JSON.stringify(sel) : null;
    if (key !== shown) {
      shown = key;
      root.replaceChildren();
      if (!sel) root.append(el('p', { className: 'hint' }, 'Select a node in the graph or the list, or press N to add one.'));
      else if (sel.node) buildNode(sel.node);
      else if (sel.rel) buildRel();
    }
    if (sel && sel.node) fillNode(sel.node);
    if (sel && sel.rel) fillRel(sel.rel);
  }

  // ---------------------------------------------------------------- node

  function buildNode(id) {
    const field = (name, label, attrs = {}) => el('div', { className: 'field' },
      el('label', { htmlFor: `node-${name}` }, label),
      el('input', { id: `node-${name}`, dataset: { field: name }, autocomplete: 'off', ...attrs,
        'aria-describedby': `node-${name}-error`,
        oninput: (e) => store.editNode(id, { [name]: e.target.value || (name === 'type' ? 'concept' : '') },
          { baseVersion: baseOf(e.target) }) }),
      el('p', { id: `node-${name}-error`, className: 'error field-error', role: 'alert', hidden: true }));
    root.append(
      el('h2', {}, 'Node ', el('code', { id: 'node-id' }, id), el('span', { id: 'node-state', className: 'badge' })),
      field('label', 'Label'),
      field('type', 'Type', { list: 'type-options' }),
      el('section', { className: 'components', 'aria-labelledby': 'components-h' },
        el('h3', { id: 'components-h' }, 'Components'),
        el('ol', { id: 'component-list' }),
        el('button', { type: 'button', id: 'add-component', onclick: addComponent }, 'Add component')),
      el('section', { className: 'relationships', 'aria-labelledby': 'rels-h' },
        el('h3', { id: 'rels-h' }, 'Relationships'),
        el('ul', { id: 'rel-list' }),
        relForm(id)),
      el('button', { type: 'button', id: 'delete-node', className: 'danger',
        onclick: () => { store.deleteNode(id); select(null); } }, 'Delete node'));
  }

  function fillNode(id) {
    const node = store.local.get(id);
    if (!node) {
      root.replaceChildren(el('p', { className: 'hint' }, `Node ${id} was deleted.`));
      shown = null;
      return;
    }
    const state = store.conflicts.has(`node:${id}`) ? 'conflict' : store.dirty.has(id) ? 'unsaved' : `v${node.version}`;
    root.querySelector('#node-state').textContent = state;
    root.querySelector('#node-state').dataset.state = state.startsWith('v') ? 'clean' : state;
    setValue(root.querySelector('#node-label'), node.label, node.version);
    setValue(root.querySelector('#node-type'), node.type, node.version);
    // A field that fails validation is held back from saving and marked where it is typed.
    const problems = store.invalid.get(id) || new Map();
    for (const name of ['label', 'type']) {
      const input = root.querySelector(`#node-${name}`);
      const message = root.querySelector(`#node-${name}-error`);
      const problem = problems.get(name);
      input.setAttribute('aria-invalid', problem ? 'true' : 'false');
      message.hidden = !problem;
      message.textContent = problem || '';
    }
    fillComponents(id, node);
    fillRelList(id);
  }

  function editComponents(id, fn, input) {
    const node = store.local.get(id);
    const components = node.components.map((c) => ({ ...c }));
    fn(components);
    store.editNode(id, { components }, { baseVersion: input ? baseOf(input) : node.version });
  }

  function addComponent() {
    const id = getSelection().node;
    editComponents(id, (list) => list.push({ type: 'text', content: '', properties: {} }));
    const inputs = root.querySelectorAll('.c-content');
    if (inputs.length) inputs[inputs.length - 1].focus();
  }

  function move(id, index, delta) {
    const to = index + delta;
    const node = store.local.get(id);
    if (to < 0 || to >= node.components.length) return;
    editComponents(id, (list) => list.splice(to, 0, list.splice(index, 1)[0]));
    const button = root.querySelector(`#component-list li[data-index="${to}"] .${delta < 0 ? 'c-up' : 'c-down'}`);
    if (button) (button.disabled ? root.querySelector(`#component-list li[data-index="${to}"] .c-content`) : button).focus();
  }

  function componentRow(id, index, count) {
    const n = index + 1;
    const onKey = (e) => {
      if (e.altKey && (e.key === 'ArrowUp' || e.key === 'ArrowDown')) {
        e.preventDefault();
        move(id, index, e.key === 'ArrowUp' ? -1 : 1);
      }
    };
    return el('li', { dataset: { index }, onkeydown: onKey },
      el('div', { className: 'c-head' },
        el('label', {}, `#${n} type `, el('input', { className: 'c-type', autocomplete: 'off', dataset: { field: 'components' },
          oninput: (e) => editComponents(id, (list) => { list[index].type = e.target.value || 'text'; }, e.target) })),
        el('span', { className: 'c-buttons' },
          el('button', { type: 'button', className: 'c-up', disabled: index === 0, 'aria-label': `Move component ${n} up`,
            onclick: () => move(id, index, -1) }, '↑'),
          el('button', { type: 'button', className: 'c-down', disabled: index === count - 1,
            'aria-label': `Move component ${n} down`, onclick: () => move(id, index, 1) }, '↓'),
          el('button', { type: 'button', className: 'c-remove', 'aria-label': `Remove component ${n}`,
            onclick: () => editComponents(id, (list) => list.splice(index, 1)) }, 'Remove'))),
      el('textarea', { className: 'c-content', rows: 2, 'aria-label': `Component ${n} content`, dataset: { field: 'components' },
        oninput: (e) => editComponents(id, (list) => { list[index].content = e.target.value; }, e.target) }));
  }

  function fillComponents(id, node) {
    const list = root.querySelector('#component-list');
    const rows = list.children;
    if (rows.length !== node.components.length) {
      const focused = list.contains(document.activeElement) ? document.activeElement : null;
      const at = focused && focused.closest('li') ? [focused.closest('li').dataset.index, focused.className] : null;
      list.replaceChildren(...node.components.map((_, i) => componentRow(id, i, node.components.length)));
      if (at) {
        const again = list.querySelector(`li[data-index="${at[0]}"] .${at[1].split(' ')[0]}`);
        if (again) again.focus();
      }
    }
    node.components.forEach((c, i) => {
      setValue(rows[i].querySelector('.c-type'), c.type, node.version);
      setValue(rows[i].querySelector('.c-content'), c.content ?? '', node.version);
    });
  }

  function fillRelList(id) {
    const list = root.querySelector('#rel-list');
    const active = list.contains(document.activeElement) ? document.activeElement : null;
    const focusKey = active ? active.dataset.key : null;
    const items = [];
    for (const [key, rel] of store.localRels) {
      if (rel.sourceId !== id && rel.targetId !== id) continue;
      const other = (nodeId) => el('button', { type: 'button', className: 'link', title: nodeId,
        onclick: () => select({ node: nodeId }) }, (store.local.get(nodeId) || { label: nodeId }).label);
      items.push(el('li', {},
        other(rel.sourceId), ` —${rel.type}→ `, other(rel.targetId),
        rel.weight !== null && rel.weight !== undefined ? ` (${rel.weight})` : '',
        store.dirtyRels.has(key) ? el('span', { className: 'badge' }, 'unsaved') : '',
        el('button', { type: 'button', className: 'rel-edit', dataset: { key }, onclick: () => select({ rel: key }) }, 'Edit'),
        el('button', { type: 'button', className: 'rel-delete', dataset: { key },
          'aria-label': `Delete relationship ${rel.sourceId} ${rel.type} ${rel.targetId}`,
          onclick: () => store.deleteRel(key) }, 'Delete')));
    }
    list.replaceChildren(...(items.length ? items : [el('li', { className: 'hint' }, 'No relationships yet.')]));
    const again = focusKey && list.querySelector(`.${active.className}[data-key="${CSS.escape(focusKey)}"]`);
    if (again) again.focus();
    else if (focusKey) root.querySelector('#rel-target').focus();
  }

  function relForm(id) {
    const error = el('p', { className: 'error', id: 'rel-error', role: 'alert' });
    const submit = (e) => {
      e.preventDefault();
      const form = e.target;
      const targetId = form.elements.target.value.trim();
      const type = form.elements.type.value.trim();
      const weight = form.elements.weight.value === '' ? null : Number(form.elements.weight.value);
      const sourceId = form.elements.direction.value === 'in' ? targetId : id;
      const other = form.elements.direction.value === 'in' ? id : targetId;
      if (!store.local.has(targetId)) return void (error.textContent = `No node "${targetId}".`);
      if (!type) return void (error.textContent = 'A type is required.');
      if (!store.createRel({ sourceId, targetId: other, type, weight })) {
        error.textContent = 'That relationship exists already.';
        return;
      }
      error.textContent = '';
      form.elements.target.value = '';
      form.elements.target.focus();
    };
    return el('form', { id: 'rel-form', onsubmit: submit },
      el('div', { className: 'field' }, el('label', { htmlFor: 'rel-direction' }, 'Direction'),
        el('select', { id: 'rel-direction', name: 'direction' },
          el('option', { value: 'out' }, 'from this node to…'), el('option', { value: 'in' }, 'to this node from…'))),
      el('div', { className: 'field' }, el('label', { htmlFor: 'rel-target' }, 'Other node'),
        el('input', { id: 'rel-target', name: 'target', list: 'node-options', autocomplete: 'off', required: true })),
      el('div', { className: 'field' }, el('label', { htmlFor: 'rel-type' }, 'Type'),
        el('input', { id: 'rel-type', name: 'type', value: 'related_to', list: 'rel-type-options', required: true })),
      el('div', { className: 'field' }, el('label', { htmlFor: 'rel-weight' }, 'Weight'),
        el('input', { id: 'rel-weight', name: 'weight', type: 'number', step: 'any' })),
      el('button', { type: 'submit', id: 'add-rel' }, 'Add relationship'), error);
  }

  // ---------------------------------------------------------------- relationship

  function buildRel() {
    root.append(
      el('h2', {}, 'Relationship', el('span', { id: 'rel-state', className: 'badge' })),
      el('p', { id: 'rel-ends' }),
      el('div', { className: 'field' }, el('label', { htmlFor: 'rel-edit-type' }, 'Type'),
        el('input', { id: 'rel-edit-type', list: 'rel-type-options', autocomplete: 'off',
          oninput: (e) => {
            if (!e.target.value) return;
            // Renaming an unsaved relationship changes its key: keep this panel (and focus).
            const next = store.editRel(getSelection().rel, { type: e.target.value });
            shown = JSON.stringify({ rel: next });
            select({ rel: next });
          } })),
      el('div', { className: 'field' }, el('label', { htmlFor: 'rel-edit-weight' }, 'Weight'),
        el('input', { id: 'rel-edit-weight', type: 'number', step: 'any',
          oninput: (e) => store.editRel(getSelection().rel, { weight: e.target.value === '' ? null : Number(e.target.value) }) })),
      el('button', { type: 'button', className: 'danger', id: 'delete-rel',
        onclick: () => { store.deleteRel(getSelection().rel); select(null); } }, 'Delete relationship'));
  }

  function fillRel(key) {
    const rel = store.localRels.get(key);
    if (!rel) {
      root.replaceChildren(el('p', { className: 'hint' }, 'This relationship was deleted.'));
      shown = null;
      return;
    }
    const link = (nodeId) => el('button', { type: 'button', className: 'link', onclick: () => select({ node: nodeId }) }, nodeId);
    root.querySelector('#rel-ends').replaceChildren(link(rel.sourceId), ' → ', link(rel.targetId));
    const state = store.dirtyRels.has(key) ? 'unsaved' : `v${rel.version}`;
    root.querySelector('#rel-state').textContent = state;
    root.querySelector('#rel-state').dataset.state = state === 'unsaved' ? state : 'clean';
    setValue(root.querySelector('#rel-edit-type'), rel.type, rel.version);
    setValue(root.querySelector('#rel-edit-weight'), rel.weight === null || rel.weight === undefined ? '' : String(rel.weight), rel.version);
  }

  /** For the merge: is the person typing in this field of this node right now? */
  function isFocused(nodeId, field) {
    const sel = getSelection();
    const active = document.activeElement;
    return Boolean(sel && sel.node === nodeId && root.contains(active) && active.dataset && active.dataset.field === field);
  }

  // A field skipped while it had focus catches up when the person leaves it.
  root.addEventListener('focusout', () => setTimeout(render, 0));
  store.on('rekey', ({ from, to }) => {
    if (shown === JSON.stringify({ rel: from })) shown = JSON.stringify({ rel: to });
  });
  return { render, isFocused, rebuild: () => { shown = undefined; render(); } };
}
