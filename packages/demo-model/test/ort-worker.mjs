// ONNX Runtime (onnxruntime-node, CPU) for the tests, in a worker thread: its output
// tensors are typed arrays of Node's realm, which onnxruntime-common rejects inside
// jest's sandbox ("A float32 tensor's data must be type of Float32Array"). The
// inference worker of inference-api runs it the same way, outside jest.
// workerData: { model: Uint8Array, threads: number }. Messages in: { id, data, dims }
// (float32 `images`); out: { id, outputs: { name: { type, dims, data } } } or { id, error }.
import { parentPort, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';

const session = await ort.InferenceSession.create(workerData.model, {
  intraOpNumThreads: workerData.threads,
  interOpNumThreads: 1,
  graphOptimizationLevel: 'all',
});
parentPort.postMessage({
  ready: true,
  inputNames: session.inputNames,
  outputNames: session.outputNames,
});

parentPort.on('message', async ({ id, data, dims }) => {
  try {
    const results = await session.run({ images: new ort.Tensor('float32', data, dims) });
    const outputs = {};
    const buffers = new Set();
    for (const name of session.outputNames) {
      const { type, dims: shape, data: values } = results[name];
      outputs[name] = { type, dims: [...shape], data: values };
      buffers.add(values.buffer);
    }
    parentPort.postMessage({ id, outputs }, [...buffers]);
  } catch (error) {
    parentPort.postMessage({ id, error: String(error?.message ?? error) });
  }
});
