import multipart from '@fastify/multipart';
import fp from 'fastify-plugin';
import { MULTIPART_LIMITS, RAW_IMAGE_TYPES } from '../http/upload-format';

/**
 * How uploads are parsed; the route then takes the image with readImage
 * (http/read-image.ts). Raw bodies of the four image types (and
 * application/octet-stream) are buffered by Fastify up to `maxImageBytes`,
 * counted while streaming, so a missing or lying Content-Length or a chunked
 * body is cut off at the limit (413) instead of being buffered. Multipart
 * uploads stream through busboy with the same per-file limit.
 *
 * The declared type only chooses the parser: the image format is taken from the
 * bytes' magic (probeImage), so a PNG labelled image/jpeg is served, and a GIF
 * labelled image/png is refused with 415 like any other unsupported format.
 */
export const imageBodyPlugin = fp(
  async (app) => {
    const { maxImageBytes } = app.config;
    // No JSON or text bodies anywhere in this API: their default parsers would let
    // a JSON body reach /predict as an object instead of a 415.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser(
      [...RAW_IMAGE_TYPES],
      { parseAs: 'buffer', bodyLimit: maxImageBytes },
      (_request, body, done) => done(null, body),
    );
    await app.register(multipart, {
      limits: { fileSize: maxImageBytes, ...MULTIPART_LIMITS },
    });
  },
  { name: 'image-body', fastify: '5.x', dependencies: ['serving'] },
);
