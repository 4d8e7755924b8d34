import type { FastifyInstance } from 'fastify';
import { VERSION } from '../../version';

const infoSchema = {
  type: 'object',
  required: ['service', 'version', 'buildId', 'commitSha', 'ready', 'model', 'limits'],
  properties: {
    service: { type: 'string' },
    version: { type: 'string' },
    buildId: { type: ['string', 'null'], description: 'MASKOPS_BUILD_ID' },
    commitSha: { type: ['string', 'null'], description: 'MASKOPS_COMMIT_SHA' },
    ready: { type: 'boolean' },
    model: {
      type: ['object', 'null'],
      description: 'null while the model is loading',
      properties: {
        name: { type: 'string' },
        format: { type: 'string' },
        adapter: { type: 'string' },
        runtime: { type: 'string', enum: ['tfjs', 'onnxruntime'] },
        backend: {
          type: 'string',
          description: 'TF.js backend, or the ONNX Runtime execution provider (cpu)',
        },
        threads: {
          type: 'integer',
          description: 'ONNX Runtime intra-op threads per worker (ORT_INTRA_OP_THREADS)',
        },
        workers: {
          type: 'integer',
          description: 'inference worker threads, each with its own model (INFERENCE_WORKERS)',
        },
        classCount: { type: 'integer' },
        labels: {
          type: 'object',
          description: 'class id → name; ids not listed are reported as numbers',
          additionalProperties: { type: 'string' },
        },
        labelsSource: {
          type: 'object',
          description:
            'where the labels came from: MODEL_LABELS, labels.txt (in the model folder), maskops.json, coco (built in) or none',
          properties: { kind: { type: 'string' }, path: { type: 'string' } },
        },
        demo: { type: 'boolean' },
        loadMs: { type: 'number' },
        warmupMs: { type: 'number' },
      },
    },
    limits: {
      type: 'object',
      properties: {
        maxImageBytes: { type: 'integer' },
        maxImagePixels: { type: 'integer' },
        maxQueue: { type: 'integer' },
        maxQueueWaitMs: { type: 'integer' },
        queueTargetMs: { type: ['integer', 'string'], description: 'ms, or "auto"' },
        queueIntervalMs: { type: ['integer', 'string'], description: 'ms, or "auto"' },
        maxInflightBytes: { type: 'integer' },
        requestTimeoutMs: { type: 'integer' },
        defaultMinScore: { type: 'number' },
      },
    },
  },
} as const;

/** What is running here: service and build, the model, and the limits a client must respect. */
export function infoRoute(app: FastifyInstance): void {
  const { config, lifecycle } = app;
  app.get(
    '/v1/info',
    {
      schema: {
        summary: 'Service, build and model',
        tags: ['info'],
        response: { 200: infoSchema },
      },
    },
    () => {
      const engine = lifecycle.engineIfLoaded;
      return {
        service: 'maskops-inference-api',
        version: VERSION,
        buildId: config.buildId ?? null,
        commitSha: config.commitSha ?? null,
        ready: lifecycle.ready,
        model: engine
          ? {
              ...engine.info,
              labels: Object.fromEntries(engine.info.labels),
              loadMs: engine.loadMs,
              warmupMs: engine.warmupMs,
            }
          : null,
        limits: {
          maxImageBytes: config.maxImageBytes,
          maxImagePixels: config.maxImagePixels,
          maxQueue: config.maxQueue,
          maxQueueWaitMs: config.maxQueueWaitMs,
          queueTargetMs: config.queueTargetMs,
          queueIntervalMs: config.queueIntervalMs,
          maxInflightBytes: config.maxInflightBytes,
          requestTimeoutMs: config.requestTimeoutMs,
          defaultMinScore: config.defaultMinScore,
        },
      };
    },
  );
}
