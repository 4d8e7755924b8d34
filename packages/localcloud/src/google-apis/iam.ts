import { createHash } from 'node:crypto';
import type { CloudState } from './cloud-state';
import { invalidArgument } from './api-error';
import { objectBody, ok, path } from './route';
import type { Route } from './route';
import { policyRoutes } from './policy-routes';

/** `projects/-/serviceAccounts/E` and `projects/P/serviceAccounts/E` name one account: the email's. */
function accountName(project: string, account: string): string {
  const owner = /@([a-z][a-z0-9-]+)\.iam\.gserviceaccount\.com$/.exec(account)?.[1];
  return `projects/${project === '-' && owner ? owner : project}/serviceAccounts/${account}`;
}

/** IAM v1: service accounts (get, create) and their IAM policies. */
export function iamRoutes(state: CloudState): Route[] {
  const exists = (resource: string): boolean => {
    const m = /^projects\/([^/]+)\/serviceAccounts\/([^/]+)$/.exec(resource);
    return m !== null && state.get(accountName(m[1] ?? '', m[2] ?? '')) !== undefined;
  };
  const policies = policyRoutes(state, 'v1', 'projects/[^/:]+/serviceAccounts/[^/:]+', { exists });
  // Policies are kept under the canonical name, whichever spelling the call used.
  const canonical = policies.map((route) => ({
    ...route,
    handle: (call: Parameters<typeof route.handle>[0], params: string[]) => {
      const m = /^projects\/([^/]+)\/serviceAccounts\/([^/]+)$/.exec(params[0] ?? '');
      return route.handle(call, [m ? accountName(m[1] ?? '', m[2] ?? '') : (params[0] ?? '')]);
    },
  }));
  return [
    {
      method: 'GET',
      path: path('/v1/projects/{}/serviceAccounts/{}'),
      handle: (_c, [project, account]) =>
        ok(state.require(accountName(project ?? '', account ?? ''))),
    },
    {
      method: 'POST',
      path: path('/v1/projects/{}/serviceAccounts'),
      handle: (call, [project = '']) => {
        const body = objectBody(call);
        const id = body.accountId;
        if (typeof id !== 'string' || !/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/.test(id)) {
          throw invalidArgument(`Invalid accountId: ${String(id)}`);
        }
        const email = `${id}@${project}.iam.gserviceaccount.com`;
        const given = (body.serviceAccount ?? {}) as Record<string, unknown>;
        const uniqueId = BigInt(
          `0x${createHash('sha256').update(email).digest('hex').slice(0, 15)}`,
        ).toString();
        const account = {
          name: accountName(project, email),
          projectId: project,
          uniqueId,
          email,
          ...(typeof given.displayName === 'string' ? { displayName: given.displayName } : {}),
          ...(typeof given.description === 'string' ? { description: given.description } : {}),
          etag: 'MDEwMjE5MjA=',
          oauth2ClientId: uniqueId,
        };
        return ok(state.create(account.name, account));
      },
    },
    ...canonical,
  ];
}
