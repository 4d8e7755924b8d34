/** JSON schemas shared by routes: they drive validation, serialization and /docs. */
export const errorSchema = {
  $id: 'Error',
  type: 'object',
  description: 'Every error: a stable machine-readable code and a message for people.',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', examples: ['PAYLOAD_TOO_LARGE'] },
        message: { type: 'string' },
      },
    },
  },
} as const;

export const errorRef = { $ref: 'Error#' } as const;
