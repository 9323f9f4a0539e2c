// Small pure helpers shared by the modules.

/** JSON with object keys sorted, so equal values compare equal whatever the key order. */
export function stableStringify(value) {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${stableStringify(value[k])}`).join(',')}}`;
}

export const NODE_FIELDS = ['label', 'type', 'metadata', 'components'];
export const REL_FIELDS = ['type', 'weight', 'properties'];

/** The wire form of one field: what autoSave takes and what equality is judged on. */
export function wire(field, value) {
  if (field === 'components') {
    return (value || []).map((c) => ({
      type: c.type,
      content: c.content ?? '',
      properties: c.properties ?? {},
    }));
  }
  if (field === 'metadata' || field === 'properties') return value ?? {};
  if (field === 'weight') return value ?? null;
  return value;
}

export function sameField(field, a, b) {
  return stableStringify(wire(field, a)) === stableStringify(wire(field, b));
}

export function sameContent(fields, a, b) {
  return fields.every((f) => sameField(f, a[f], b[f]));
}

/** UUID4 that also works on plain-http hosts, where crypto.randomUUID is missing. */
export function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key in node && key !== 'list') node[key] = value;
    else node.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined && child !== false) node.append(child);
  }
  return node;
}
