import { MaskopsError } from './errors';

/**
 * A container image reference with an explicit registry host:
 * `host[:port]/path[:tag][@sha256:<64 hex>]`, following the distribution
 * reference grammar but stricter: the host is mandatory (no implicit Docker Hub),
 * repository paths are lowercase, only sha256 digests are accepted, and anything
 * with whitespace or control characters is refused outright.
 */
export interface ImageRef {
  /** Registry host, with port if any, e.g. `us-central1-docker.pkg.dev`. */
  readonly host: string;
  /** Path below the host, e.g. `project/repo/image`. */
  readonly path: string;
  /** `host/path`, what the deployer's `IMAGE` setting names. */
  readonly repository: string;
  readonly tag?: string;
  /** `sha256:<64 lowercase hex>` */
  readonly digest?: string;
}

export class ImageRefError extends MaskopsError {
  constructor(message: string, input: string) {
    super('IMAGE_REF_INVALID', message, { details: { input: input.slice(0, 300) } });
  }
}

const MAX_NAME_LENGTH = 255;
const DOMAIN_COMPONENT = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/;
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
// Anything a reference must never contain: whitespace, controls, DEL, non-ASCII.
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\s\u0000-\u001f\u007f-\uffff]/;

function parseHost(host: string, input: string): void {
  const colon = host.lastIndexOf(':');
  const name = colon === -1 ? host : host.slice(0, colon);
  if (colon !== -1) {
    const port = host.slice(colon + 1);
    if (!/^\d{1,5}$/.test(port) || Number(port) > 65535 || Number(port) === 0) {
      throw new ImageRefError(`invalid registry port "${port}"`, input);
    }
  }
  const parts = name.split('.');
  if (!parts.every((p) => DOMAIN_COMPONENT.test(p))) {
    throw new ImageRefError(`invalid registry host "${host}"`, input);
  }
  // A first component without a dot or port would be a Docker Hub namespace, not a host.
  if (parts.length < 2 && colon === -1 && name !== 'localhost') {
    throw new ImageRefError(`missing registry host in "${input}"`, input);
  }
}

export function parseImageRef(input: string): ImageRef {
  if (typeof input !== 'string' || input.length === 0) {
    throw new ImageRefError('empty image reference', String(input));
  }
  if (FORBIDDEN.test(input)) {
    throw new ImageRefError(
      'image reference contains whitespace, control or non-ASCII characters',
      input,
    );
  }
  let rest = input;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw new ImageRefError(`invalid digest "${digest}"`, input);
  }
  const slash = rest.indexOf('/');
  if (slash === -1) throw new ImageRefError(`missing registry host in "${input}"`, input);
  const host = rest.slice(0, slash);
  let path = rest.slice(slash + 1);
  let tag: string | undefined;
  const lastColon = path.lastIndexOf(':');
  if (lastColon !== -1) {
    tag = path.slice(lastColon + 1);
    path = path.slice(0, lastColon);
    if (!TAG.test(tag)) throw new ImageRefError(`invalid tag "${tag}"`, input);
  }
  parseHost(host, input);
  if (path.length === 0) throw new ImageRefError('empty repository path', input);
  for (const component of path.split('/')) {
    if (!PATH_COMPONENT.test(component)) {
      throw new ImageRefError(`invalid repository path component "${component}"`, input);
    }
  }
  const repository = `${host}/${path}`;
  if (repository.length > MAX_NAME_LENGTH) {
    throw new ImageRefError(`repository name longer than ${MAX_NAME_LENGTH} characters`, input);
  }
  return Object.freeze({
    host,
    path,
    repository,
    ...(tag === undefined ? {} : { tag }),
    ...(digest === undefined ? {} : { digest }),
  });
}

/** A repository for the `IMAGE` setting: a reference with neither tag nor digest. */
export function parseRepository(input: string): string {
  const ref = parseImageRef(input);
  if (ref.tag !== undefined || ref.digest !== undefined) {
    throw new ImageRefError('expected a repository without tag or digest', input);
  }
  return ref.repository;
}

/** The canonical string: digest wins over tag, since it is what actually runs. */
export function formatImageRef(ref: Pick<ImageRef, 'repository' | 'tag' | 'digest'>): string {
  if (ref.digest) return `${ref.repository}@${ref.digest}`;
  if (ref.tag) return `${ref.repository}:${ref.tag}`;
  return ref.repository;
}
