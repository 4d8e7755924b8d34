import { invalidArgument } from '../google-apis/api-error';

/** The two parts of a `multipart/related` upload: JSON metadata, then the media. */
export function parseMultipartRelated(
  contentType: string,
  body: Buffer,
): { metadata: Record<string, unknown>; media: Buffer; mediaType?: string } {
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
  if (!boundary) throw invalidArgument('multipart upload without a boundary');
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Buffer[] = [];
  let start = body.indexOf(delimiter);
  while (start >= 0) {
    const from = start + delimiter.length;
    if (body.subarray(from, from + 2).toString() === '--') break;
    const next = body.indexOf(delimiter, from);
    if (next < 0) break;
    parts.push(body.subarray(from, next));
    start = next;
  }
  const parsed = parts.map((part) => {
    const headerEnd = part.indexOf('\r\n\r\n');
    const headers = part.subarray(0, headerEnd).toString('utf8');
    let content = part.subarray(headerEnd + 4);
    if (content.subarray(-2).toString() === '\r\n') content = content.subarray(0, -2);
    return { type: /content-type:\s*([^\r\n]+)/i.exec(headers)?.[1]?.trim(), content };
  });
  const [meta, media] = parsed;
  if (!meta || !media)
    throw invalidArgument('multipart upload needs a metadata part and a media part');
  let metadata: Record<string, unknown>;
  try {
    metadata = JSON.parse(meta.content.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw invalidArgument('multipart upload metadata is not JSON');
  }
  const out: { metadata: Record<string, unknown>; media: Buffer; mediaType?: string } = {
    metadata,
    media: media.content,
  };
  if (media.type) out.mediaType = media.type;
  return out;
}
