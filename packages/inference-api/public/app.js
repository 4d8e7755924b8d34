// maskops upload page: post an image to /predict, draw the returned RLE masks over it
// on a canvas, and list the instances. A plain browser ES module; the RLE string
// decoder is the server's own (src/masks/rle-codec.ts, served compiled).
import { countsArea, countsFromString } from '/static/rle-codec.js';

/**
 * Row i's colour: hues a golden angle apart, so no two rows share a colour however
 * many there are (neighbours differ most), at a saturation and lightness that read on
 * light and dark images alike.
 */
function colorOf(i) {
  const h = (i * 137.508) % 360;
  const s = 0.75;
  const l = 0.5;
  const k = (n) => (n + h / 30) % 12;
  const a = s * Math.min(l, 1 - l);
  const f = (n) => l - a * Math.max(-1, Math.min(k(n) - 3, 9 - k(n), 1));
  return [f(0), f(8), f(4)].map((v) => Math.round(v * 255));
}

const $ = (id) => document.getElementById(id);
let limits = { maxImageBytes: Infinity };

// API_TOKENS_FILE: the token is kept for this tab only (sessionStorage, never a cookie
// or localStorage) and sent as a bearer header; no token, no header.
const TOKEN_KEY = 'maskops.apiToken';

function authHeaders() {
  const token = $('api-token').value.trim();
  return token ? { authorization: `Bearer ${token}` } : {};
}

function setState(state, text) {
  document.body.dataset.state = state;
  $('status').textContent = text || '';
}

// The result on show: the full answer (every instance the server found at
// REQUEST_MIN_SCORE) and its background; the score slider filters it without a request.
let shown = null;
const REQUEST_MIN_SCORE = '0';

function minScore() {
  return Number($('min-score').value) || 0;
}

/** An error replaces the result: the previous image's instances are not left under it. */
function showError(text) {
  shown = null;
  $('result').hidden = true;
  $('instances').querySelector('tbody').replaceChildren();
  $('error').textContent = text;
  $('error').hidden = false;
  setState('error', '');
}

/** Blend one column-major RLE mask into RGBA pixels. */
function paintMask(pixels, width, height, counts, color) {
  let index = 0;
  for (let r = 0; r < counts.length; r += 1) {
    const run = counts[r];
    if (r % 2 === 1) {
      for (let i = index; i < index + run; i += 1) {
        const x = Math.floor(i / height);
        const y = i - x * height;
        const o = (y * width + x) * 4;
        for (let ch = 0; ch < 3; ch += 1) pixels[o + ch] = (pixels[o + ch] + color[ch] * 1.5) / 2.5;
      }
    }
    index += run;
  }
}

async function loadBackground(file) {
  try {
    return await createImageBitmap(file);
  } catch {
    return null; // e.g. TIFF, which browsers do not decode
  }
}

/** Draws the shown result with the instances at or above the slider's score. */
function render() {
  if (!shown) return;
  const threshold = minScore();
  $('min-score-value').textContent = threshold.toFixed(2);
  const kept = shown.result.instances
    .map((inst, i) => ({ inst, color: colorOf(i) }))
    .filter(({ inst }) => inst.score >= threshold);
  drawResult(shown.result, shown.background, kept);
  setState(
    'done',
    `${shown.name}: ${kept.length} of ${shown.result.instances.length} instance(s) at score ≥ ${threshold.toFixed(2)}.`,
  );
}

function drawResult(result, background, kept) {
  const { width, height } = result.image;
  const canvas = $('overlay');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d');
  if (background) ctx.drawImage(background, 0, 0, width, height);
  else {
    ctx.fillStyle = '#333';
    ctx.fillRect(0, 0, width, height);
  }
  const image = ctx.getImageData(0, 0, width, height);
  const rows = [];
  kept.forEach(({ inst, color }) => {
    const counts = countsFromString(inst.mask.counts);
    paintMask(image.data, width, height, counts, color);
    rows.push({ inst, color, area: countsArea(counts) });
  });
  ctx.putImageData(image, 0, 0);
  ctx.lineWidth = Math.max(2, Math.round(width / 400));
  ctx.font = `${Math.max(12, Math.round(width / 60))}px sans-serif`;
  rows.forEach(({ inst, color }) => {
    const [x, y, w, h] = inst.bbox;
    ctx.strokeStyle = `rgb(${color.join(',')})`;
    ctx.strokeRect(x, y, w, h);
    const text = `${inst.label} ${inst.score.toFixed(2)}`;
    ctx.fillStyle = 'rgba(0,0,0,0.7)';
    ctx.fillRect(x, Math.max(0, y - 20), ctx.measureText(text).width + 8, 20);
    ctx.fillStyle = '#fff';
    ctx.fillText(text, x + 4, Math.max(14, y - 5));
  });
  fillTable(rows, result);
}

function fillTable(rows, result) {
  const body = $('instances').querySelector('tbody');
  body.replaceChildren();
  rows.forEach(({ inst, color, area }, i) => {
    const tr = document.createElement('tr');
    const cells = [
      String(i + 1),
      inst.label,
      inst.score.toFixed(3),
      String(area),
      inst.bbox.map((v) => Math.round(v)).join(', '),
    ];
    cells.forEach((value, c) => {
      const td = document.createElement('td');
      if (c === 1) {
        const swatch = document.createElement('span');
        swatch.className = 'swatch';
        swatch.style.background = `rgb(${color.join(',')})`;
        td.append(swatch);
      }
      td.append(value);
      if (c === 0 || c >= 2) td.className = 'num';
      tr.append(td);
    });
    body.append(tr);
  });
  const t = result.timings;
  $('instances-caption').textContent =
    `${rows.length} of ${result.instances.length} instance${result.instances.length === 1 ? '' : 's'} in ${result.image.width}×${result.image.height}` +
    ` — infer ${t.inferMs.toFixed(0)} ms, total model time ${(t.decodeMs + t.preprocessMs + t.inferMs + t.postprocessMs).toFixed(0)} ms`;
}

/** What went wrong with `name`, in words for a person; the code stays for reference. */
async function errorText(name, response) {
  let code = '';
  let message = response.statusText;
  try {
    const body = await response.json();
    if (body && body.error) ({ code, message } = body.error);
  } catch {
    /* not JSON */
  }
  const ref = `(${response.status}${code ? ` ${code}` : ''})`;
  switch (code) {
    case 'UNSUPPORTED_MEDIA_TYPE':
      return `${name} is not an image this server reads: choose a JPEG, PNG, TIFF or WebP file ${ref}.`;
    case 'PAYLOAD_TOO_LARGE':
      return `${name} is larger than this server accepts ${ref}: ${message}.`;
    case 'UNAUTHORIZED':
      return `${name} was not sent: this server asks for an API token; enter it below ${ref}.`;
    case 'OVERLOADED':
    case 'QUEUE_TIMEOUT':
    case 'NOT_READY':
      return `${name}: the server is busy; try again in a moment ${ref}.`;
    default:
      return `${name}: ${message} ${ref}.`;
  }
}

async function predict(file) {
  $('error').hidden = true;
  if (file.size > limits.maxImageBytes) {
    showError(
      `${file.name} is ${file.size} bytes; this server accepts at most ${limits.maxImageBytes}.`,
    );
    return;
  }
  setState('working', `Segmenting ${file.name}…`);
  const url = `/predict?min_score=${REQUEST_MIN_SCORE}`;
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { ...authHeaders(), 'content-type': file.type || 'application/octet-stream' },
      body: file,
    });
    if (!response.ok) return showError(await errorText(file.name, response));
    const result = await response.json();
    let background = await loadBackground(file);
    if (!background) {
      // The browser cannot show this format: let the server draw the overlay (at the
      // slider's score then; moving the slider later redraws only this page's masks).
      const png = await fetch(
        `/predict?min_score=${encodeURIComponent(String(minScore()))}&format=png`,
        {
          method: 'POST',
          headers: { ...authHeaders(), 'content-type': file.type || 'application/octet-stream' },
          body: file,
        },
      );
      if (png.ok) background = await createImageBitmap(await png.blob());
    }
    shown = { name: file.name, result, background };
    $('result').hidden = false;
    render();
  } catch (err) {
    showError(`${file.name}: the request failed: ${err.message}`);
  }
}

// "Try a sample": the demo model's own pictures (GET /samples/), one after another.
let samples = [];
let nextSample = 0;

function loadSamples() {
  fetch('/samples/')
    .then((r) => (r.ok ? r.json() : { samples: [] }))
    .then((body) => {
      samples = body.samples || [];
      $('sample-button').hidden = samples.length === 0;
    })
    .catch(() => {
      $('sample-button').hidden = true;
    });
}

async function trySample() {
  const sample = samples[nextSample % samples.length];
  nextSample += 1;
  const response = await fetch(sample.url);
  if (!response.ok) return showError(await errorText(sample.name, response));
  const blob = await response.blob();
  await predict(new File([blob], sample.name, { type: blob.type || 'image/png' }));
}

function loadInfo() {
  fetch('/v1/info', { headers: authHeaders() })
    .then((r) => {
      if (r.status === 401) throw new Error('unauthorized');
      return r.json();
    })
    .then((info) => {
      limits = info.limits || limits;
      if (info.limits) {
        $('min-score').value = String(info.limits.defaultMinScore);
        $('min-score-value').textContent = Number(info.limits.defaultMinScore).toFixed(2);
        render();
      }
      const m = info.model;
      $('model-line').textContent = m
        ? `model ${m.name} (${m.adapter}, ${m.backend}${m.demo ? ', demo shapes model' : ''}) · ${m.classCount} classes · v${info.version}`
        : 'the model is still loading';
    })
    .catch((err) => {
      $('model-line').textContent =
        err.message === 'unauthorized'
          ? 'this server asks for an API token: enter it below'
          : 'model information unavailable';
    });
}

function init() {
  setState('idle', '');
  const token = $('api-token');
  token.value = sessionStorage.getItem(TOKEN_KEY) || '';
  token.addEventListener('change', () => {
    if (token.value.trim()) sessionStorage.setItem(TOKEN_KEY, token.value.trim());
    else sessionStorage.removeItem(TOKEN_KEY);
    loadInfo();
  });
  // Enter in a field must not submit the form (a GET navigation away from the page).
  $('upload-form').addEventListener('submit', (e) => e.preventDefault());
  loadInfo();
  loadSamples();
  $('sample-button').addEventListener('click', () => void trySample());
  $('min-score').addEventListener('input', render);

  const input = $('file-input');
  input.addEventListener('change', () => input.files[0] && predict(input.files[0]));
  const zone = $('drop-zone');
  zone.addEventListener('dragover', (e) => {
    e.preventDefault();
    zone.classList.add('dragging');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('dragging'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('dragging');
    const file = e.dataTransfer.files[0];
    if (file) predict(file);
  });
}

init();
