import { invalidArgument } from '../google-apis/api-error';

/** The two parts of a `multipart/related` upload: JSON metadata, then the media. */
export function parseMultipartRelated(
  contentType: string,
  body: Buffer,
): { metadata: Record<string, unknown>; media: Buffer; mediaType?: string } {
  // Quoted with " as RFC 2045 says, or with ', as gcloud's Python email library writes it.
  const boundary = /boundary=(?:"([^"]+)"|'([^']+)'|([^";\s]+))/i
    .exec(contentType)
    ?.slice(1)
    .find(Boolean);
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
    // Lines end in CRLF as RFC 2046 says, or in a bare LF, as gcloud's uploads write them.
    const crlf = part.indexOf('\r\n\r\n');
    const lf = part.indexOf('\n\n');
    const [headerEnd, gap] = crlf >= 0 && (lf < 0 || crlf < lf) ? [crlf, 4] : [lf, 2];
    if (headerEnd < 0) return { type: undefined, content: Buffer.alloc(0), empty: true };
    const headers = part.subarray(0, headerEnd).toString('utf8');
    let content = part.subarray(headerEnd + gap);
    if (content.subarray(-2).toString() === '\r\n') content = content.subarray(0, -2);
    else if (content.subarray(-1).toString() === '\n') content = content.subarray(0, -1);
    return {
      type: /content-type:\s*([^\r\n]+)/i.exec(headers)?.[1]?.trim(),
      content,
      empty: false,
    };
  });
  const [meta, media] = parsed;
  if (!meta || !media || meta.empty || media.empty)
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
