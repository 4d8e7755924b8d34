/**
 * kubectl's typed clients (`kubectl create namespace`, …) send built-in objects as
 * Kubernetes protobuf (`application/vnd.kubernetes.protobuf`): the magic `k8s\0`, then a
 * `runtime.Unknown` { 1: TypeMeta { 1: apiVersion, 2: kind }, 2: raw object }. Every
 * object message starts with `1: ObjectMeta` { 1: name, 3: namespace, 11: labels,
 * 12: annotations }. The stand-in decodes exactly that much, and so only kinds whose
 * body is nothing but metadata (Namespace); any other kind is refused naming it, never
 * stored half-read.
 */
import { HttpError } from '../http-util';

export const PROTOBUF_CONTENT_TYPE = 'application/vnd.kubernetes.protobuf';
const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);
const METADATA_ONLY_KINDS = new Set(['Namespace']);

type Fields = Map<number, Buffer[]>;

/** The length-delimited fields of one message (varint fields are skipped). */
function fields(buf: Buffer): Fields {
  const out: Fields = new Map();
  let i = 0;
  const varint = (): number => {
    let v = 0;
    let shift = 0;
    for (;;) {
      if (i >= buf.length) throw new Error('truncated varint');
      const b = buf[i++];
      v += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return v;
      shift += 7;
    }
  };
  while (i < buf.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    const wire = key % 8;
    if (wire === 0) varint();
    else if (wire === 2) {
      const len = varint();
      if (i + len > buf.length) throw new Error('truncated field');
      const list = out.get(field) ?? [];
      list.push(buf.subarray(i, i + len));
      out.set(field, list);
      i += len;
    } else if (wire === 1) i += 8;
    else if (wire === 5) i += 4;
    else throw new Error(`unsupported wire type ${wire}`);
  }
  return out;
}

const text = (f: Fields, n: number): string | undefined => f.get(n)?.[0]?.toString('utf8');

function stringMap(entries: Buffer[] | undefined): Record<string, string> | undefined {
  if (!entries?.length) return undefined;
  const map: Record<string, string> = {};
  for (const entry of entries) {
    const e = fields(entry);
    map[text(e, 1) ?? ''] = text(e, 2) ?? '';
  }
  return map;
}

/** The object a protobuf body holds, as its JSON form, for the kinds above. */
export function decodeProtobufObject(body: Buffer): Record<string, unknown> {
  if (!body.subarray(0, 4).equals(MAGIC)) {
    throw new HttpError(400, 'protobuf body without the k8s magic prefix', 'BadRequest');
  }
  let unknown: Fields;
  let meta: Fields;
  try {
    unknown = fields(body.subarray(4));
    const typeMeta = fields(unknown.get(1)?.[0] ?? Buffer.alloc(0));
    const kind = text(typeMeta, 2) ?? '';
    if (!METADATA_ONLY_KINDS.has(kind)) {
      throw new HttpError(
        415,
        `localcloud decodes protobuf bodies only for ${[...METADATA_ONLY_KINDS].join(', ')}; got ${kind || 'no kind'} (send JSON)`,
        'UnsupportedMediaType',
      );
    }
    const raw = fields(unknown.get(2)?.[0] ?? Buffer.alloc(0));
    meta = fields(raw.get(1)?.[0] ?? Buffer.alloc(0));
    const labels = stringMap(meta.get(11));
    const annotations = stringMap(meta.get(12));
    const namespace = text(meta, 3);
    return {
      apiVersion: text(typeMeta, 1),
      kind,
      metadata: {
        name: text(meta, 1),
        ...(namespace ? { namespace } : {}),
        ...(labels ? { labels } : {}),
        ...(annotations ? { annotations } : {}),
      },
    };
  } catch (err) {
    if (err instanceof HttpError) throw err;
    throw new HttpError(400, `protobuf body: ${(err as Error).message}`, 'BadRequest');
  }
}
