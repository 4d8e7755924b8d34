// maskops upload page: post an image to /predict, draw the returned RLE masks over it
// on a canvas, and list the instances. A plain browser ES module; the RLE string
// decoder is the server's own (src/masks/rle-codec.ts, served compiled).
import { countsArea, countsFromString } from '/static/rle-codec.js';

const COLORS = [
  [230, 25, 75],
  [60, 180, 75],
  [0, 130, 200],
  [255, 225, 25],
  [245, 130, 48],
  [145, 30, 180],
  [70, 240, 240],
  [240, 50, 230],
];

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

function showError(text) {
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

function drawResult(result, background) {
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
  result.instances.forEach((inst, i) => {
    const color = COLORS[i % COLORS.length];
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
    `${rows.length} instance${rows.length === 1 ? '' : 's'} in ${result.image.width}×${result.image.height}` +
    ` — infer ${t.inferMs.toFixed(0)} ms, total model time ${(t.decodeMs + t.preprocessMs + t.inferMs + t.postprocessMs).toFixed(0)} ms`;
}

async function errorText(response) {
  try {
    const body = await response.json();
    if (body && body.error) return `${response.status} ${body.error.code}: ${body.error.message}`;
  } catch {
    /* not JSON */
  }
  return `${response.status} ${response.statusText}`;
}

async function predict(file) {
  $('error').hidden = true;
  if (file.size > limits.maxImageBytes) {
    showError(
      `The file is ${file.size} bytes; this server accepts at most ${limits.maxImageBytes}.`,
    );
    return;
  }
  setState('working', `Segmenting ${file.name}…`);
  const minScore = $('min-score').value || '0.5';
  const url = `/predict?min_score=${encodeURIComponent(minScore)}`;
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { ...authHeaders(), 'content-type': file.type || 'application/octet-stream' },
      body: file,
    });
    if (!response.ok) return showError(await errorText(response));
    const result = await response.json();
    let background = await loadBackground(file);
    if (!background) {
      // The browser cannot show this format: let the server draw the overlay.
      const png = await fetch(`${url}&format=png`, {
        method: 'POST',
        headers: { ...authHeaders(), 'content-type': file.type || 'application/octet-stream' },
        body: file,
      });
      if (png.ok) background = await createImageBitmap(await png.blob());
    }
    $('result').hidden = false;
    drawResult(result, background);
    setState('done', `${file.name}: ${result.instances.length} instance(s).`);
  } catch (err) {
    showError(`Request failed: ${err.message}`);
  }
}

function loadInfo() {
  fetch('/v1/info', { headers: authHeaders() })
    .then((r) => {
      if (r.status === 401) throw new Error('unauthorized');
      return r.json();
    })
    .then((info) => {
      limits = info.limits || limits;
      if (info.limits) $('min-score').value = String(info.limits.defaultMinScore);
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
