// The review panel of the study view: label, agreement, severity and a small canvas editor for the lesion outline
// (brush, eraser, polygon, undo). The mask canvas has the analysed image's own grid (Rows × Columns), so what is
// drawn is exactly what goes into the DICOM SEG. Plain JavaScript like app.js; no build step (see README).
'use strict';
window.LungFlowReview = (function () {
  const $ = (selector) => document.querySelector(selector);
  const UNDO_DEPTH = 10;
  let state = null; // { item, api, rows, columns, undo: ImageData[], polygon: [[x, y]] }

  const mask = () => $('#editor-mask');
  const draft = () => $('#editor-draft');
  const tool = () => document.querySelector('input[name="tool"]:checked').value;
  const status = (text) => { $('#review-status').textContent = text; };

  function toGrid(event) {
    const box = mask().getBoundingClientRect();
    return [((event.clientX - box.left) / box.width) * state.columns, ((event.clientY - box.top) / box.height) * state.rows];
  }
  function radius() {
    // The slider is in screen pixels; the mask's pixels are smaller or larger by the display scale.
    return (Number($('#brush-size').value) / 2) * (state.columns / mask().getBoundingClientRect().width);
  }
  function remember() {
    const ctx = mask().getContext('2d');
    state.undo.push(ctx.getImageData(0, 0, state.columns, state.rows));
    if (state.undo.length > UNDO_DEPTH) state.undo.shift();
  }
  function undo() {
    if (!state || state.undo.length === 0) return;
    mask().getContext('2d').putImageData(state.undo.pop(), 0, 0);
    status('Undone.');
  }
  function dab(from, to) {
    const ctx = mask().getContext('2d');
    ctx.globalCompositeOperation = tool() === 'eraser' ? 'destination-out' : 'source-over';
    ctx.strokeStyle = ctx.fillStyle = '#ff2020';
    ctx.lineWidth = 2 * radius();
    ctx.lineCap = 'round';
    ctx.beginPath();
    ctx.moveTo(from[0], from[1]);
    ctx.lineTo(to[0], to[1]);
    ctx.stroke();
  }
  function drawDraft() {
    const ctx = draft().getContext('2d');
    ctx.clearRect(0, 0, state.columns, state.rows);
    if (state.polygon.length === 0) return;
    ctx.strokeStyle = '#ffd400';
    ctx.lineWidth = Math.max(1, state.columns / 400);
    ctx.beginPath();
    state.polygon.forEach(([x, y], i) => (i ? ctx.lineTo(x, y) : ctx.moveTo(x, y)));
    ctx.stroke();
  }
  function closePolygon() {
    if (!state || state.polygon.length < 3) return;
    remember();
    const ctx = mask().getContext('2d');
    ctx.globalCompositeOperation = 'source-over';
    ctx.fillStyle = '#ff2020';
    ctx.beginPath();
    state.polygon.forEach(([x, y], i) => (i ? ctx.lineTo(x, y) : ctx.moveTo(x, y)));
    ctx.closePath();
    ctx.fill();
    state.polygon = [];
    drawDraft();
  }

  /** The mask as 0/1 per pixel: a pixel is lesion when the canvas is more than half opaque there. */
  function maskValues() {
    const rgba = mask().getContext('2d').getImageData(0, 0, state.columns, state.rows).data;
    const values = new Uint8Array(state.columns * state.rows);
    for (let i = 0; i < values.length; i += 1) values[i] = rgba[4 * i + 3] > 127 ? 1 : 0;
    return values;
  }
  /** 1 bit per pixel, least significant bit first (DICOM SEG's packing), base64. */
  function packedBase64(values) {
    const bytes = new Uint8Array(Math.ceil(values.length / 8));
    for (let i = 0; i < values.length; i += 1) if (values[i]) bytes[i >> 3] |= 1 << (i & 7);
    let text = '';
    for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    return btoa(text);
  }

  async function save() {
    if (!state) return;
    const label = document.querySelector('input[name="label"]:checked');
    const agreement = document.querySelector('input[name="agreement"]:checked');
    if (!label || !agreement) return status('Choose a label and whether you agree with the model before saving.');
    closePolygon();
    const body = { label: label.value, agreesWithModel: agreement.value === 'agree', lesionMask: { rows: state.rows, columns: state.columns, bits: packedBase64(maskValues()) } };
    const severity = $('#severity').value;
    if (severity !== '') body.severity = { scale: state.item.modality === 'CT' ? 'ctss' : 'brixia', value: Number(severity) };
    status('Saving…');
    try {
      const saved = await state.api(`api/v1/studies/${state.item.studyInstanceUid}/reviews`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      $('#save-review').dataset.revision = String(saved.revision);
      status(`Saved revision ${saved.revision}: SR ${saved.sr.sopInstanceUid}, SEG ${saved.seg.sopInstanceUid} in the PACS.`);
    } catch (error) {
      status(`Not saved: ${error.message}`);
    }
  }

  function select(name, value) {
    const input = document.querySelector(`input[name="${name}"][value="${value}"]`);
    if (input) input.checked = true;
  }

  let onNavigate = () => undefined;
  function onKey(event) {
    if (!state || event.target.matches('input[type="number"], textarea')) return;
    const key = event.key.toLowerCase();
    if ((event.ctrlKey || event.metaKey) && key === 'z') { event.preventDefault(); return undo(); }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const labels = { 1: 'covid19', 2: 'other_pneumonia', 3: 'no_finding', 4: 'indeterminate' };
    if (labels[key]) select('label', labels[key]);
    else if (key === 'a') select('agreement', 'agree');
    else if (key === 'd') select('agreement', 'disagree');
    else if (key === 'b') select('tool', 'brush');
    else if (key === 'e') select('tool', 'eraser');
    else if (key === 'p') select('tool', 'polygon');
    else if (key === 'enter') closePolygon();
    else if (key === 'h') toggleHeatmap();
    else if (key === 's') save();
    else if (key === 'j') onNavigate(1);
    else if (key === 'k') onNavigate(-1);
    else return;
    event.preventDefault();
  }

  function toggleHeatmap() {
    const img = $('#editor-image');
    img.src = img.dataset.kind === 'image' ? img.dataset.heatmap : img.dataset.image;
    img.dataset.kind = img.dataset.kind === 'image' ? 'heatmap' : 'image';
  }

  function wire() {
    let last = null;
    mask().addEventListener('pointerdown', (event) => {
      if (!state) return;
      const point = toGrid(event);
      if (tool() === 'polygon') {
        state.polygon.push(point);
        return drawDraft();
      }
      remember();
      mask().setPointerCapture(event.pointerId);
      last = point;
      dab(point, point);
    });
    mask().addEventListener('pointermove', (event) => {
      if (!state || !last) return;
      const point = toGrid(event);
      dab(last, point);
      last = point;
    });
    const end = () => { last = null; };
    mask().addEventListener('pointerup', end);
    mask().addEventListener('pointercancel', end);
    mask().addEventListener('dblclick', closePolygon);
    $('#undo').addEventListener('click', undo);
    $('#save-review').addEventListener('click', save);
    document.addEventListener('keydown', onKey);
  }

  /** Draws the model's lesion mask (from its SEG, on this same grid) as the starting outline; false when it cannot. */
  function startFromModel(item, picture) {
    return new Promise((resolve) => {
      const image = new Image();
      image.onload = () => {
        if (image.naturalWidth !== state.columns || image.naturalHeight !== state.rows) return resolve(false);
        mask().getContext('2d').drawImage(image, 0, 0);
        resolve(true);
      };
      image.onerror = () => resolve(false);
      image.src = picture(item.studyInstanceUid, 'lesion-mask', 0, item.reportedAt).replace(/size=0&/, '');
    });
  }

  /** Opens the panel for a worklist item; `api` is app.js's authenticated fetch, `picture` its image URL maker. */
  async function open(item, api, picture) {
    const grid = await api(`api/v1/studies/${item.studyInstanceUid}/review`);
    if (!grid.rows || !grid.columns) throw new Error('the PACS did not give the image size');
    state = { item, api, rows: grid.rows, columns: grid.columns, undo: [], polygon: [] };
    for (const canvas of [mask(), draft()]) { canvas.width = grid.columns; canvas.height = grid.rows; }
    const img = $('#editor-image');
    img.dataset.image = picture(item.studyInstanceUid, 'image', 1024, item.reportedAt);
    img.dataset.heatmap = picture(item.studyInstanceUid, 'heatmap', 1024, item.reportedAt);
    img.dataset.kind = 'image';
    img.src = img.dataset.image;
    for (const input of document.querySelectorAll('#review input[type="radio"]:not([name="tool"])')) input.checked = false;
    $('#severity').value = '';
    $('#severity').max = item.modality === 'CT' ? '25' : '18';
    $('#severity-scale').textContent = item.modality === 'CT' ? 'CT severity score, 0–25' : 'Brixia score, 0–18';
    delete $('#save-review').dataset.revision;
    const started = item.seg ? await startFromModel(item, picture) : false;
    status(`${grid.review ? `Last saved: revision ${grid.review.revision} by ${grid.review.username}, ${grid.review.label}.` : 'Not reviewed yet.'}${started ? " The outline starts from the model's lesion estimate (weakly supervised): correct it." : ''}`);
  }

  wire();
  return {
    open,
    close() { state = null; },
    set onNavigate(callback) { onNavigate = callback; },
    /** For tests and tools: the mask as drawn, 0/1 per pixel. */
    maskValues: () => (state ? Array.from(maskValues()) : null),
  };
})();
