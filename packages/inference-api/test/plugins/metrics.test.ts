import type { FastifyInstance } from 'fastify';
import { encodeShapesImage, paintShapes } from '@maskops/demo-model';
import { PredictMetric } from '@maskops/shared';
import { buildApp } from '../../src/app';
import { createInferenceEngine, type WorkerInferenceEngine } from '../../src/inference/engine';
import type { Prediction, PredictOptions } from '../../src/inference/types';
import { GatedEngine } from '../fixtures/gated-engine';
import { solidImage } from '../fixtures/images';
import { testConfig } from '../fixtures/test-config';
import { modelConfigOf } from '../../src/inference/model-config';

/** The part of a /predict JSON answer these tests read. */
type Body = { instances: Array<{ score: number }> };

/*
 * The /predict metrics the deployer's canary analysis queries, read back from the
 * real app's /metrics text after answers of every outcome. Successful answers come
 * from the REAL engine on the demo model (needs `pnpm build`); refusals and the 500
 * from the gated fixture, which holds the model busy or fails on demand.
 */
const CANARY = { track: 'canary', build: 'build-7' } as const;
// The demo model's MODEL_PATH is local: no manifest generation, so `model` is ''.
const sel = (extra = ''): string => `{${extra}track="canary",build="build-7",model=""}`;

const counted = (outcome: string, n: number): string =>
  `maskops_predict_requests_total{track="canary",build="build-7",model="",outcome="${outcome}"} ${n}`;

function post(app: FastifyInstance, payload: Buffer, type = 'image/jpeg') {
  return app.inject({
    method: 'POST',
    url: '/predict',
    headers: { 'content-type': type },
    payload,
  });
}

async function metricLines(app: FastifyInstance, name: string): Promise<string[]> {
  const text = (await app.inject('/metrics')).body;
  return text.split('\n').filter((l) => l.startsWith(name));
}

/** A model that fails: the one 5xx without Retry-After, so the build's own fault. */
class FailingEngine extends GatedEngine {
  override predict(_image: Uint8Array, _options: PredictOptions): Promise<Prediction> {
    return Promise.reject(new Error('the graph failed'));
  }
}

describe('with the real engine', () => {
  let engine: WorkerInferenceEngine;
  let app: FastifyInstance;
  beforeAll(async () => {
    const config = testConfig({ track: 'canary', buildId: 'build-7' });
    engine = await createInferenceEngine({ model: modelConfigOf(config) });
    app = await buildApp({ config, engine, logger: false, defaultMetrics: false });
  });
  afterAll(async () => {
    await app?.close();
    await engine?.close();
  });

  it('counts ok and client_error answers, their latency, instances and top score per image', async () => {
    const painted = paintShapes({ width: 320, height: 240, seed: 5, count: 3 });
    const shapes = await post(app, await encodeShapesImage(painted, 'jpeg'));
    expect(shapes.statusCode).toBe(200);
    expect(shapes.json<Body>().instances).toHaveLength(3);
    const topScore = Math.max(...shapes.json<Body>().instances.map((i) => i.score));
    const blank = await post(app, await solidImage('png'), 'image/png');
    expect(blank.statusCode).toBe(200);
    expect(blank.json<Body>().instances).toHaveLength(0);
    const bad = await post(app, Buffer.from('not an image'));
    expect(bad.statusCode).toBe(415);

    const requests = await metricLines(app, 'maskops_predict_requests_total');
    expect(requests).toEqual([counted('ok', 2), counted('client_error', 1)]);
    // Both answers and the 415 are accepted (not refused): three latencies.
    expect(await metricLines(app, 'maskops_predict_accepted_duration_seconds_count')).toEqual([
      `maskops_predict_accepted_duration_seconds_count${sel()} 3`,
    ]);
    // Instances per successful image: 3 and 0.
    const instances = await metricLines(app, 'maskops_predict_instances');
    expect(instances).toContain(`maskops_predict_instances_sum${sel()} 3`);
    expect(instances).toContain(`maskops_predict_instances_count${sel()} 2`);
    expect(instances).toContain(`maskops_predict_instances_bucket${sel('le="0",')} 1`);
    // Top score: the blank image counts as 0, the shapes as their best score.
    const scores = await metricLines(app, 'maskops_predict_top_score');
    // le="0" holds the images where nothing was found (the canary's catastrophe check).
    expect(scores).toContain(`maskops_predict_top_score_bucket${sel('le="0",')} 1`);
    expect(scores).toContain(`maskops_predict_top_score_bucket${sel('le="0.1",')} 1`);
    expect(scores).toContain(`maskops_predict_top_score_bucket${sel('le="1",')} 2`);
    expect(scores).toContain(`maskops_predict_top_score_count${sel()} 2`);
    const sum = Number(scores.find((l) => l.includes('_sum'))!.split(' ')[1]);
    expect(sum).toBeCloseTo(topScore, 6);
    expect(topScore).toBeGreaterThan(0.5);
  });
});

describe('refusals and failures', () => {
  const config = testConfig({ track: CANARY.track, buildId: CANARY.build, maxQueue: 0 });

  it('counts every answer with Retry-After as refused, without latency; a failing model as server_error', async () => {
    const png = await solidImage('png');
    // Not ready: the model is still loading.
    const loading = await buildApp({
      config,
      engine: new Promise<never>(() => undefined),
      logger: false,
      defaultMetrics: false,
    });
    const notReady = await post(loading, png, 'image/png');
    expect(notReady.statusCode).toBe(503);
    expect(notReady.headers['retry-after']).toBeDefined();
    expect(await metricLines(loading, 'maskops_predict_requests_total')).toEqual([
      counted('refused', 1),
    ]);
    expect(await metricLines(loading, 'maskops_predict_accepted_duration_seconds_count')).toEqual(
      [],
    );
    await loading.close();

    // Overloaded: the model is busy and MAX_QUEUE is 0.
    const gated = new GatedEngine(true);
    const busy = await buildApp({ config, engine: gated, logger: false, defaultMetrics: false });
    const first = post(busy, png, 'image/png');
    await gated.started(1);
    const overloaded = await post(busy, png, 'image/png');
    expect(overloaded.statusCode).toBe(503);
    expect(overloaded.json<{ error: { code: string } }>().error.code).toBe('OVERLOADED');
    gated.releaseAll();
    expect((await first).statusCode).toBe(200);
    expect(await metricLines(busy, 'maskops_predict_requests_total')).toEqual([
      counted('refused', 1),
      counted('ok', 1),
    ]);
    expect(await metricLines(busy, 'maskops_predict_accepted_duration_seconds_count')).toEqual([
      `maskops_predict_accepted_duration_seconds_count${sel()} 1`,
    ]);
    await busy.close();

    const failing = await buildApp({
      config,
      engine: new FailingEngine(false),
      logger: false,
      defaultMetrics: false,
    });
    const failed = await post(failing, png, 'image/png');
    expect(failed.statusCode).toBe(500);
    expect(failed.headers['retry-after']).toBeUndefined();
    expect(await metricLines(failing, 'maskops_predict_requests_total')).toEqual([
      counted('server_error', 1),
    ]);
    // A failed prediction has no instances to count.
    expect(await metricLines(failing, 'maskops_predict_instances_count')).toEqual([]);
    await failing.close();
  });

  it('labels a pod without MASKOPS_TRACK and MASKOPS_BUILD_ID as stable, build unknown', async () => {
    const app = await buildApp({
      config: testConfig(),
      engine: new GatedEngine(false),
      logger: false,
      defaultMetrics: false,
    });
    expect((await post(app, await solidImage('png'), 'image/png')).statusCode).toBe(200);
    expect(await metricLines(app, 'maskops_predict_top_score_bucket{le="0.9"')).toEqual([
      'maskops_predict_top_score_bucket{le="0.9",track="stable",build="unknown",model=""} 1',
    ]);
    await app.close();
  });

  it('labels every /predict series with the pinned manifest generation of MODEL_PATH', async () => {
    const app = await buildApp({
      config: testConfig({
        track: 'canary',
        buildId: 'b-9',
        modelPath: 'gs://models/m/shapes/maskops-model.json#1712345678901234',
      }),
      engine: new GatedEngine(false),
      logger: false,
      defaultMetrics: false,
    });
    expect((await post(app, await solidImage('png'), 'image/png')).statusCode).toBe(200);
    expect((await post(app, Buffer.from('not an image'), 'text/plain')).statusCode).toBe(415);
    const text = (await app.inject('/metrics')).body;
    const series = text
      .split('\n')
      .filter((l) => Object.values(PredictMetric).some((name) => l.startsWith(name)));
    expect(series.length).toBeGreaterThan(4);
    for (const line of series) {
      expect(line).toContain('track="canary",build="b-9",model="1712345678901234"');
    }
    expect(series).toContain(
      'maskops_predict_requests_total{track="canary",build="b-9",model="1712345678901234",outcome="client_error"} 1',
    );
    await app.close();
  });
});
