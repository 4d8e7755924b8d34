/**
 * maskops-replay's guards, on the built CLI in a child process: --force only
 * in-process, a terminal or silent stdin, a --url that never answers, and the
 * Cloud Build API's 404 for regional builds without --region.
 */
import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { deploymentFixture, startLocalCloud, type LocalCloud } from '@maskops/localcloud';
import { Annotation } from '@maskops/shared';
import {
  BUILD_FILE,
  CLI,
  cliOutput,
  readBuild,
  replayCloud,
  REPLAY_REPO as REPO,
  runCli,
} from '../helpers/replay-cli';

const build = readBuild();
const NEWER_IMAGE = `${REPO}@sha256:${'9'.repeat(64)}`;
const NEW_IMAGE = `${REPO}@${build.results.images[0].digest}`;
const PATH_ONLY = { PATH: process.env.PATH ?? '' };

async function listen(handler: Parameters<typeof createServer>[1]): Promise<[Server, string]> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return [server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`];
}
const close = (s: Server) =>
  new Promise((r) => {
    s.closeAllConnections();
    s.close(r);
  });

describe('--force', () => {
  const replay = replayCloud();
  beforeEach(() => {
    // A newer build is deployed: replaying the fixture build is stale without --force.
    replay.cloud.kube.putDeployment(
      deploymentFixture({
        name: 'inference-api',
        namespace: 'maskops',
        image: NEWER_IMAGE,
        annotations: {
          [Annotation.BUILD_ID]: 'newer-build',
          [Annotation.FINISH_TIME]: '2026-11-25T00:00:00.000000000Z',
        },
      }),
    );
  });
  const deployed = () => replay.cloud.kube.getDeployment('maskops', 'inference-api')!;

  it('--in-process --force deploys an older build and records that it was forced', async () => {
    const plain = await runCli(['--in-process', '--file', BUILD_FILE], replay.env);
    expect(cliOutput(plain).outcome).toBe('stale');
    expect(deployed().spec.template.spec.containers[0].image).toBe(NEWER_IMAGE);

    const forced = await runCli(['--in-process', '--force', '--file', BUILD_FILE], replay.env);
    expect(forced.code).toBe(0);
    expect(cliOutput(forced).outcome).toBe('patched');
    expect(deployed().spec.template.spec.containers[0].image).toBe(NEW_IMAGE);
    const notes = deployed().metadata.annotations as Record<string, string>;
    expect(Date.parse(notes[Annotation.FORCED_BY_REPLAY])).not.toBeNaN();
    expect(notes[Annotation.CHANGE_CAUSE]).toMatch(/forced by maskops-replay/);
    expect(notes[Annotation.BUILD_ID]).toBe(build.id);
  });

  it('a "force" field inside the message is just data: the build stays stale', async () => {
    const r = await runCli(['--in-process'], replay.env, JSON.stringify({ ...build, force: true }));
    expect(cliOutput(r).outcome).toBe('stale');
    expect(deployed().spec.template.spec.containers[0].image).toBe(NEWER_IMAGE);
  });

  it.each([
    [['--force', '--dry-run']],
    [['--force', '--url', 'http://127.0.0.1:9/']],
    [['--force', '--topic', 'cloud-builds', '--project', 'local-project']],
  ])('%j without --in-process is a usage error', async (args) => {
    const r = await runCli([...args, '--file', BUILD_FILE], replay.env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--force works only with --in-process/);
    expect(deployed().spec.template.spec.containers[0].image).toBe(NEWER_IMAGE);
  });
});

describe('stdin', () => {
  it('a terminal on stdin without --file/--build-id is a usage error, not a wait', () => {
    // `script` gives the CLI a real pseudo-terminal as stdin.
    const r = spawnSync('script', ['-qec', `${process.execPath} ${CLI} --dry-run`, '/dev/null'], {
      env: PATH_ONLY,
      encoding: 'utf8',
      timeout: 20_000,
      input: '',
    });
    expect(r.status).toBe(2);
    expect(r.stdout).toMatch(/no input: stdin is a terminal; give --build-id, --file or --model/);
  });

  it('an open, silent stdin times out with its own exit code', async () => {
    const r = await runCli(['--dry-run', '--stdin-timeout', '0.5'], PATH_ONLY, 'open');
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/REPLAY_STDIN_TIMEOUT: no complete message on stdin after 0.5 s/);
  });

  it.each(['0', 'soon', '99999'])('--stdin-timeout %s is a usage error', async (v) => {
    const r = await runCli(['--dry-run', '--stdin-timeout', v], PATH_ONLY);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--stdin-timeout must be a number of seconds/);
  });
});

describe('--url that never answers', () => {
  let server: Server;
  let url: string;
  let received = 0;
  beforeAll(async () => {
    // Reads the request, never answers.
    [server, url] = await listen((req) => {
      req.resume();
      received += 1;
    });
  });
  afterAll(() => close(server));

  it('gives up after --timeout with its own exit code', async () => {
    const r = await runCli(['--file', BUILD_FILE, '--url', url, '--timeout', '1'], PATH_ONLY);
    expect(received).toBe(1);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/REPLAY_TIMEOUT: no answer from http:\/\/127\.0\.0\.1:\d+ within 1 s/);
  });
});

describe('--build-id and regional builds', () => {
  let api: Server;
  let endpoint: string;
  const paths: string[] = [];
  let cloud: LocalCloud;
  beforeAll(async () => {
    cloud = await startLocalCloud({ rolloutStepMs: 5 });
    // Like the real API: a regional build is only found under its location.
    [api, endpoint] = await listen((req, res) => {
      paths.push(req.url ?? '');
      if (req.url === `/v1/projects/local-project/locations/europe-west1/builds/${build.id}`) {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(build));
      } else res.writeHead(404).end('{"error":{"code":404,"message":"not found"}}');
    });
  });
  afterAll(async () => {
    await close(api);
    await cloud.close();
  });
  const args = (extra: string[]) => [
    '--build-id',
    build.id,
    '--dry-run',
    '--project',
    'local-project',
    '--cloudbuild-endpoint',
    endpoint,
    ...extra,
  ];
  const env = () => ({
    ...cloud.env,
    DEPLOYMENT: 'inference-api',
    IMAGE: REPO,
  });

  it('without --region: the 404 comes with a hint to pass --region', async () => {
    const r = await runCli(args([]), env());
    expect(paths.at(-1)).toBe(`/v1/projects/local-project/builds/${build.id}`);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/answered 404 .*a regional build needs --region REGION/);
  });

  it('with --region: asks projects/P/locations/R/builds/ID', async () => {
    cloud.kube.putDeployment(deploymentFixture({ name: 'inference-api', image: `${REPO}:v0` }));
    const r = await runCli(args(['--region', 'europe-west1']), env());
    expect(paths.at(-1)).toBe(
      `/v1/projects/local-project/locations/europe-west1/builds/${build.id}`,
    );
    expect(r.code).toBe(0);
    expect(cliOutput(r)).toMatchObject({ outcome: 'dry-run', buildId: build.id });
  });
});
