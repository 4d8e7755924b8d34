import { ErrorCode, InferenceApiError, overloaded } from '../../src/errors';
import { classifyError } from '../../src/http/classify-error';

const MAX = 1000;
const framework = (code: string, statusCode: number, message = 'framework says no') =>
  Object.assign(new Error(message), { code, statusCode });

describe('classifyError', () => {
  it('keeps the code, status and message of a client error', () => {
    expect(
      classifyError(new InferenceApiError(ErrorCode.IMAGE_TOO_MANY_PIXELS, 'too many'), MAX),
    ).toMatchObject({ code: 'IMAGE_TOO_MANY_PIXELS', status: 422, message: 'too many' });
  });

  it('keeps 503 messages and their Retry-After hint', () => {
    const err = overloaded('busy', { reason: 'overloaded', retryAfterSeconds: 7 });
    expect(classifyError(err, MAX)).toEqual({
      code: 'OVERLOADED',
      status: 503,
      message: 'busy',
      retryAfterSeconds: 7,
      reason: 'overloaded',
    });
  });

  it('hides the message of a server-side failure but keeps its code', () => {
    const err = new InferenceApiError(ErrorCode.INFERENCE_FAILED, 'worker exited (code 134) at /x');
    expect(classifyError(err, MAX)).toMatchObject({
      code: 'INFERENCE_FAILED',
      status: 500,
      message: 'internal error',
    });
  });

  it('maps framework limits and media-type errors to stable codes', () => {
    expect(classifyError(framework('FST_ERR_CTP_BODY_TOO_LARGE', 413), MAX)).toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
      status: 413,
      message: 'the upload is larger than the server accepts (1000 bytes)',
    });
    expect(classifyError(framework('FST_REQ_FILE_TOO_LARGE', 413), MAX)).toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
    });
    expect(classifyError(framework('FST_ERR_CTP_INVALID_MEDIA_TYPE', 415), MAX)).toMatchObject({
      code: 'UNSUPPORTED_MEDIA_TYPE',
      status: 415,
    });
  });

  it('turns other framework 4xx into INVALID_REQUEST and validation errors into 400', () => {
    expect(
      classifyError(framework('FST_ERR_CTP_INVALID_CONTENT_LENGTH', 400, 'length mismatch'), MAX),
    ).toMatchObject({ code: 'INVALID_REQUEST', status: 400, message: 'length mismatch' });
    const validation = Object.assign(new Error('querystring/min_score must be <= 1'), {
      validation: [{}],
      statusCode: 400,
    });
    expect(classifyError(validation, MAX)).toMatchObject({
      code: 'INVALID_REQUEST',
      status: 400,
      message: 'querystring/min_score must be <= 1',
    });
  });

  it('answers anything else with a bare INTERNAL 500', () => {
    for (const err of [
      new Error('ENOENT /etc/secret'),
      'a string',
      undefined,
      { statusCode: 502 },
    ]) {
      expect(classifyError(err, MAX)).toEqual({
        code: 'INTERNAL',
        status: 500,
        message: 'internal error',
        reason: 'internal',
      });
    }
  });
});
