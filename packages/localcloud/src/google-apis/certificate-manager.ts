import { createHash } from 'node:crypto';
import { isObj } from '@maskops/shared';
import type { CloudState } from './cloud-state';
import { invalidArgument } from './api-error';
import { objectBody, ok, path } from './route';
import type { Route } from './route';
import { timestamp } from './timestamps';

type Obj = Record<string, unknown>;

const ID = /^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** What each collection checks in a create body; the references must exist. */
const KINDS: Record<
  string,
  { idParam: string; check: (parent: string, body: Obj, state: CloudState) => Obj }
> = {
  dnsAuthorizations: {
    idParam: 'dnsAuthorizationId',
    check: (_parent, body) => {
      if (typeof body.domain !== 'string' || body.domain === '') {
        throw invalidArgument('DnsAuthorization.domain is required.');
      }
      // The CNAME the domain's owner adds; its data is stable per domain here.
      const key = createHash('sha256').update(body.domain).digest('hex').slice(0, 12);
      return {
        dnsResourceRecord: {
          name: `_acme-challenge.${body.domain}.`,
          type: 'CNAME',
          data: `${key}.1.authorize.certificatemanager.goog.`,
        },
        type: 'FIXED_RECORD',
      };
    },
  },
  certificates: {
    idParam: 'certificateId',
    check: (_parent, body, state) => {
      const managed = isObj(body.managed) ? body.managed : undefined;
      const domains = managed?.domains;
      if (!Array.isArray(domains) || domains.length === 0) {
        throw invalidArgument(
          'Certificate.managed.domains is required (localcloud keeps managed certificates only).',
        );
      }
      const auths = Array.isArray(managed?.dnsAuthorizations) ? managed.dnsAuthorizations : [];
      for (const a of auths) state.require(String(a));
      // Issued once the DNS authorization's record resolves: never, here.
      return { managed: { ...managed, state: 'PROVISIONING' }, scope: body.scope ?? 'DEFAULT' };
    },
  },
  certificateMaps: { idParam: 'certificateMapId', check: () => ({}) },
  certificateMapEntries: {
    idParam: 'certificateMapEntryId',
    check: (parent, body, state) => {
      state.require(parent);
      const certs = body.certificates;
      if (!Array.isArray(certs) || certs.length === 0) {
        throw invalidArgument('CertificateMapEntry.certificates is required.');
      }
      for (const c of certs) state.require(String(c));
      if (typeof body.hostname !== 'string' && body.matcher === undefined) {
        throw invalidArgument('CertificateMapEntry needs a hostname or a matcher.');
      }
      return { state: 'ACTIVE' };
    },
  },
};

/**
 * Certificate Manager v1, what `setup.sh --exposure public --domain` creates: DNS
 * authorizations, Google-managed certificates, certificate maps and their entries
 * (create as a finished operation, get) and operations.
 */
export function certificateManagerRoutes(state: CloudState): Route[] {
  const create =
    (collection: string) =>
    (call: Parameters<Route['handle']>[0], params: string[]): ReturnType<Route['handle']> => {
      const [p = '', l = '', map] = params;
      const kind = KINDS[collection];
      if (!kind) throw invalidArgument(`Unknown collection ${collection}`);
      const id = call.query.get(kind.idParam) ?? '';
      if (!ID.test(id)) throw invalidArgument(`Invalid ${kind.idParam}: ${id}`);
      const location = `projects/${p}/locations/${l}`;
      const parent = map === undefined ? location : `${location}/certificateMaps/${map}`;
      const body = objectBody(call);
      const name = `${parent}/${collection}/${id}`;
      const now = timestamp();
      const resource = {
        ...body,
        ...kind.check(parent, body, state),
        name,
        createTime: now,
        updateTime: now,
      };
      state.create(name, resource);
      return ok(
        state.operation(location, {
          metadata: {
            '@type': 'type.googleapis.com/google.cloud.certificatemanager.v1.OperationMetadata',
            target: name,
            verb: 'create',
          },
          response: resource,
        }),
      );
    };
  const get = (collection: string, nested = false): Route => ({
    method: 'GET',
    path: path(
      `/v1/projects/{}/locations/{}/${nested ? 'certificateMaps/{}/' : ''}${collection}/{}`,
    ),
    handle: (_c, params) => {
      const [p, l, ...rest] = params;
      const tail = nested
        ? `certificateMaps/${rest[0]}/${collection}/${rest[1]}`
        : `${collection}/${rest[0]}`;
      return ok(state.require(`projects/${p}/locations/${l}/${tail}`));
    },
  });
  return [
    ...['dnsAuthorizations', 'certificates', 'certificateMaps'].flatMap((c) => [
      { method: 'POST', path: path(`/v1/projects/{}/locations/{}/${c}`), handle: create(c) },
      get(c),
    ]),
    {
      method: 'POST',
      path: path('/v1/projects/{}/locations/{}/certificateMaps/{}/certificateMapEntries'),
      handle: create('certificateMapEntries'),
    },
    get('certificateMapEntries', true),
    {
      method: 'GET',
      path: path('/v1/projects/{}/locations/{}/operations/{}'),
      handle: (_c, [p, l, o]) =>
        ok(state.requireOperation(`projects/${p}/locations/${l}/operations/${o}`)),
    },
  ];
}
