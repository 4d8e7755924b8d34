import { readEach, type Env } from '@maskops/shared';
import { readAuthConfig, type AuthConfig } from './config/auth';
import { readImageLimitsConfig, type ImageLimitsConfig } from './config/images';
import { readModelSettings, type ModelSettings } from './config/model';
import { readProcessConfig, type ProcessConfig } from './config/process';
import { readQueueConfig, type QueueConfig } from './config/queue';
import { readServerConfig, type ServerConfig } from './config/server';
import { readShutdownConfig, type ShutdownConfig } from './config/shutdown';

export { DEFAULT_MODEL_PATH } from './config/model';
export { LogLevel } from './config/process';

/**
 * Every setting, read by concern (config/*.ts). The model half's share of it
 * (inference/model-config.ts) reaches the worker through modelConfigOf.
 */
export interface ServingConfig
  extends
    ServerConfig,
    AuthConfig,
    ImageLimitsConfig,
    QueueConfig,
    ShutdownConfig,
    ModelSettings,
    ProcessConfig {}

/**
 * Reads and validates every setting. Throws one ConfigError naming every bad
 * variable (a ConfigErrors when there are several), so a bad deploy is fixed in one go:
 * each concern's reader lists its own, and readEach here gathers them all, in this
 * order, each variable once.
 */
export function readConfig(env: Env = process.env): ServingConfig {
  const parts = readEach({
    server: () => readServerConfig(env),
    auth: () => readAuthConfig(env),
    images: () => readImageLimitsConfig(env),
    queue: () => readQueueConfig(env),
    shutdown: () => readShutdownConfig(env),
    model: () => readModelSettings(env),
    process: () => readProcessConfig(env),
  });
  return {
    ...parts.server,
    ...parts.auth,
    ...parts.images,
    ...parts.queue,
    ...parts.shutdown,
    ...parts.model,
    ...parts.process,
  };
}
