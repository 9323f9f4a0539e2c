// CSV import through REST `POST /session/{id}/bulk/import` (multipart, XMLHttpRequest so
// that upload progress can be shown) and the export links. The server's line-numbered
// problems are listed one per line; the imported rows arrive like any other change,
// through the live feed.

import { authHeaders } from './auth.js';
import { el } from './util.js';

export function createCsvPanel(dialog, { getSessionId, onImported }) {
  const form = dialog.querySelector('#import-form');
  const progress = dialog.querySelector('#import-progress');
  const progressText = dialog.querySelector('#import-progress-text');
  const result = dialog.querySelector('#import-result');
  const problems = dialog.querySelector('#import-problems');
  const submit = dialog.querySelector('#import-submit');

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

    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/session/${encodeURIComponent(getSessionId())}/bulk/import`);
    for (const [name, value] of Object.entries(authHeaders())) xhr.setRequestHeader(name, value);
    xhr.responseType = 'json';
    progress.hidden = false;
    progress.value = 0;
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

  function finish(text, failed) {
    submit.disabled = false;
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
