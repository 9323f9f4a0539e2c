// CSV import through REST `POST /session/{id}/bulk/import` (multipart, XMLHttpRequest so
// that upload progress can be shown) and the export links. Once uploaded, the bar follows
// the server reading the rows: the import is named (import_id) and its progress read as
// server-sent events from `.../bulk/import/{import_id}/progress`. The server's
// line-numbered problems are listed one per line; the imported rows arrive like any other
// change, through the live feed.

import { authHeaders } from './auth.js';
import { el } from './util.js';

export function createCsvPanel(dialog, { getSessionId, onImported }) {
  const form = dialog.querySelector('#import-form');
  const progress = dialog.querySelector('#import-progress');
  const progressText = dialog.querySelector('#import-progress-text');
  const result = dialog.querySelector('#import-result');
  const problems = dialog.querySelector('#import-problems');
  const submit = dialog.querySelector('#import-submit');
  let watch = null; // the EventSource of the import under way

  function showProblems(list) {
    problems.replaceChildren(...list.map((p) => el('li', {},
      el('strong', {}, `${p.file} line ${p.line}`),
      p.column ? `, column ${p.column}` : '', `: ${p.message}`)));
  }

  function reportText(report) {
    const get = (snake, camel) => report[snake] ?? report[camel];
    const dry = get('dry_run', 'dryRun');
    const parts = [
      `${get('rows_read', 'rowsRead') ?? '?'} rows read`,
      `${get('nodes_created', 'nodesCreated') ?? 0} nodes created`,
      `${get('nodes_updated', 'nodesUpdated') ?? 0} updated`,
      `${get('relationships_created', 'relationshipsCreated') ?? 0} relationships created`,
      `${get('relationships_updated', 'relationshipsUpdated') ?? 0} updated`,
    ];
    return `${dry ? 'Dry run OK (nothing written)' : 'Imported'}: ${parts.join(', ')}.`;
  }

  function upload(event) {
    event.preventDefault();
    const data = new FormData();
    const nodes = form.elements.nodes.files[0];
    const relationships = form.elements.relationships.files[0];
    if (!nodes && !relationships) {
      result.textContent = 'Choose a nodes file, a relationships file, or both.';
      return;
    }
    if (nodes) data.append('nodes', nodes);
    if (relationships) data.append('relationships', relationships);
    data.append('mode', form.elements.mode.value);
    data.append('dry_run', form.elements.dry_run.checked ? 'true' : 'false');
    data.append('create_missing_nodes', form.elements.create_missing_nodes.checked ? 'true' : 'false');

    const importId = crypto.randomUUID();
    data.append('import_id', importId);
    const base = `/session/${encodeURIComponent(getSessionId())}/bulk/import`;
    watch?.close();
    watch = watchProgress(`${base}/${importId}/progress`);
    const xhr = new XMLHttpRequest();
    xhr.open('POST', base);
    for (const [name, value] of Object.entries(authHeaders())) xhr.setRequestHeader(name, value);
    xhr.responseType = 'json';
    progress.hidden = false;
    progress.value = 0;
    progress.dataset.state = 'uploading';
    progressText.textContent = 'Uploading… 0%';
    submit.disabled = true;
    result.textContent = '';
    result.className = '';
    problems.replaceChildren();
    xhr.upload.onprogress = (e) => {
      if (!e.lengthComputable) return;
      progress.value = e.loaded / e.total;
      progressText.textContent = `Uploading… ${Math.round((100 * e.loaded) / e.total)}%`;
    };
    xhr.upload.onload = () => {
      progress.value = 1;
      progressText.textContent = 'Uploaded; the server is checking the rows…';
    };
    xhr.onerror = () => finish('Upload failed: the server could not be reached.', true);
    xhr.onload = () => {
      const body = xhr.response || {};
      if (xhr.status >= 200 && xhr.status < 300) {
        finish(reportText(body.report || body), false);
        onImported(body);
        return;
      }
      const error = body.error || {};
      if ((xhr.status === 404 || xhr.status === 405) && !error.code) {
        return finish('This server has no CSV import route.', true);
      }
      finish(`${error.code || `HTTP ${xhr.status}`}: ${error.message || 'import rejected'}`, true);
      if (Array.isArray(error.problems)) showProblems(error.problems);
    };
    xhr.send(data);
  }

  // The server's reading of the rows: per file, rows and bytes of the total, rate, time left.
  function watchProgress(url) {
    const source = new EventSource(url);
    const started = new Map();
    source.addEventListener('progress', (event) => {
      const p = JSON.parse(event.data);
      const now = performance.now();
      if (!started.has(p.file)) started.set(p.file, { at: now, rows: p.rows });
      const first = started.get(p.file);
      const seconds = (now - first.at) / 1000;
      const rate = seconds > 0.2 ? (p.rows - first.rows) / seconds : 0;
      const left = rate > 0 ? Math.ceil((p.rows_total - p.rows) / rate) : null;
      const n = (x) => x.toLocaleString('en');
      const mb = (x) => (x / 1e6).toFixed(1);
      const line = `Reading ${p.file}: ${n(p.rows)} / ${n(p.rows_total)} rows`
        + ` (${mb(p.bytes_read)} / ${mb(p.bytes_total)} MB)`
        + (rate ? `, ${n(Math.round(rate))} rows/s` : '')
        + (left !== null && !p.done ? `, ${left} s left` : '');
      progress.title = line; // the last state stays on the bar's tooltip
      if (watch !== source) return; // the answer came first: it has the last word
      progress.value = p.done ? 1 : p.rows_total ? p.rows / p.rows_total : 0;
      progressText.textContent = line;
    });
    source.addEventListener('end', () => source.close());
    setTimeout(() => source.close(), 600_000);
    return source;
  }

  function finish(text, failed) {
    watch = null; // its stream closes itself at its `end` event
    if (!failed) progress.value = 1;
    submit.disabled = false;
    // A full bar reads as success: on failure it turns red (and says so), not just stops.
    progress.dataset.state = failed ? 'failed' : 'done';
    if (failed && progress.value < 1) progress.value = 1;
    progressText.textContent = failed ? 'Not imported.' : 'Done.';
    result.textContent = text;
    result.className = failed ? 'error' : 'ok';
  }

  form.addEventListener('submit', upload);
  dialog.querySelector('#import-close').addEventListener('click', () => dialog.close());

  return {
    open() {
      result.textContent = '';
      problems.replaceChildren();
      progress.hidden = true;
      progressText.textContent = '';
      dialog.showModal();
    },
    exportUrl: (format) => `/session/${encodeURIComponent(getSessionId())}/bulk/export?format=${format}`,
  };
}
