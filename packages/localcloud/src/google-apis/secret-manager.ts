import { isObj } from '@maskops/shared';
import { crc32c } from '../storage/crc32c';
import type { CloudState } from './cloud-state';
import { GoogleApiError, invalidArgument } from './api-error';
import { objectBody, ok, path } from './route';
import type { Route } from './route';
import { timestamp } from './timestamps';

const SECRET_ID = /^[A-Za-z0-9_-]{1,255}$/;

/**
 * Secret Manager v1: secrets (create, get), versions (add; access by number or
 * `latest`, the newest enabled one), with the payload's CRC32C, which gcloud checks.
 * The payloads stay in this process.
 */
export function secretManagerRoutes(state: CloudState): Route[] {
  const versions = (secret: string): Record<string, unknown>[] =>
    state
      .list(`${secret}/versions/`)
      .sort(
        (a, b) => Number(String(a.name).split('/').pop()) - Number(String(b.name).split('/').pop()),
      );
  return [
    {
      method: 'POST',
      path: path('/v1/projects/{}/secrets'),
      handle: (call, [p]) => {
        const id = call.query.get('secretId') ?? '';
        if (!SECRET_ID.test(id)) throw invalidArgument(`Invalid secret id: ${id}`);
        const body = objectBody(call);
        if (!isObj(body.replication)) throw invalidArgument('Secret.replication is required.');
        const name = `projects/${p}/secrets/${id}`;
        return ok(
          state.create(name, { ...body, name, createTime: timestamp(), etag: `"${Date.now()}"` }),
        );
      },
    },
    {
      method: 'GET',
      path: path('/v1/projects/{}/secrets/{}'),
      handle: (_c, [p, s]) => ok(state.require(`projects/${p}/secrets/${s}`)),
    },
    {
      method: 'POST',
      path: path('/v1/projects/{}/secrets/{}:addVersion'),
      handle: (call, [p, s]) => {
        const secret = `projects/${p}/secrets/${s}`;
        state.require(secret);
        const payload = objectBody(call).payload;
        const data = isObj(payload) && typeof payload.data === 'string' ? payload.data : undefined;
        if (data === undefined) throw invalidArgument('SecretPayload.data is required.');
        const bytes = Buffer.from(data, 'base64');
        const sent = isObj(payload) ? payload.dataCrc32c : undefined;
        if (
          (typeof sent === 'string' || typeof sent === 'number') &&
          String(sent) !== String(crc32c(bytes))
        ) {
          throw invalidArgument('Checksum mismatch: SecretPayload.data_crc32c.');
        }
        const name = `${secret}/versions/${versions(secret).length + 1}`;
        const version = { name, state: 'ENABLED', createTime: timestamp(), payloadData: data };
        state.put(name, version);
        return ok({ name, state: version.state, createTime: version.createTime });
      },
    },
    {
      method: 'GET',
      path: path('/v1/projects/{}/secrets/{}/versions/{}:access'),
      handle: (_c, [p, s, v]) => {
        const secret = `projects/${p}/secrets/${s}`;
        state.require(secret);
        const found =
          v === 'latest'
            ? versions(secret)
                .filter((x) => x.state === 'ENABLED')
                .at(-1)
            : state.get(`${secret}/versions/${v}`);
        if (!found) {
          throw new GoogleApiError(
            404,
            `Secret Version [${secret}/versions/${v}] not found.`,
            'NOT_FOUND',
          );
        }
        const data = String(found.payloadData);
        return ok({
          name: found.name,
          payload: { data, dataCrc32c: String(crc32c(Buffer.from(data, 'base64'))) },
        });
      },
    },
  ];
}
