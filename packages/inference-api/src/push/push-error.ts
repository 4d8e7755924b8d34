import { MaskopsError } from '@maskops/shared';

/** maskops-model push's exit codes (README "Rolling out a new model without a rebuild"). */
export const PushExit = {
  OK: 0,
  /** An upload or the manifest write failed (or answered another checksum): nothing was published. */
  UPLOAD_FAILED: 1,
  /** Bad arguments. */
  USAGE: 2,
  /** The model does not open here with the real loader and adapters: nothing was uploaded. */
  MODEL_INVALID: 3,
} as const;
export type PushExit = (typeof PushExit)[keyof typeof PushExit];

const PushCode = {
  USAGE: 'PUSH_USAGE',
  MODEL_INVALID: 'PUSH_MODEL_INVALID',
  UPLOAD_FAILED: 'PUSH_UPLOAD_FAILED',
} as const;
type PushCode = (typeof PushCode)[keyof typeof PushCode];

const EXIT: Record<PushCode, PushExit> = {
  PUSH_USAGE: PushExit.USAGE,
  PUSH_MODEL_INVALID: PushExit.MODEL_INVALID,
  PUSH_UPLOAD_FAILED: PushExit.UPLOAD_FAILED,
};

export class PushError extends MaskopsError {
  declare readonly code: PushCode;

  get exitCode(): PushExit {
    return EXIT[this.code];
  }
}

export const pushUsage = (message: string): PushError => new PushError(PushCode.USAGE, message);

export const pushModelInvalid = (message: string, cause?: unknown): PushError =>
  new PushError(PushCode.MODEL_INVALID, message, { cause });

export const pushUploadFailed = (message: string, cause?: unknown): PushError =>
  new PushError(PushCode.UPLOAD_FAILED, message, { cause });
