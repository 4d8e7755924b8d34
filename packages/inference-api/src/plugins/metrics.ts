import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { InferenceEngine } from '../inference/types';
import { PREDICT_PATH } from '../routes/predict/predict-path';
import {
  MetricLabel,
  modelGenerationLabel,
  PredictMetric,
  PredictOutcome,
  Track,
} from '@maskops/shared';

/*
 * Prometheus metrics of one app, in its own Registry (tests build many apps in
 * one process; the global registry would collide).
 */

// Latency buckets, seconds: health checks take well under 1 ms, a large image several seconds.
const LATENCY_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
// The canary's rank and tail tests compare these histograms bin by bin, so they are
// finer than the general ones (about 1.25-1.5x apart from 50 ms to 5 s). Every bound of
// earlier releases is kept: a canary is compared with a stable build on the bounds both have.
// A predict never answers in under 5 ms.
const PREDICT_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.75, 1, 1.25, 1.5, 2, 2.5,
  3, 4, 5, 7.5, 10, 15, 30,
];
// Every count up to 10, then coarser; le="0" counts the images where nothing was found.
const INSTANCE_BUCKETS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 14, 16, 20, 24, 32, 48, 64, 100];
// 0 = nothing found; then steps of 0.05.
const SCORE_BUCKETS = Array.from({ length: 21 }, (_, i) => i / 20);

/** The labels that tell a canary's pods from the stable ones' (and one build or model from another). */
interface ServingIdentity {
  track: Track;
  /** MASKOPS_BUILD_ID; `unknown` when the image was built without one. */
  build: string;
  /** The pinned manifest generation of MODEL_PATH; '' (no label to PromQL) for any other path. */
  model: string;
}
type IdentityLabel = keyof ServingIdentity;

export interface ServingMetrics {
  registry: Registry;
  requests: Counter<'method' | 'route' | 'status_code'>;
  requestDuration: Histogram<'method' | 'route' | 'status_code'>;
  stageDuration: Histogram<'stage'>;
  queueDepth: Gauge;
  inFlight: Gauge;
  queueStanding: Gauge;
  queueStateChanges: Counter<'state'>;
  uploadBytes: Gauge;
  rejected: Counter<'reason'>;
  identity: ServingIdentity;
  predictRequests: Counter<IdentityLabel | 'outcome'>;
  predictAcceptedDuration: Histogram<IdentityLabel>;
  instances: Histogram<IdentityLabel>;
  topScore: Histogram<IdentityLabel>;
  outputsDropped: Counter<'reason'>;
  truncated: Counter;
  modelLoadSeconds: Gauge;
  modelWarmupSeconds: Gauge;
  modelInfo: Gauge<'model' | 'adapter' | 'backend' | 'format' | 'demo'>;
}

interface MetricsOptions {
  defaultMetrics?: boolean;
  track?: Track;
  build?: string;
  /** MODEL_PATH: its manifest generation is the `model` label (the deployer derives the same). */
  modelPath?: string;
}

function createMetrics(options: MetricsOptions = {}): ServingMetrics {
  const registry = new Registry();
  const identity: ServingIdentity = {
    track: options.track ?? Track.STABLE,
    build: options.build ?? 'unknown',
    model: modelGenerationLabel(options.modelPath ?? ''),
  };
  const identityLabels: IdentityLabel[] = [MetricLabel.TRACK, MetricLabel.BUILD, MetricLabel.MODEL];
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    requests: new Counter({
      name: 'maskops_http_requests_total',
      help: 'HTTP requests answered, by route template and status code.',
      labelNames: ['method', 'route', 'status_code'],
      registers,
    }),
    requestDuration: new Histogram({
      name: 'maskops_http_request_duration_seconds',
      help: 'Time from request received to response sent.',
      labelNames: ['method', 'route', 'status_code'],
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    stageDuration: new Histogram({
      name: 'maskops_inference_stage_duration_seconds',
      help: 'Time per inference stage: decode, preprocess, infer, postprocess, queue_wait.',
      labelNames: ['stage'],
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    queueDepth: new Gauge({
      name: 'maskops_inference_queue_depth',
      help: 'Requests waiting for the model.',
      registers,
    }),
    inFlight: new Gauge({
      name: 'maskops_inference_in_flight',
      help: 'Model executions running (0 or 1: the engine is serial).',
      registers,
    }),
    queueStanding: new Gauge({
      name: 'maskops_inference_queue_standing',
      help: '1 while the queue stands (admission held to QUEUE_TARGET_MS), 0 while it keeps emptying (MAX_QUEUE_WAIT_MS).',
      registers,
    }),
    queueStateChanges: new Counter({
      name: 'maskops_inference_queue_state_changes_total',
      help: 'Changes of the admission state, by the state entered (standing, draining).',
      labelNames: ['state'],
      registers,
    }),
    uploadBytes: new Gauge({
      name: 'maskops_upload_bytes_in_flight',
      help: 'Upload bytes reserved by /predict requests in progress (limit MAX_INFLIGHT_BYTES).',
      registers,
    }),
    rejected: new Counter({
      name: 'maskops_predict_rejected_total',
      help: 'Predict requests refused, by reason (overloaded, upload_budget, queue_timeout, client_closed, not_ready, or the error code).',
      labelNames: ['reason'],
      registers,
    }),
    identity,
    predictRequests: new Counter({
      name: PredictMetric.REQUESTS,
      help: 'Answers to /predict by outcome: ok, client_error, server_error, refused (any answer with Retry-After).',
      labelNames: [...identityLabels, MetricLabel.OUTCOME],
      registers,
    }),
    predictAcceptedDuration: new Histogram({
      name: PredictMetric.ACCEPTED_DURATION,
      help: 'Time from request received to response sent, for /predict answers that were not refused.',
      labelNames: identityLabels,
      buckets: PREDICT_BUCKETS,
      registers,
    }),
    instances: new Histogram({
      name: PredictMetric.INSTANCES,
      help: 'Instances returned per successful prediction.',
      labelNames: identityLabels,
      buckets: INSTANCE_BUCKETS,
      registers,
    }),
    topScore: new Histogram({
      name: PredictMetric.TOP_SCORE,
      help: 'Highest instance score per successful prediction; 0 when nothing was found.',
      labelNames: identityLabels,
      buckets: SCORE_BUCKETS,
      registers,
    }),
    outputsDropped: new Counter({
      name: 'maskops_model_outputs_dropped_total',
      help: 'Detections the model returned that were dropped before answering: non_finite (NaN or infinite box or score) or invalid (a class id the adapter cannot read).',
      labelNames: ['reason'],
      registers,
    }),
    truncated: new Counter({
      name: 'maskops_predict_truncated_total',
      help: 'Answers cut to MAX_INSTANCES instances (the highest scores kept).',
      registers,
    }),
    modelLoadSeconds: new Gauge({
      name: 'maskops_model_load_seconds',
      help: 'Time spent loading the model.',
      registers,
    }),
    modelWarmupSeconds: new Gauge({
      name: 'maskops_model_warmup_seconds',
      help: 'Time spent warming the model up.',
      registers,
    }),
    modelInfo: new Gauge({
      name: 'maskops_model_info',
      help: 'The loaded model (value 1).',
      labelNames: ['model', 'adapter', 'backend', 'format', 'demo'],
      registers,
    }),
  };
}

// The worker answers numTensors between predictions only; a scrape must not wait for one.
const TENSOR_QUERY_MS = 50;

export function recordEngine(metrics: ServingMetrics, engine: InferenceEngine): void {
  new Gauge({
    name: 'maskops_model_tensors',
    help: 'Live TF.js tensors in the inference worker (flat when nothing leaks); last known value while the model is busy.',
    registers: [metrics.registry],
    async collect() {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<undefined>(
        (r) => (timer = setTimeout(() => r(undefined), TENSOR_QUERY_MS)),
      );
      const n = await Promise.race([engine.numTensors().catch(() => undefined), late]);
      clearTimeout(timer);
      if (n !== undefined) this.set(n);
    },
  });
  metrics.modelLoadSeconds.set(engine.loadMs / 1000);
  metrics.modelWarmupSeconds.set(engine.warmupMs / 1000);
  const { name, adapter, backend, format, demo } = engine.info;
  metrics.modelInfo.set({ model: name, adapter, backend, format, demo: String(demo) }, 1);
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: ServingMetrics;
  }
}

/**
 * `app.metrics`, and every response counted and timed by route template (never
 * the raw URL: bounded cardinality).
 */
export const metricsPlugin = fp<MetricsOptions>(
  (app, options) => {
    const metrics = createMetrics(options);
    app.decorate('metrics', metrics);
    app.addHook('onResponse', (request, reply, done) => {
      observeRequest(metrics, request, reply);
      done();
    });
  },
  { name: 'metrics', fastify: '5.x' },
);

export function observeRequest(
  metrics: ServingMetrics,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  const labels = {
    method: request.method,
    route: request.routeOptions.url ?? 'unmatched',
    status_code: String(reply.statusCode),
  };
  metrics.requests.inc(labels);
  metrics.requestDuration.observe(labels, reply.elapsedTime / 1000);
  // A caller without a valid token says nothing about the build the canary analysis judges.
  if (labels.route === PREDICT_PATH && reply.statusCode !== 401) {
    observePredict(metrics, request, reply);
  }
}

function predictOutcome(reply: FastifyReply): PredictOutcome {
  if (reply.hasHeader('retry-after')) return PredictOutcome.REFUSED;
  if (reply.statusCode >= 500) return PredictOutcome.SERVER_ERROR;
  if (reply.statusCode >= 400) return PredictOutcome.CLIENT_ERROR;
  return PredictOutcome.OK;
}

/** The canary analysis' view of one finished /predict answer (see PredictOutcome). */
function observePredict(
  metrics: ServingMetrics,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  const { identity } = metrics;
  const outcome = predictOutcome(reply);
  metrics.predictRequests.inc({ ...identity, outcome });
  if (outcome === PredictOutcome.REFUSED) return;
  metrics.predictAcceptedDuration.observe(identity, reply.elapsedTime / 1000);
  // Set by the predict route on success (routes/predict/predict-route.ts).
  const stats = request.predictStats;
  if (outcome === PredictOutcome.OK && stats?.instances !== undefined) {
    metrics.instances.observe(identity, stats.instances);
    metrics.topScore.observe(identity, stats.topScore ?? 0);
  }
}
