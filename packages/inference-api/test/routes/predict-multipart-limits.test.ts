import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { encodeShapesImage, paintShapes } from '@maskops/demo-model';
import { DEFAULT_MODEL_PATH } from '../../src/config';
import type { WorkerInferenceEngine } from '../../src/inference/engine';
import { MULTIPART_ALLOWANCE_BYTES } from '../../src/http/upload-format';
import { multipartBody, type Part } from '../fixtures/images';
import { openSocket, readAnswer } from '../fixtures/raw-http';
import { startRealApp } from '../fixtures/real-app';

/*
 * A multipart body is budgeted as a whole (preamble, part headers, parts,
 * epilogue: MAX_IMAGE_BYTES plus a small allowance), and each busboy limit
 * answers with its own code and a message naming it. Real server, real socket,
 * chunked bodies (no Content-Length to refuse early), the demo model behind it.
 */
const MAX_IMAGE_BYTES = 200_000;
const BUDGET = MAX_IMAGE_BYTES + MULTIPART_ALLOWANCE_BYTES;
const BOUNDARY = 'maskops-limit-boundary';
let app: FastifyInstance;
let engine: WorkerInferenceEngine;
let port: number;
let png: Buffer;

beforeAll(async () => {
  png = await encodeShapesImage(paintShapes({ width: 160, height: 120, seed: 3, count: 1 }), 'png');
  ({ app, engine } = await startRealApp(
    { modelPath: DEFAULT_MODEL_PATH },
    { maxImageBytes: MAX_IMAGE_BYTES },
  ));
  await app.listen({ port: 0, host: '127.0.0.1' });
  port = (app.server.address() as AddressInfo).port;
}, 60_000);
afterAll(async () => {
  await app?.close();
  await engine?.close();
});

/** Sends `body` chunked, 16 KiB a chunk, and reads the answer (the server may stop reading). */
async function postChunked(body: Buffer) {
  const socket = await openSocket(port);
  const answer = readAnswer(socket);
  socket.write(
    'POST /predict HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n' +
      `Content-Type: multipart/form-data; boundary=${BOUNDARY}\r\n\r\n`,
  );
  for (let at = 0; at < body.length && !socket.destroyed; at += 16_384) {
    const chunk = body.subarray(at, at + 16_384);
    const ok = socket.write(`${chunk.length.toString(16)}\r\n`);
    socket.write(chunk);
    socket.write('\r\n');
    if (!ok) await new Promise((r) => setTimeout(r, 1));
  }
  if (!socket.destroyed) socket.write('0\r\n\r\n');
  const r = await answer;
  socket.destroy();
  return { ...r, json: JSON.parse(r.body) as { error?: { code: string; message: string } } };
}

const form = (parts: Part[]) => multipartBody(parts, BOUNDARY).payload;
const imagePart: Part = { name: 'image', filename: 'a.png', type: 'image/png', data: '' };

describe('multipart limits, each its own', () => {
  it('serves a form within the budget', async () => {
    const r = await postChunked(
      form([
        { ...imagePart, data: png },
        { name: 'note', data: 'hi' },
      ]),
    );
    expect(r.status).toBe(200);
  });

  it.each([
    ['a preamble', (b: Buffer) => Buffer.concat([Buffer.alloc(BUDGET, 'p'), b])],
    ['an epilogue', (b: Buffer) => Buffer.concat([b, Buffer.alloc(BUDGET, 'e')])],
  ])('refuses %s that passes the whole-body budget with BODY_TOO_LARGE', async (_, wrap) => {
    const r = await postChunked(wrap(form([{ ...imagePart, data: png }])));
    expect(r.status).toBe(413);
    expect(r.json.error).toEqual({
      code: 'BODY_TOO_LARGE',
      message: expect.stringContaining(`(${BUDGET} bytes: MAX_IMAGE_BYTES plus room`),
    });
    expect(r.headers['connection']).toBe('close');
  });

  it('refuses a declared Content-Length over the budget before reading it', async () => {
    const r = await app.inject({
      method: 'POST',
      url: '/predict',
      headers: {
        'content-type': `multipart/form-data; boundary=${BOUNDARY}`,
        'content-length': String(BUDGET + 1),
      },
      payload: Buffer.alloc(BUDGET + 1),
    });
    expect(r.statusCode).toBe(413);
    expect(r.json<{ error: { code: string } }>().error.code).toBe('BODY_TOO_LARGE');
  });

  it.each([
    [
      'too many fields',
      () => Array.from({ length: 17 }, (_, i): Part => ({ name: `f${i}`, data: 'x' })),
      'TOO_MANY_FIELDS',
      'the multipart body has more than 16 text fields',
    ],
    [
      'too many files',
      () => Array.from({ length: 5 }, (_, i): Part => ({ ...imagePart, name: `x${i}`, data: 'x' })),
      'TOO_MANY_PARTS',
      'the multipart body has more than 4 files',
    ],
    [
      'a field too large',
      () => [{ name: 'note', data: 'n'.repeat(2000) }],
      'FIELD_TOO_LARGE',
      'the multipart text field "note" is larger than 1024 bytes',
    ],
    [
      'an image over MAX_IMAGE_BYTES',
      () => [{ ...imagePart, data: Buffer.alloc(MAX_IMAGE_BYTES + 1) }],
      'PAYLOAD_TOO_LARGE',
      `the upload is larger than the server accepts (${MAX_IMAGE_BYTES} bytes)`,
    ],
  ])('answers %s with its own code and message', async (_, parts, code, message) => {
    const r = await postChunked(form([...parts(), { ...imagePart, data: png }]));
    expect(r.status).toBe(413);
    expect(r.json.error).toEqual({ code, message });
  });
});
