import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import type { PaintedImage } from '@maskops/demo-model';
import { encodeShapesImage, paintShapes } from '@maskops/demo-model';
import type { Instance } from '../../src/inference/types';
import { truncatedTiff } from '../fixtures/images';
import { expectShapesFound } from '../inference/shape-match';
import { startServer, type ServerProcess } from './server-process';

/*
 * Memory follows the model, not the upload, measured on the built server as it
 * runs in a pod: a real `node dist/main.js`, its peak RSS (VmHWM, reset through
 * /proc/PID/clear_refs before each upload) read from /proc. Needs `pnpm build`
 * and Linux.
 */
jest.setTimeout(240_000);

const MiB = 1024;
const PEAK_BUDGET_MIB = 300;
const SETTLED_BUDGET_MIB = 150;
// The side each demo model works at: MAX_INPUT_SIDE's default, Matterport's IMAGE_MAX_DIM.
const MODELS = {
  'tf-od-api': { env: {}, workingSide: 1333 },
  matterport: {
    env: { MODEL_PATH: join(__dirname, '..', '..', 'models', 'shapes-matterport') },
    workingSide: 1024,
  },
} as const;

let hugePng: Buffer;
let bigJpeg: Buffer;
let painted: PaintedImage;
let paintedPng: Buffer;
beforeAll(async () => {
  // 6300×6300 = 39.7 Mpx, under MAX_IMAGE_PIXELS: a few hundred KiB that decode to 119 MiB of RGB.
  hugePng = await encodeShapesImage(
    paintShapes({ width: 6300, height: 6300, seed: 63, count: 8 }),
    'png',
  );
  bigJpeg = await encodeShapesImage(
    paintShapes({ width: 6000, height: 4500, seed: 60, count: 8 }),
    'jpeg',
    90,
  );
  painted = paintShapes({ width: 4000, height: 3000, seed: 40, count: 6 });
  paintedPng = await encodeShapesImage(painted, 'png');
});

const statusMib = (pid: number, field: 'VmRSS' | 'VmHWM'): number => {
  const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(
    readFileSync(`/proc/${pid}/status`, 'utf8'),
  );
  return Number(match![1]) / MiB;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Answer {
  status: number;
  headers: Headers;
  body: Buffer;
  peakGrowthMib: number;
}

/** One upload; the peak is measured from the RSS just before it (clear_refs resets VmHWM). */
async function post(s: ServerProcess, idleMib: number, body: Buffer, query = ''): Promise<Answer> {
  const pid = s.child.pid!;
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
  const res = await fetch(`${s.url}/predict${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream' },
    body,
  });
  const answer = Buffer.from(await res.arrayBuffer());
  return {
    status: res.status,
    headers: res.headers,
    body: answer,
    peakGrowthMib: statusMib(pid, 'VmHWM') - idleMib,
  };
}

describe.each(Object.entries(MODELS))('node dist/main.js with the %s demo model', (_n, model) => {
  let s: ServerProcess;
  let idleMib: number;
  beforeAll(async () => {
    s = await startServer({ ...model.env });
    await s.waitFor((l) => l['message'] === 'model loaded and warmed: ready');
    await sleep(1000);
    idleMib = statusMib(s.child.pid!, 'VmRSS');
  });
  afterAll(() => {
    if (s.child.exitCode === null) s.child.kill('SIGKILL');
  });

  it('refuses a truncated TIFF declaring 6000×6000 with 400 IMAGE_UNDECODABLE, cheaply', async () => {
    const a = await post(s, idleMib, truncatedTiff(6000, 6000));
    expect(a.status).toBe(400);
    expect(JSON.parse(a.body.toString())).toMatchObject({
      error: { code: 'IMAGE_UNDECODABLE' },
    });
    expect(a.peakGrowthMib).toBeLessThanOrEqual(PEAK_BUDGET_MIB);
  });

  it.each([
    ['a 6300×6300 PNG', () => hugePng, [6300, 6300]],
    ['a 6000×4500 JPEG', () => bigJpeg, [6000, 4500]],
  ])('answers %s within the memory budget, in original pixels', async (_what, body, size) => {
    const a = await post(s, idleMib, body());
    expect(a.status).toBe(200);
    const answer = JSON.parse(a.body.toString()) as {
      image: { width: number; height: number };
      instances: Instance[];
    };
    expect([answer.image.width, answer.image.height]).toEqual(size);
    expect(answer.instances.length).toBeGreaterThan(0);
    for (const i of answer.instances) expect(i.mask.size).toEqual([size[1], size[0]]);
    expect(a.peakGrowthMib).toBeLessThanOrEqual(PEAK_BUDGET_MIB);
  });

  it('finds painted shapes on a 4000×3000 image at their original boxes and masks', async () => {
    const a = await post(s, idleMib, paintedPng);
    expect(a.status).toBe(200);
    const answer = JSON.parse(a.body.toString()) as { instances: Instance[] };
    // Boxes are as good as the model's at its working size: within 3 working pixels.
    expectShapesFound(painted.shapes, answer.instances, Math.ceil((3 * 4000) / model.workingSide));
  });

  it('is back within 150 MiB of idle RSS a few seconds after those answers', async () => {
    await sleep(3000);
    expect(statusMib(s.child.pid!, 'VmRSS') - idleMib).toBeLessThanOrEqual(SETTLED_BUDGET_MIB);
  });

  it('draws the overlay of a 6300×6300 PNG at MAX_OVERLAY_SIDE, saying the scale', async () => {
    const a = await post(s, idleMib, hugePng, '?format=png');
    expect(a.status).toBe(200);
    expect(a.headers.get('x-overlay-scale')).toBe(String(Number((4096 / 6300).toFixed(6))));
    const meta = await sharp(a.body).metadata();
    expect([meta.width, meta.height]).toEqual([4096, 4096]);
    expect(a.peakGrowthMib).toBeLessThanOrEqual(PEAK_BUDGET_MIB);
  });

  it('a small image gets no X-Overlay-Scale', async () => {
    const a = await post(s, idleMib, paintedPng, '?format=png');
    expect(a.status).toBe(200);
    expect(a.headers.get('x-overlay-scale')).toBeNull();
  });
});
