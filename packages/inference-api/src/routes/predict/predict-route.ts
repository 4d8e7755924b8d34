import type { FastifyInstance } from 'fastify';
import type { ServingContext } from '../../serving-context';
import type { Prediction } from '../../inference/types';
import type { PredictStats } from '../../plugins/request-logging';
import { readImage } from '../../plugins/image-body';
import { admitUpload } from '../../plugins/upload-budget';
import { Stage } from '../../plugins/metrics';
import { probeImage } from '../../images/probe';
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
export async function predictRoutes(app: FastifyInstance, ctx: ServingContext): Promise<void> {
  const { config, lifecycle, queue, uploads, metrics } = ctx;

  app.post<{ Querystring: PredictQuery }>(
    '/predict',
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
        admitUpload(uploads, request, reply, config.maxImageBytes);
      },
      schemaErrorFormatter: predictSchemaErrors,
    },
    async (request, reply) => {
      const stats: PredictStats = {};
      request.predictStats = stats;
      const engine = lifecycle.engine();
      const bytes = await readImage(request);
      stats.imageBytes = bytes.length;
      stats.image = await probeImage(bytes, config.maxImagePixels);

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
          () => engine.predict(bytes, { minScore, overlay: format === PredictFormat.PNG }),
          gone.signal,
        ));
      } finally {
        reply.raw.off('close', onClose);
      }

      const t = prediction.timings;
      stats.queueWaitMs = round(waitMs);
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
          `queue;dur=${round(waitMs)}`,
          `decode;dur=${round(t.decodeMs)}`,
          `preprocess;dur=${round(t.preprocessMs)}`,
          `infer;dur=${round(t.inferMs)}`,
          `postprocess;dur=${round(t.postprocessMs)}`,
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
      const { name, adapter, backend } = engine.info;
      return reply.type('application/json; charset=utf-8').send({
        model: { name, adapter, backend },
        image: prediction.image,
        instances: prediction.instances,
        timings: prediction.timings,
      });
    },
  );
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
