import { MaskopsError } from '@maskops/shared';
import { ReplayExit } from './exit-codes';

/** Every error `maskops-replay` stops with (README "Replaying a build message"). */
export const ReplayErrorCode = {
  INPUT_INVALID: 'REPLAY_INPUT_INVALID',
  INPUT_TOO_LARGE: 'REPLAY_INPUT_TOO_LARGE',
  INPUT_EMPTY: 'REPLAY_INPUT_EMPTY',
  INPUT_NOT_JSON: 'REPLAY_INPUT_NOT_JSON',
  INPUT_UNREADABLE: 'REPLAY_INPUT_UNREADABLE',
  STDIN_TIMEOUT: 'REPLAY_STDIN_TIMEOUT',
  BUILD_ID_INVALID: 'REPLAY_BUILD_ID_INVALID',
  TIMEOUT: 'REPLAY_TIMEOUT',
  CLOUD_BUILD_UNREACHABLE: 'CLOUD_BUILD_UNREACHABLE',
  CLOUD_BUILD_ERROR: 'CLOUD_BUILD_ERROR',
  TOPIC_INVALID: 'REPLAY_TOPIC_INVALID',
  PROJECT_MISSING: 'REPLAY_PROJECT_MISSING',
  URL_INVALID: 'REPLAY_URL_INVALID',
  URL_UNREACHABLE: 'REPLAY_URL_UNREACHABLE',
  PUBLISH_FAILED: 'REPLAY_PUBLISH_FAILED',
} as const;
export type ReplayErrorCode = (typeof ReplayErrorCode)[keyof typeof ReplayErrorCode];

/** The exit code of each error: the one table the CLI and the README follow. */
export const REPLAY_EXIT: Readonly<Record<ReplayErrorCode, ReplayExit>> = {
  REPLAY_INPUT_INVALID: ReplayExit.USAGE,
  REPLAY_INPUT_TOO_LARGE: ReplayExit.USAGE,
  REPLAY_INPUT_EMPTY: ReplayExit.USAGE,
  REPLAY_INPUT_NOT_JSON: ReplayExit.USAGE,
  REPLAY_INPUT_UNREADABLE: ReplayExit.USAGE,
  REPLAY_STDIN_TIMEOUT: ReplayExit.STDIN_TIMEOUT,
  REPLAY_BUILD_ID_INVALID: ReplayExit.USAGE,
  REPLAY_TIMEOUT: ReplayExit.REQUEST_TIMEOUT,
  CLOUD_BUILD_UNREACHABLE: ReplayExit.FAILED,
  // A 404 is the usual case: a wrong id, project or region is an input error.
  CLOUD_BUILD_ERROR: ReplayExit.USAGE,
  REPLAY_TOPIC_INVALID: ReplayExit.USAGE,
  REPLAY_PROJECT_MISSING: ReplayExit.USAGE,
  REPLAY_URL_INVALID: ReplayExit.USAGE,
  REPLAY_URL_UNREACHABLE: ReplayExit.FAILED,
  REPLAY_PUBLISH_FAILED: ReplayExit.FAILED,
};

export class ReplayError extends MaskopsError {
  declare readonly code: ReplayErrorCode;
  readonly exitCode: ReplayExit;
  constructor(code: ReplayErrorCode, message: string, cause?: unknown) {
    super(code, message, cause === undefined ? {} : { cause });
    this.exitCode = REPLAY_EXIT[code];
  }
}

const reason = (err: unknown): string => (err instanceof Error ? err.message : String(err));
const seconds = (ms: number): string => `${ms / 1000} s`;

/** One factory per error, so each message is written once. */
export const replayError = {
  inputInvalid: (detail: string) => new ReplayError(ReplayErrorCode.INPUT_INVALID, detail),
  inputTooLarge: (where: string, max: number) =>
    new ReplayError(ReplayErrorCode.INPUT_TOO_LARGE, `${where} is larger than ${max} bytes`),
  inputEmpty: (where: string) => new ReplayError(ReplayErrorCode.INPUT_EMPTY, `${where} is empty`),
  inputNotJson: (where: string, err: unknown) =>
    new ReplayError(ReplayErrorCode.INPUT_NOT_JSON, `${where} is not JSON: ${reason(err)}`, err),
  inputUnreadable: (path: string, err: unknown) =>
    new ReplayError(ReplayErrorCode.INPUT_UNREADABLE, `cannot read ${path}: ${reason(err)}`, err),
  stdinTimeout: (timeoutMs: number) =>
    new ReplayError(
      ReplayErrorCode.STDIN_TIMEOUT,
      `no complete message on stdin after ${seconds(timeoutMs)}: pipe the JSON and close stdin, ` +
        'or give --file or --build-id (--stdin-timeout changes the wait)',
    ),
  buildIdInvalid: (buildId: string) =>
    new ReplayError(
      ReplayErrorCode.BUILD_ID_INVALID,
      `"${buildId.slice(0, 80)}" is not a Cloud Build id`,
    ),
  /** `hint` says what the user may do about it. */
  timeout: (origin: string, timeoutMs: number, hint = '') =>
    new ReplayError(
      ReplayErrorCode.TIMEOUT,
      `no answer from ${origin} within ${seconds(timeoutMs)} (--timeout)${hint}`,
    ),
  cloudBuildUnreachable: (endpoint: string, err: unknown) =>
    new ReplayError(
      ReplayErrorCode.CLOUD_BUILD_UNREACHABLE,
      `cannot reach ${endpoint}: ${reason(err)}`,
      err,
    ),
  cloudBuildError: (status: number, buildId: string, hint: string, text: string) =>
    new ReplayError(
      ReplayErrorCode.CLOUD_BUILD_ERROR,
      `Cloud Build API answered ${status} for build ${buildId}${hint}: ${text.slice(0, 200)}`,
    ),
  topicInvalid: (topic: string) =>
    new ReplayError(
      ReplayErrorCode.TOPIC_INVALID,
      `"${topic.slice(0, 80)}" is not a Pub/Sub topic name`,
    ),
  projectMissing: (topic: string) =>
    new ReplayError(
      ReplayErrorCode.PROJECT_MISSING,
      `topic "${topic}" needs --project (or PROJECT)`,
    ),
  urlInvalid: (detail: string) => new ReplayError(ReplayErrorCode.URL_INVALID, detail),
  urlUnreachable: (origin: string, err: unknown) =>
    new ReplayError(ReplayErrorCode.URL_UNREACHABLE, `cannot reach ${origin}: ${reason(err)}`, err),
  publishFailed: (topic: string, err: unknown) =>
    new ReplayError(
      ReplayErrorCode.PUBLISH_FAILED,
      `publishing to ${topic} failed: ${reason(err)}`,
      err,
    ),
} as const;
