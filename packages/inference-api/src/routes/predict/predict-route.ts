import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Prediction } from '../../inference/types';
import { readImage } from '../../http/read-image';
import { probeImage } from '../../images/probe';
import type { PredictStats } from '../../serving/predict-stats';
import { Stage } from '../../serving/stage';
import { roundMs } from '../../util/timing';
import { admitUpload } from './admit-upload';
import { PREDICT_PATH } from './predict-path';
import {
  PredictFormat,
  predictSchema,
  predictSchemaErrors,
  type PredictQuery,
} from './predict-schema';

/**
 * POST /predict. Order matters: a queue whose expected wait is too long, or an
 * upload byte budget that this body would overrun, refuses before the body is
 * read; the body is read under its size limit; the header is probed (format,
 * pixel count) before the request may queue, so bad uploads and pixel bombs are
 * refused at once and never hold a queue slot.
 */
export function predictRoutes(app: FastifyInstance): void {
  // Each admitted request's queue reservation, from onRequest to the handler.
  const admissions = new WeakMap<FastifyRequest, () => void>();
  const { config, lifecycle, queue, uploads, metrics } = app;

  app.post<{ Querystring: PredictQuery }>(
    PREDICT_PATH,
    {
      schema: predictSchema,
      // Refuse before reading the body: the upload is neither received nor
      // buffered, and the connection is not reused.
      onRequest: async (request, reply) => {
        const refused = queue.refusal();
        if (refused) {
          reply.header('connection', 'close');
          throw refused;
        }
        // Admitted: counted as queued work from now on, not only once its body is in.
        const release = queue.reserve();
        admissions.set(request, release);
        reply.raw.once('close', release);
        reply.raw.once('finish', release);
        admitUpload(uploads, request, reply, config.maxImageBytes);
      },
      schemaErrorFormatter: predictSchemaErrors,
    },
    async (request, reply) => {
      const stats: PredictStats = {};
      request.predictStats = stats;
      const engine = lifecycle.engine();
      const bytes = await readImage(request, config.maxImageBytes);
      stats.imageBytes = bytes.length;
      // The one read of the header: the worker gets it with the bytes.
      const probe = await probeImage(bytes, config.maxImagePixels);
      stats.image = probe;

      const format = request.query.format ?? PredictFormat.JSON;
      // The schema's pattern admits plain decimals in 0..1 only, so Number() is exact here.
      const minScore =
        request.query.min_score === undefined
          ? config.defaultMinScore
          : Number(request.query.min_score);

      // A client that goes away while queued gives up its place.
      const gone = new AbortController();
      const onClose = (): void => {
        if (!reply.raw.writableEnded) gone.abort();
      };
      reply.raw.once('close', onClose);
      let prediction: Prediction;
      let waitMs: number;
      try {
        ({ value: prediction, waitMs } = await queue.run(
          () => engine.predict(bytes, { minScore, overlay: format === PredictFormat.PNG, probe }),
          gone.signal,
          admissions.get(request),
        ));
      } finally {
        reply.raw.off('close', onClose);
      }

      const { outputs } = prediction;
      lifecycle.outputs.record(outputs);
      if (outputs.nonFinite > 0)
        metrics.outputsDropped.inc({ reason: 'non_finite' }, outputs.nonFinite);
      if (outputs.invalid > 0) metrics.outputsDropped.inc({ reason: 'invalid' }, outputs.invalid);
      if (outputs.truncated > 0) {
        metrics.truncated.inc();
        reply.header('x-instances-truncated', String(outputs.truncated));
      }
      const t = prediction.timings;
      stats.queueWaitMs = roundMs(waitMs);
      stats.timings = t;
      stats.instances = prediction.instances.length;
      stats.topScore = prediction.instances.reduce((top, i) => Math.max(top, i.score), 0);
      metrics.stageDuration.observe({ stage: Stage.QUEUE_WAIT }, waitMs / 1000);
      metrics.stageDuration.observe({ stage: Stage.DECODE }, t.decodeMs / 1000);
      metrics.stageDuration.observe({ stage: Stage.PREPROCESS }, t.preprocessMs / 1000);
      metrics.stageDuration.observe({ stage: Stage.INFER }, t.inferMs / 1000);
      metrics.stageDuration.observe({ stage: Stage.POSTPROCESS }, t.postprocessMs / 1000);

      reply.header(
        'server-timing',
        [
          `queue;dur=${roundMs(waitMs)}`,
          `decode;dur=${roundMs(t.decodeMs)}`,
          `preprocess;dur=${roundMs(t.preprocessMs)}`,
          `infer;dur=${roundMs(t.inferMs)}`,
          `postprocess;dur=${roundMs(t.postprocessMs)}`,
        ].join(', '),
      );
      reply.header('x-instance-count', String(prediction.instances.length));

      if (format === PredictFormat.PNG) {
        if (!prediction.overlayPng) throw new Error('the engine returned no overlay');
        // Boxes and masks are in original pixels; this maps them onto the drawn image.
        if (prediction.overlayScale !== undefined) {
          reply.header('x-overlay-scale', String(prediction.overlayScale));
        }
        return reply.type('image/png').send(Buffer.from(prediction.overlayPng));
      }
      const { name, adapter, runtime, backend } = engine.info;
      return reply.type('application/json; charset=utf-8').send({
        model: { name, adapter, runtime, backend },
        image: prediction.image,
        instances: prediction.instances,
        ...(outputs.truncated > 0 ? { truncated: true } : {}),
        timings: prediction.timings,
      });
    },
  );
}
