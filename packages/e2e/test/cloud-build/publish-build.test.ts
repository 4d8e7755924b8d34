import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGoogleApis, type GoogleApisServer } from '@maskops/localcloud';
import { BuildStatus, decodeBuildMessage, type PubsubMessage } from '@maskops/shared';
import { parseBuildConfig } from '../../src/cloud-build/build-config';
import { planBuild } from '../../src/cloud-build/build-plan';
import { runBuild } from '../../src/cloud-build/run-build';
import { uniqueName } from '../../src/container/docker';
import { describeWithEngine, progress } from '../helpers/docker-engine';

jest.setTimeout(120_000);
const log = progress('publish-build');

const TOKEN = 'publish-build-token';
const PROJECT = 'maskops-local';
const TOPIC = `projects/${PROJECT}/topics/cloud-builds`;

describeWithEngine('a finished build is published on the cloud-builds topic', () => {
  let apis: GoogleApisServer;
  const workspaces: string[] = [];
  beforeAll(async () => {
    apis = await startGoogleApis({ token: TOKEN });
  });
  afterAll(async () => {
    await apis?.close();
    for (const w of workspaces) rmSync(w, { recursive: true, force: true });
  });

  async function createTopic(): Promise<void> {
    const res = await fetch(`${apis.url}/pubsub/v1/${TOPIC}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(200);
  }

  async function build(exit: string) {
    const workspace = mkdtempSync(join(tmpdir(), 'maskops-publish-build-'));
    workspaces.push(workspace);
    const buildId = uniqueName('b');
    const text = readFileSync(join(__dirname, '../fixtures/cloud-build/run-publish.yaml'), 'utf8');
    const plan = planBuild(parseBuildConfig(text), {
      builtins: { PROJECT_ID: PROJECT, BUILD_ID: buildId },
      overrides: { _EXIT: exit },
    });
    const lines: string[] = [];
    const result = await runBuild({
      plan,
      workspace,
      buildId,
      projectId: PROJECT,
      notify: { pubsubUrl: `${apis.url}/pubsub/`, projectId: PROJECT, token: TOKEN },
      log: (l) => {
        lines.push(l);
        log(l);
      },
    });
    return { result, buildId, lines };
  }

  test('a subscriber gets the Build resource, with buildId and status, as Cloud Build sends it', async () => {
    await createTopic();
    const received: PubsubMessage[] = [];
    const unsubscribe = apis.state.messages.onPublish((p) => {
      if (p.topic === TOPIC) received.push(p.message);
    });
    try {
      const ok = await build('0');
      const failed = await build('3');
      expect([ok.result.status, failed.result.status]).toEqual([
        BuildStatus.SUCCESS,
        BuildStatus.FAILURE,
      ]);
      expect(received).toHaveLength(2);
      for (const [i, { result, buildId }] of [ok, failed].entries()) {
        const message = received[i];
        expect(message.messageId).toBe(result.messageId);
        expect(message.attributes).toEqual({ buildId, status: result.status });
        expect(JSON.parse(Buffer.from(message.data ?? '', 'base64').toString('utf8'))).toEqual(
          result.build,
        );
      }
      // The deployer's own decoder reads it as a Cloud Build notification.
      const decision = decodeBuildMessage(received[1], {
        repository: '127.0.0.1:5000/maskops/inference-api',
      });
      expect(decision).toMatchObject({
        kind: 'ignore',
        ignored: { reason: 'NOT_SUCCESS', buildId: failed.buildId },
      });
    } finally {
      unsubscribe();
    }
  });

  test('without the topic the build stands, unpublished, and the log says why', async () => {
    const other = await startGoogleApis({ token: TOKEN });
    const saved = apis;
    apis = other;
    try {
      const { result, lines } = await build('0');
      expect(result.status).toBe(BuildStatus.SUCCESS);
      expect(result.messageId).toBeUndefined();
      expect(lines.at(-1)).toMatch(
        new RegExp(`^publishing build \\S+ to ${TOPIC} failed: HTTP 404 `),
      );
    } finally {
      apis = saved;
      await other.close();
    }
  });
});
