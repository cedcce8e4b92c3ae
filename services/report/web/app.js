// The worklist page: plain JavaScript, no build step. Reads the REST API, refreshes on Server-Sent Events.
'use strict';
(function () {
  // The bearer token (when the service requires one) comes once with the link, best as `#access_token=` (a fragment
  // never leaves the browser); `?access_token=` from older links works too. It is traded at once for an HttpOnly
  // session cookie that the API, the pictures and the event stream then carry, and wiped from the address bar and
  // history: no script keeps it, and no request URL carries it.
  const fragment = new URLSearchParams(location.hash.slice(1));
  const query = new URLSearchParams(location.search);
  const token = fragment.get('access_token') || query.get('access_token');
  if (token) {
    fragment.delete('access_token');
    query.delete('access_token');
    const clean = `${location.pathname}${query.toString() ? `?${query}` : ''}${fragment.toString() ? `#${fragment}` : ''}`;
    history.replaceState(null, '', clean);
  }
  const signedIn = token
    ? fetch('api/v1/session', { method: 'POST', headers: { authorization: `Bearer ${token}` } }).then((response) => {
        if (!response.ok) throw new Error(`sign-in: ${response.status}`);
      })
    : Promise.resolve();
  // x-requested-with: the service wants it on changes made with the session cookie (a CSRF guard).
  const api = async (url, options = {}) => {
    const response = await fetch(url, { ...options, headers: { ...(options.headers || {}), 'x-requested-with': 'lungflow' } });
    if (response.status === 401) $('#summary').textContent = 'Not signed in, or the session ended: open the worklist link (with its #access_token=) again.';
    if (!response.ok) throw new Error(`${url}: ${response.status}`);
    return response.json();
  };
  const $ = (selector) => document.querySelector(selector);
  const pct = (p) => `${(100 * p).toFixed(1)}%`;
  const el = (tag, attrs = {}, text) => {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
    if (text !== undefined) node.textContent = text;
    return node;
  };
  const picture = (uid, kind, size, version) => `api/v1/studies/${uid}/${kind}.png?size=${size}&v=${encodeURIComponent(version)}`;

  let openStudy = null;
  // Lesion share of the lungs and the Brixia score predicted from it; '' for results without lesion findings.
  const lesionText = (lesions) => (lesions ? `${pct(lesions.areaFraction)} of lungs${lesions.brixiaGlobal === null ? '' : ` · Brixia ${lesions.brixiaGlobal.toFixed(1)}/18`}` : '');
  // CT: lung volume and the CAM-based involved share (an estimate: the model's map, not a lesion segmentation).
  const ctLungText = (ct) => (ct ? `${ct.lungVolumeMl === null ? 'lungs' : `lungs ${(ct.lungVolumeMl / 1000).toFixed(2)} L`} · ~${pct(ct.involvedFraction)} marked (CAM estimate)` : '');

  let order = [];
  const waited = (seconds) => (seconds < 3600 ? `${Math.floor(seconds / 60)} min` : seconds < 172800 ? `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min` : `${Math.floor(seconds / 86400)} d`);
  // Every DICOM string goes in as textContent (el's third argument), never as HTML.
  const identityCells = (row, identity) => {
    if (!identity) return [el('td', { class: 'patient' }, '—'), el('td', {}, ''), el('td', {}, ''), el('td', {}, '')];
    const patient = el('td', { class: 'patient' });
    patient.append(el('span', { class: 'patient-name' }, identity.patientName || '(no name)'), el('br'), el('span', { class: 'patient-id' }, identity.patientId));
    return [patient, el('td', { class: 'accession' }, identity.accessionNumber), el('td', { class: 'description' }, identity.studyDescription), el('td', {}, identity.acquiredAt ? identity.acquiredAt.replace('T', ' ') : '')];
  };

  async function loadWorklist() {
    const form = new FormData($('#filters'));
    const query = new URLSearchParams();
    if (form.get('modality')) query.set('modality', form.get('modality'));
    if (form.get('decision')) query.set('decision', form.get('decision'));
    if (form.get('unread')) query.set('unread', 'true');
    const { items, notAnalysed, summary, patientIdentity } = await api(`api/v1/worklist/rows?${query}`);
    order = items.map((item) => item.studyInstanceUid);
    const body = $('#worklist tbody');
    // Rows are rebuilt on every change; pictures already on the page are moved over, not fetched again.
    const loaded = new Map([...body.querySelectorAll('img')].map((img) => [img.getAttribute('src'), img]));
    const image = (attrs) => loaded.get(attrs.src) || el('img', attrs);
    body.replaceChildren();
    items.forEach((item, index) => {
      const row = el('tr', { 'data-study': item.studyInstanceUid, class: `${item.decision.positive ? 'positive' : 'negative'}${item.read ? ' read' : ''}` });
      row.append(el('td', {}, String(index + 1)));
      // Lazy: a long worklist loads only the pictures on screen (each one is rendered from the PACS).
      const thumb = el('td'); thumb.append(image({ src: picture(item.studyInstanceUid, 'image', 256, item.reportedAt), alt: 'thumbnail', class: 'thumbnail', loading: 'lazy' }));
      const heat = el('td'); heat.append(image({ src: picture(item.studyInstanceUid, 'heatmap', 256, item.reportedAt), alt: 'heatmap', class: 'heatmap', loading: 'lazy' }));
      row.append(thumb, heat, ...identityCells(row, item.identity), el('td', { class: 'waiting' }, waited(item.waitingSeconds)), el('td', {}, item.modality));
      row.append(el('td', { class: 'decision' }, `${item.decision.positive ? 'POSITIVE' : 'negative'} (${item.decision.className})`));
      row.append(el('td', { class: 'probability' }, pct(item.probability)), el('td', { class: 'lesions' }, lesionText(item.lesions) || ctLungText(item.ctLungs)), el('td', { class: 'priority' }, item.priority.toFixed(1)));
      row.append(el('td', { class: 'review' }, item.review ? `${item.review.label}, ${item.review.agreesWithModel ? 'agrees' : 'disagrees'} (rev ${item.review.revision})` : ''), el('td', {}, item.read ? 'read' : ''));
      row.title = item.studyInstanceUid;
      row.addEventListener('click', () => showStudy(item.studyInstanceUid));
      body.append(row);
    });
    const failedBody = $('#not-analysed tbody');
    failedBody.replaceChildren();
    $('#not-analysed').hidden = notAnalysed.length === 0;
    for (const failed of notAnalysed) {
      // Unanalysed is not negative: these stay on the list, with why, for a person to read without AI help.
      const row = el('tr', { 'data-study': failed.studyInstanceUid, class: 'not-analysed' });
      row.append(...identityCells(row, failed.identity), el('td', { class: 'waiting' }, waited(failed.waitingSeconds)));
      row.append(el('td', { class: 'decision' }, 'not analysed'), el('td', { class: 'reason' }, `${failed.errorCode}: ${failed.reason}`), el('td', { class: 'uid' }, failed.studyInstanceUid));
      failedBody.append(row);
    }
    $('#summary').textContent = `${summary.listed} analysed (${summary.positives} positive), ${summary.reviewed} reviewed` +
      (summary.reviewed ? ` (reviewer agreed with the model in ${summary.agreed})` : '') + `, ${summary.notAnalysed} not analysed` +
      (patientIdentity ? '' : ' · sign in to see patient names');
    $('#empty').hidden = items.length + notAnalysed.length > 0;
  }

  async function showStudy(uid) {
    const { item, modelCard } = await api(`api/v1/studies/${uid}`);
    openStudy = uid;
    $('#worklist').hidden = true;
    $('#empty').hidden = true;
    $('#not-analysed').hidden = true;
    $('#study').hidden = false;
    $('#study-title').textContent = `Study ${item.studyInstanceUid} (${item.modality})`;
    $('#study-image').src = picture(uid, 'image', 1024, item.reportedAt);
    $('#study-heatmap').src = picture(uid, 'heatmap', 1024, item.reportedAt);
    // Outlines from LungFlow's SEG in the PACS, laid over the image at the same size.
    const outlines = $('#study-outlines');
    outlines.hidden = !item.seg || !$('#show-outlines').checked;
    $('#outlines-toggle').hidden = !item.seg;
    if (item.seg) outlines.src = picture(uid, 'outlines', 1024, item.reportedAt);
    else outlines.removeAttribute('src');
    const lesions = item.lesions;
    $('#study-lesions').textContent = lesions
      ? `· lesions ${lesionText(lesions)}${lesions.extent === null ? '' : ` · extent ${lesions.extent.toFixed(1)}/8`}${lesions.opacity === null ? '' : ` · opacity ${lesions.opacity.toFixed(1)}/6`} (weakly supervised estimate, see the model card)`
      : '';
    $('#study-decision').textContent = `${item.decision.positive ? 'POSITIVE' : 'Negative'} for ${item.decision.className}: ${pct(item.probability)} against a threshold of ${pct(item.decision.threshold)}`;
    const display = Object.fromEntries((modelCard.classes || []).map((c) => [c.name, c.display]));
    const rows = $('#study-probabilities tbody');
    rows.replaceChildren();
    for (const [name, p] of Object.entries(item.probabilities).sort((a, b) => b[1] - a[1])) {
      const row = el('tr', { 'data-class': name });
      row.append(el('td', {}, display[name] || name), el('td', {}, pct(p)));
      rows.append(row);
    }
    $('#study-model').textContent = `${item.model.id} ${item.model.version} (SHA-256 ${item.model.sha256.slice(0, 12)}…), ${item.analysedImages} image(s) analysed`;
    const links = $('#study-links');
    links.replaceChildren();
    for (const [label, object] of [['Structured report (SR)', item.sr], ['Heatmap Secondary Capture (SC)', item.sc], ...(item.seg ? [['Lung and lesion segmentation (SEG)', item.seg]] : [])]) {
      const li = el('li'); li.append(el('a', { href: object.wadoRsUrl }, label)); links.append(li);
    }
    $('#study-intended').textContent = modelCard.intendedUse || '';
    const limits = $('#study-limitations');
    limits.replaceChildren(...(modelCard.limitations || ['The model card lists no limitations.']).map((text) => el('li', {}, text)));
    window.LungFlowReview.open(item, api, picture).catch((error) => { $('#review-status').textContent = `Review unavailable: ${error.message}`; });
    $('#mark-read').textContent = item.read ? 'Mark unread' : 'Mark read';
    $('#mark-read').onclick = async () => {
      await api(`api/v1/studies/${uid}/read`, { method: item.read ? 'DELETE' : 'PUT' });
      await showStudy(uid);
    };
  }

  window.LungFlowReview.onNavigate = (step) => {
    const next = order[order.indexOf(openStudy) + step];
    if (next) showStudy(next).catch(report);
  };

  function showList() {
    openStudy = null;
    window.LungFlowReview.close();
    $('#study').hidden = true;
    $('#worklist').hidden = false;
    loadWorklist().catch(report);
  }

  function report(error) { console.error(error); }

  function listen() {
    const source = new EventSource('api/v1/events');
    source.onopen = () => { $('#live').textContent = '● live'; };
    source.onerror = () => { $('#live').textContent = '○ reconnecting'; };
    source.addEventListener('change', (message) => {
      const change = JSON.parse(message.data);
      if (openStudy === null) loadWorklist().catch(report);
      // The open study's editor keeps its drawing: a live change does not reload it.
    });
  }

  $('#filters').addEventListener('change', () => loadWorklist().catch(report));
  $('#show-outlines').addEventListener('change', (event) => { $('#study-outlines').hidden = !event.target.checked || !$('#study-outlines').getAttribute('src'); });
  document.addEventListener('keydown', (event) => {
    if (openStudy === null || event.ctrlKey || event.metaKey || event.altKey || event.key.toLowerCase() !== 'o') return;
    if (event.target.matches('input[type="number"], textarea')) return;
    if ($('#outlines-toggle').hidden) return;
    $('#show-outlines').click();
  });
  $('#back').addEventListener('click', showList);
  signedIn.then(() => {
    loadWorklist().catch(report);
    listen();
  }, (error) => {
    $('#summary').textContent = 'Sign-in failed: the link\'s token was not accepted.';
    report(error);
  });
})();
