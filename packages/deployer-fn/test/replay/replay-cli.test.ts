/**
 * maskops-replay as a user runs it: the built CLI in a child process, against
 * localcloud (metadata token, Container API, HTTPS Kubernetes API).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { deploymentFixture } from '@maskops/localcloud';
import {
  BUILD_FILE,
  cliOutput,
  readBuild,
  replayCloud,
  REPLAY_REPO as REPO,
  runCli,
} from '../helpers/replay-cli';

const build = readBuild();
const OLD_IMAGE = `${REPO}@sha256:${'0'.repeat(64)}`;
const NEW_IMAGE = `${REPO}@${build.results.images[0].digest}`;

const run = runCli;

const replay = replayCloud();
beforeEach(() => {
  replay.cloud.kube.putDeployment(
    deploymentFixture({ name: 'inference-api', namespace: 'maskops', image: OLD_IMAGE }),
  );
});
const currentImage = (): string =>
  replay.cloud.kube.getDeployment('maskops', 'inference-api')!.spec.template.spec.containers[0]
    .image;

it('--dry-run prints the patch and changes nothing', async () => {
  const r = await run(['--file', BUILD_FILE, '--dry-run'], replay.env);
  expect(r.code).toBe(0);
  const out = cliOutput(r);
  expect(out.outcome).toBe('dry-run');
  expect(out.patch?.spec.template.spec.containers).toEqual([
    { name: 'inference-api', image: NEW_IMAGE },
  ]);
  expect(out.patch?.metadata.annotations['maskops.dev/build-id']).toBe(build.id);
  expect(currentImage()).toBe(OLD_IMAGE);
  expect(replay.cloud.kube.requests.filter((q) => q.method === 'PATCH')).toHaveLength(0);
});

it('--in-process from stdin deploys the build like the function would', async () => {
  const r = await run(['--in-process'], replay.env, JSON.stringify(build));
  expect(r.code).toBe(0);
  expect(cliOutput(r).outcome).toBe('patched');
  expect(currentImage()).toBe(NEW_IMAGE);
  // Replaying the same build again changes nothing.
  const again = await run(['--in-process', '--file', BUILD_FILE], replay.env);
  expect(cliOutput(again).outcome).toBe('already-deployed');
});

describe('--url', () => {
  let server: Server;
  let url: string;
  const seen: Array<{ headers: IncomingMessage['headers']; body: string }> = [];
  let status = 204;
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        seen.push({ headers: req.headers, body });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise((r) => server.close(r)));

  it('POSTs the message as an Eventarc CloudEvent', async () => {
    const r = await run(
      ['--file', BUILD_FILE, '--url', url, '--project', 'local-project'],
      replay.env,
    );
    expect(r.code).toBe(0);
    const req = seen.at(-1)!;
    expect(req.headers['ce-type']).toBe('google.cloud.pubsub.topic.v1.messagePublished');
    expect(req.headers['ce-source']).toBe(
      '//pubsub.googleapis.com/projects/local-project/topics/cloud-builds',
    );
    const body = JSON.parse(req.body) as {
      message: { data: string; attributes: Record<string, string> };
    };
    expect(JSON.parse(Buffer.from(body.message.data, 'base64').toString())).toEqual(build);
    expect(body.message.attributes).toEqual({ buildId: build.id, status: 'SUCCESS' });
  });

  it('exits 1 when the function asks for redelivery', async () => {
    status = 500;
    const r = await run(['--file', BUILD_FILE, '--url', url], replay.env);
    status = 204;
    expect(r.code).toBe(1);
    expect(cliOutput(r).status).toBe(500);
  });
});

describe('--build-id', () => {
  let api: Server;
  let endpoint: string;
  const auth: string[] = [];
  beforeAll(async () => {
    api = createServer((req, res) => {
      auth.push(String(req.headers.authorization));
      if (req.url === `/v1/projects/local-project/builds/${build.id}`) {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(build));
      } else res.writeHead(404).end('{"error":{"code":404,"message":"not found"}}');
    });
    await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
    endpoint = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((r) => api.close(r)));

  it('fetches the Build with the caller\u2019s token and replays it', async () => {
    const r = await run(
      ['--build-id', build.id, '--dry-run', '--cloudbuild-endpoint', endpoint],
      replay.env,
    );
    expect(r.code).toBe(0);
    expect(cliOutput(r).patch?.spec.template.spec.containers[0].image).toBe(NEW_IMAGE);
    expect(auth.at(-1)).toBe(`Bearer ${replay.cloud.metadata.token}`);
  });

  it('says which build the API did not find', async () => {
    const r = await run(
      ['--build-id', 'no-such-build', '--dry-run', '--cloudbuild-endpoint', endpoint],
      replay.env,
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /CLOUD_BUILD_ERROR: Cloud Build API answered 404 for build no-such-build/,
    );
  });
});

describe('bad input gets a clear error and exit 2', () => {
  it.each([
    [['--file', BUILD_FILE], /choose exactly one of --topic, --url, --in-process, --dry-run/],
    [['--file', BUILD_FILE, '--dry-run', '--in-process'], /choose exactly one/],
    [['--file', BUILD_FILE, '--build-id', 'x', '--dry-run'], /choose one source/],
    [
      ['--file', '/nonexistent/build.json', '--dry-run'],
      /REPLAY_INPUT_UNREADABLE: cannot read \/nonexistent\/build.json/,
    ],
    [['--file', __filename, '--dry-run'], /REPLAY_INPUT_NOT_JSON/],
    [
      ['--build-id', 'bad id!', '--dry-run', '--project', 'local-project'],
      /REPLAY_BUILD_ID_INVALID/,
    ],
    [['--file', BUILD_FILE, '--topic', 'cloud-builds'], /needs --project/],
    [['--file', BUILD_FILE, '--url', 'not a url'], /REPLAY_URL_INVALID/],
    [['--bogus'], /Unknown option '--bogus'/],
  ])('%j', async (args, message) => {
    const r = await run(args, { PATH: process.env.PATH ?? '' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('empty stdin', async () => {
    const r = await run(['--dry-run'], replay.env, '');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/REPLAY_INPUT_EMPTY: stdin is empty/);
  });

  it('a message whose publishTime is no time makes no CloudEvent (checked before posting)', async () => {
    const message = { data: Buffer.from('{}').toString('base64'), publishTime: 'yesterday' };
    const r = await run(['--url', 'http://127.0.0.1:9/'], replay.env, JSON.stringify(message));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/REPLAY_INPUT_INVALID: the message makes no valid CloudEvent/);
  });

  it('an ignored message is acknowledged, not an error', async () => {
    const r = await run(['--dry-run'], replay.env, JSON.stringify({ ...build, status: 'FAILURE' }));
    expect(r.code).toBe(0);
    expect(cliOutput(r)).toMatchObject({ outcome: 'ignored', reason: 'NOT_SUCCESS' });
  });
});
