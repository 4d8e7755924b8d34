/**
 * The inference worker thread: loads the model, warms it, then answers
 * messages strictly one at a time (a promise chain), so the model never runs
 * two images at once and the main thread's event loop never runs it at all.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { workerLogSink } from '../logging/worker-log';
import { ModelHost } from './model-host';
import type { ModelConfig } from './model-config';
import type { FromWorker, ToWorker } from './worker-protocol';
import { serializeError } from './worker-protocol';

const port = parentPort;
if (!port) throw new Error('inference worker must run in a worker thread');

const post = (message: FromWorker, transfer: ArrayBuffer[] = []) =>
  port.postMessage(message, transfer);

// Log lines travel to the main thread as objects; its pino logger writes them.
const logger = workerLogSink((line) => post({ type: 'log', ...line }));

async function main(): Promise<void> {
  let host: ModelHost;
  try {
    host = await ModelHost.start(workerData as ModelConfig, logger);
  } catch (err) {
    post({ type: 'init-error', error: serializeError(err) });
    return;
  }
  post({ type: 'ready', info: host.info, loadMs: host.loadMs, warmupMs: host.warmupMs });

  let queue = Promise.resolve();
  port!.on('message', (message: ToWorker) => {
    queue = queue.then(() => handle(host, message));
  });
}

async function handle(host: ModelHost, message: ToWorker): Promise<void> {
  switch (message.type) {
    case 'num-tensors':
      post({ type: 'num-tensors', id: message.id, value: host.numTensors() });
      return;
    case 'predict':
      try {
        const prediction = await host.predict(message.image, message.options);
        const transfer: ArrayBuffer[] = [];
        if (prediction.overlayPng) {
          prediction.overlayPng = owning(prediction.overlayPng);
          transfer.push(prediction.overlayPng.buffer as ArrayBuffer);
        }
        post({ type: 'result', id: message.id, prediction }, transfer);
      } catch (err) {
        post({ type: 'error', id: message.id, error: serializeError(err) });
      }
      return;
  }
}

/**
 * A copy of the bytes in an ArrayBuffer of their own, which can then be transferred.
 * sharp's output is an external buffer owned by libvips: Node 24 refuses to transfer
 * it (DataCloneError), where Node 20 allowed it. One memcpy of a PNG is cheap next to
 * the model's time.
 */
function owning(bytes: Uint8Array): Uint8Array {
  return bytes.slice();
}

void main();
