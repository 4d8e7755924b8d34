import type { ImageProbe } from '../images/probe';
import type { StageTimings } from '../inference/types';

/**
 * What one /predict found out, on its request: the request's log line
 * (plugins/request-logging.ts) and the canary metrics (plugins/metrics.ts) both
 * read it, so neither parses the other's bag of fields.
 */
export interface PredictStats {
  queueWaitMs?: number;
  timings?: StageTimings;
  instances?: number;
  /** Highest instance score, 0 without instances (the canary analysis compares it). */
  topScore?: number;
  imageBytes?: number;
  image?: ImageProbe;
  errorCode?: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the predict route; null on every other request. */
    predictStats: PredictStats | null;
  }
}
