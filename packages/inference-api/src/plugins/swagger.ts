import swagger from '@fastify/swagger';
import fp from 'fastify-plugin';
import { PREDICT_PATH } from '../routes/predict/predict-path';
import { VERSION } from '../version';
import { IMAGE_FIELD, RAW_IMAGE_TYPES } from '../http/upload-format';

/**
 * The OpenAPI document is generated from the route schemas. Image bodies are
 * not JSON-validated (a Buffer), so the /predict request body is described here.
 */
export const swaggerPlugin = fp(
  async (app) => {
    const binary = { schema: { type: 'string', format: 'binary' } };
    await app.register(swagger, {
      openapi: {
        openapi: '3.0.3',
        info: {
          title: 'maskops inference-api',
          description:
            'Mask R-CNN instance segmentation over HTTP. Errors are {"error":{"code","message"}}.',
          version: VERSION,
        },
        // API_TOKENS_FILE: Swagger UI's Authorize button then sends the bearer token.
        ...(app.config.apiTokens && {
          components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
          security: [{ bearer: [] }],
        }),
      },
      refResolver: {
        buildLocalReference: (json, _baseUri, fragment, i) =>
          typeof json.$id === 'string' ? json.$id : `${fragment}-${i}`,
      },
      transformObject: (doc) => {
        const spec = 'openapiObject' in doc ? doc.openapiObject : undefined;
        const post = spec?.paths?.[PREDICT_PATH]?.post as Record<string, unknown> | undefined;
        if (post) {
          post['requestBody'] = {
            required: true,
            content: {
              ...Object.fromEntries(RAW_IMAGE_TYPES.map((t) => [t, binary])),
              'multipart/form-data': {
                schema: {
                  type: 'object',
                  required: [IMAGE_FIELD],
                  properties: { [IMAGE_FIELD]: { type: 'string', format: 'binary' } },
                },
              },
            },
          };
        }
        return spec ?? {};
      },
    });
  },
  { name: 'swagger', fastify: '5.x', dependencies: ['serving'] },
);
