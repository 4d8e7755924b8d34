import { gunzipSync } from 'node:zlib';
import type { RecordedApiCall } from '@maskops/localcloud';
import { parse } from 'yaml';
import { read } from '../helpers/infra-files';
import type { SetupHarness, SetupRun } from './harness';
import { findSetupShTooling } from './tooling';

/**
 * Each run of setup.sh starts the real gcloud some 40 times (about 2 s each). The
 * default install with its re-run and `--canary` are part of `pnpm test` (CI runs them:
 * about 2.7 min of one core); the other suites (exposure options, --pod-monitoring,
 * changed options, the model bucket) run with `pnpm --filter @maskops/e2e run
 * test:setup-sh`, which sets SETUP_SH_ALL=1 and runs all four.
 * Without gcloud or kubectl 1.32+ on PATH the suites are skipped with one line, except
 * under CI=true, where that is a failure: CI's machine has both.
 */
function withTooling(name: string, body: () => void): void {
  const tooling = findSetupShTooling();
  if (tooling.missing === undefined) {
    describe(name, body);
  } else if (process.env.CI === 'true') {
    describe(name, () => {
      it('finds gcloud and kubectl', () => {
        throw new Error(`setup.sh suites: ${tooling.missing}`);
      });
    });
  } else {
    process.stderr.write(`setup.sh suite skipped: ${tooling.missing}\n`);
    describe.skip(name, body);
  }
}

/** A suite of `pnpm test` (and CI). */
export const setupShCiSuite = withTooling;

/** A suite of `test:setup-sh` only. */
export function setupShSuite(name: string, body: () => void): void {
  if (process.env.SETUP_SH_ALL === '1') withTooling(name, body);
  else describe.skip(name, body);
}

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

/**
 * The one first build a run submits (`gcloud builds submit` of the tree with
 * cloudbuild.yaml, tests off): its request, and the uploaded source it names.
 */
export function expectFirstBuild(h: SetupHarness, requests: RecordedApiCall[]): void {
  const builds = calls(requests, 'cloudbuild', 'POST', /\/builds$/);
  expect(builds.map((r) => [r.path, r.status])).toEqual([[`/v1/${LOCATION}/builds`, 200]]);
  const build = builds[0]?.body as Record<string, Record<string, unknown>>;
  expect(build.serviceAccount).toBe(`projects/${PROJECT}/serviceAccounts/${BUILDER}`);
  expect(build.options).toMatchObject({ logging: 'CLOUD_LOGGING_ONLY' });
  expect(build.substitutions).toMatchObject({
    _IMAGE: `us-central1-docker.pkg.dev/${PROJECT}/maskops/inference-api`,
    _IMAGE_TAG: expect.stringMatching(/^manual-\d{8}-\d{6}$/) as unknown,
    _RUN_TESTS: 'false',
  });
  const source = (build.source as { storageSource: { bucket: string; object: string } })
    .storageSource;
  const names = tarNames(h.google.storage.read(source.bucket, source.object).data);
  expect(names).toEqual(expect.arrayContaining(['cloudbuild.yaml', 'infra/gcp/setup.sh']));
  // gcloud sends the config's steps as they are, substitutions left to the server.
  const config = parse(read('cloudbuild.yaml')) as { steps: { id?: string; name: string }[] };
  const steps = build.steps as unknown as { id?: string; name: string }[];
  expect(steps.map((st) => [st.id, st.name])).toEqual(config.steps.map((st) => [st.id, st.name]));
}

/** The file names in a .tar.gz (ustar headers; gcloud's source archive). */
function tarNames(gz: Buffer): string[] {
  const tar = gunzipSync(gz);
  const names: string[] = [];
  const field = (at: number, length: number): string =>
    tar.toString('latin1', at, at + length).replace(/\0.*$/s, '');
  for (let at = 0; at + 512 <= tar.length && tar[at] !== 0;) {
    const size = parseInt(field(at + 124, 12).trim() || '0', 8);
    const type = field(at + 156, 1);
    const prefix = field(at + 345, 155);
    const name = field(at, 100);
    if (type === '0' || type === '') names.push(prefix ? `${prefix}/${name}` : name);
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return names;
}
