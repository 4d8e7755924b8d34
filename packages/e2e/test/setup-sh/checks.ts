import type { RecordedApiCall } from '@maskops/localcloud';
import type { SetupHarness, SetupRun } from './harness';

/**
 * The end-to-end runs of setup.sh are not CI steps yet: since setup.sh hands the
 * container image to the deployer by server-side apply, it needs the Kubernetes
 * stand-in to merge `containers` by name (an associative list) as the real API server
 * does, and the stand-in owns lists whole, so it reports a conflict the real server
 * would not. Run them with `pnpm --filter @maskops/e2e run test:setup-sh`.
 */
export const setupShSuite = process.env.SETUP_SH_ALL === '1' ? describe : describe.skip;

export const PROJECT = 'demo-proj-1';
export const DEPLOYER = `maskops-deployer@${PROJECT}.iam.gserviceaccount.com`;
export const BUILDER = `maskops-build@${PROJECT}.iam.gserviceaccount.com`;
export const LOCATION = `projects/${PROJECT}/locations/us-central1`;

/** Fails with the method and path of every call no stand-in knew (and the run's output on failure). */
export function expectCleanRun(h: SetupHarness, run: SetupRun): void {
  const unknown = h.google.unknownRequests().map((r) => `${r.api} ${r.method} ${r.path}`);
  const tail = run.status === 0 ? '' : run.output.split('\n').slice(-15).join('\n');
  expect({ unknown, status: run.status, tail }).toEqual({ unknown: [], status: 0, tail: '' });
}

export function calls(
  requests: RecordedApiCall[],
  api: string,
  method: string,
  path: RegExp,
): RecordedApiCall[] {
  return requests.filter((r) => r.api === api && r.method === method && path.test(r.path));
}

/** Roles `member` holds on the project, sorted. */
export function projectRoles(h: SetupHarness, member: string): string[] {
  const bindings = h.google.state.policies.get(`projects/${PROJECT}`).bindings ?? [];
  return bindings
    .filter((b) => b.members.includes(member))
    .map((b) => b.role)
    .sort();
}

/** The body of the last create or update of the deployer function. */
export function functionDeployed(
  requests: RecordedApiCall[],
): Record<string, Record<string, unknown>> {
  const writes = requests.filter(
    (r) =>
      r.api === 'cloudfunctions' &&
      ((r.method === 'POST' && r.path === `/v2/${LOCATION}/functions`) ||
        (r.method === 'PATCH' && r.path === `/v2/${LOCATION}/functions/maskops-deployer`)),
  );
  const last = writes.at(-1);
  expect(last?.status).toBe(200);
  return last?.body as Record<string, Record<string, unknown>>;
}

/** Calls that create a resource: a re-run must send none for what exists. */
export function creates(requests: RecordedApiCall[]): string[] {
  return requests
    .filter(
      (r) =>
        (r.method === 'PUT' && r.api === 'pubsub') ||
        (r.method === 'POST' &&
          /\/(serviceAccounts|repositories|clusters|queues|functions|triggers)$/.test(r.path)),
    )
    .map((r) => `${r.method} ${r.path}`);
}
