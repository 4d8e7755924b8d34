import type { ServingConfig } from './config';
import type { InferenceQueue } from './plugins/inference-queue';
import type { Lifecycle } from './plugins/lifecycle';
import type { ServingMetrics } from './plugins/metrics';
import type { UploadBudget } from './plugins/upload-budget';

/** What routes need from the app, passed explicitly instead of Fastify decorators. */
export interface ServingContext {
  config: ServingConfig;
  lifecycle: Lifecycle;
  queue: InferenceQueue;
  uploads: UploadBudget;
  metrics: ServingMetrics;
}
