import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
// Registers the pure-JS cpu backend, the last resort below.
import '@tensorflow/tfjs-backend-cpu';
import type { WorkerLogger } from '../logging/worker-log';
import { describeError } from '@maskops/shared';
import { modelInvalid } from '../errors';
import { Backend } from '../inference/types';
import { loadTfjsNode } from './tfjs-node';

/**
 * Picks the fastest TF.js backend that initialises here: native TensorFlow
 * (@tensorflow/tfjs-node, optional and often absent), then WebAssembly, then
 * the pure-JS cpu backend. A forced backend that fails is an error, never a
 * silent fallback: an operator who sets TFJS_BACKEND wants to know.
 */
export async function selectBackend(forced?: Backend, logger?: WorkerLogger): Promise<Backend> {
  const order: Backend[] = forced ? [forced] : [Backend.TENSORFLOW, Backend.WASM, Backend.CPU];
  const failures: string[] = [];
  for (const backend of order) {
    try {
      await initBackend(backend);
      logger?.info(`TF.js backend: ${backend}`, {
        backend,
        forced: forced !== undefined,
        skipped: failures,
      });
      return backend;
    } catch (err) {
      failures.push(`${backend}: ${describeError(err)}`);
      if (forced) {
        throw modelInvalid(
          `TFJS_BACKEND=${forced} could not be initialised: ${describeError(err)}`,
          { cause: err },
        );
      }
      logger?.debug(`TF.js backend ${backend} unavailable`, {
        backend,
        reason: describeError(err),
      });
    }
  }
  // cpu is pure JS and always registered, so reaching this means the install is broken.
  throw modelInvalid(`no TF.js backend could be initialised (${failures.join('; ')})`);
}

async function initBackend(backend: Backend): Promise<void> {
  switch (backend) {
    case Backend.TENSORFLOW:
      loadTfjsNode();
      if (!tf.findBackendFactory('tensorflow')) {
        // tfjs-node registered itself on another copy of tfjs-core (a mismatched install).
        throw new Error('@tensorflow/tfjs-node loaded but its backend is not registered');
      }
      break;
    case Backend.WASM:
      // Emscripten reads the .wasm files from disk in Node; threads need
      // SharedArrayBuffer workers that the Node build does not support.
      setWasmPaths(wasmDistDir() + '/');
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
      tf.env().set('WASM_HAS_SIMD_SUPPORT', true);
      break;
    case Backend.CPU:
      break;
  }
  if (!(await tf.setBackend(backend))) {
    throw new Error(`tf.setBackend('${backend}') returned false`);
  }
  await tf.ready();
  if (tf.getBackend() !== backend) {
    throw new Error(`active backend is ${tf.getBackend()}, not ${backend}`);
  }
}

function wasmDistDir(): string {
  return join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
}
