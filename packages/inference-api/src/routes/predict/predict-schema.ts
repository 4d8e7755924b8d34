import type { FastifySchemaValidationError } from 'fastify';
import { errorRef } from '../schemas';

export const PredictFormat = { JSON: 'json', PNG: 'png' } as const;
export type PredictFormat = (typeof PredictFormat)[keyof typeof PredictFormat];

export interface PredictQuery {
  /** A plain decimal in 0..1, as sent (the pattern below guarantees it). */
  min_score?: string;
  format?: PredictFormat;
}

/** Plain decimals from 0 to 1: 1, 1.0, 0, 0.5, .5, 00.25; not 1.5, 0x1, 1e0, -0, "". */
const MIN_SCORE_PATTERN = '^(?:0*1(?:\\.0*)?|0+(?:\\.\\d*)?|0*\\.\\d+)$';

/** Readable messages for the query checks (Ajv's would quote the pattern). */
export function predictSchemaErrors(
  errors: FastifySchemaValidationError[],
  dataVar: string,
): Error {
  const first = errors[0];
  const field = first?.instancePath.replace(/^\//, '') ?? '';
  if (first?.keyword === 'pattern' && field === 'min_score') {
    return new Error(`${dataVar}/min_score must be a plain decimal number from 0 to 1, like 0.5`);
  }
  if (first?.keyword === 'enum') {
    // Ajv's own text ("must be equal to one of the allowed values") does not say which.
    const allowed = (first.params as { allowedValues?: unknown[] }).allowedValues ?? [];
    return new Error(`${dataVar}/${field} must be one of: ${allowed.join(', ')}`);
  }
  return new Error(`${dataVar}${first?.instancePath ?? ''} ${first?.message ?? 'is invalid'}`);
}

const instanceSchema = {
  type: 'object',
  required: ['classId', 'label', 'score', 'bbox', 'mask'],
  properties: {
    classId: { type: 'integer', description: '1-based class id' },
    label: { type: 'string' },
    score: { type: 'number' },
    bbox: {
      type: 'array',
      description: '[x, y, width, height] in pixels of the original image',
      items: { type: 'number' },
      minItems: 4,
      maxItems: 4,
    },
    mask: {
      type: 'object',
      description: 'COCO compressed RLE (column-major), decodable by pycocotools.mask.decode',
      required: ['size', 'counts'],
      properties: {
        size: { type: 'array', items: { type: 'integer' }, description: '[height, width]' },
        counts: { type: 'string' },
      },
    },
  },
} as const;

const predictResponseSchema = {
  type: 'object',
  required: ['model', 'image', 'instances', 'timings'],
  properties: {
    model: {
      type: 'object',
      required: ['name', 'adapter', 'runtime', 'backend'],
      properties: {
        name: { type: 'string' },
        adapter: { type: 'string', enum: ['tf-od-api', 'matterport', 'torchvision'] },
        runtime: { type: 'string', enum: ['tfjs', 'onnxruntime'] },
        backend: {
          type: 'string',
          enum: ['tensorflow', 'wasm', 'cpu'],
          description: 'TF.js backend, or the ONNX Runtime execution provider (cpu)',
        },
      },
    },
    image: {
      type: 'object',
      required: ['width', 'height'],
      properties: { width: { type: 'integer' }, height: { type: 'integer' } },
    },
    instances: { type: 'array', items: instanceSchema },
    truncated: {
      type: 'boolean',
      description:
        'present (true) when the model found more instances than MAX_INSTANCES: the highest scores are kept',
    },
    timings: {
      type: 'object',
      required: ['decodeMs', 'preprocessMs', 'inferMs', 'postprocessMs'],
      properties: {
        decodeMs: { type: 'number' },
        preprocessMs: { type: 'number' },
        inferMs: { type: 'number' },
        postprocessMs: { type: 'number' },
      },
    },
  },
} as const;

export const predictSchema = {
  summary: 'Segment an image',
  description:
    'Body: the image bytes (Content-Type image/jpeg, image/png, image/tiff, image/webp or ' +
    'application/octet-stream; the format is read from the bytes) or multipart/form-data with ' +
    'a file field "image". One model execution runs at a time; when the wait queue is full ' +
    'the answer is 503 OVERLOADED with Retry-After. The Server-Timing header carries the ' +
    'queue, decode, preprocess, infer and postprocess times.',
  tags: ['inference'],
  querystring: {
    type: 'object',
    properties: {
      min_score: {
        // A string with a pattern, not a coerced number: coercion would take 0x1,
        // 1e0, Infinity-adjacent or empty values as numbers.
        type: 'string',
        pattern: MIN_SCORE_PATTERN,
        examples: ['0.5', '1', '.25'],
        description:
          'drop instances scoring below this: a plain decimal from 0 to 1 (no sign, exponent or hex); default DEFAULT_MIN_SCORE',
      },
      format: {
        type: 'string',
        enum: ['json', 'png'],
        default: 'json',
        description: 'json: instances with RLE masks; png: the image with masks drawn',
      },
    },
  },
  response: {
    200: {
      description: 'The instances found (format=json) or the overlay image (format=png)',
      content: {
        'application/json': { schema: predictResponseSchema },
        'image/png': { schema: { type: 'string', format: 'binary' } },
      },
    },
    400: { description: 'empty body, undecodable image, malformed request', ...errorRef },
    413: { description: 'larger than MAX_IMAGE_BYTES', ...errorRef },
    415: { description: 'not a JPEG, PNG, TIFF or WebP image', ...errorRef },
    422: { description: 'more pixels than MAX_IMAGE_PIXELS', ...errorRef },
    500: errorRef,
    503: {
      description: 'queue full, queue timeout, or model not ready; see Retry-After',
      ...errorRef,
    },
  },
} as const;
