import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGoogleApis, type GoogleApisServer } from '@maskops/localcloud';
import { BuildStatus } from '@maskops/shared';
import { parseBuildConfig } from '../../src/cloud-build/build-config';
import { planBuild } from '../../src/cloud-build/build-plan';
import { hostCloudSdkDir } from '../../src/cloud-build/cloud-sdk';
import { CloudBuildConfigErrorCode } from '../../src/cloud-build/errors';
import { runBuild } from '../../src/cloud-build/run-build';
import { docker, removeAll, uniqueName } from '../../src/container/docker';
import { describeWithStepImages, progress } from '../helpers/docker-engine';

jest.setTimeout(180_000);
const log = progress('step-images');

const TOKEN = 'step-images-token';
const BUCKET = 'maskops-test';
const fixture = (name: string) =>
  readFileSync(join(__dirname, '../fixtures/cloud-build', name), 'utf8');

describeWithStepImages('the stand-in step images cloudbuild.yaml names', () => {
  let apis: GoogleApisServer;
  let probe: Server;
  let probeUrl = '';
  const nonce = randomBytes(8).toString('hex');
  const dirs: string[] = [];
  const images: string[] = [];
  const sdkDir = hostCloudSdkDir();

  beforeAll(async () => {
    apis = await startGoogleApis({ token: TOKEN });
    probe = createServer((_req, res) => res.end(nonce));
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const address = probe.address();
    if (address === null || typeof address === 'string') throw new Error('no probe port');
    probeUrl = `http://127.0.0.1:${address.port}/`;
  });
  afterAll(async () => {
    await removeAll({ images });
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    await new Promise((resolve) => probe?.close(resolve));
    await apis?.close();
  });

  async function storage(
    method: string,
    path: string,
    body?: string,
    contentType = 'application/json',
  ): Promise<Response> {
    const res = await fetch(`${apis.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': contentType },
      ...(body === undefined ? {} : { body }),
    });
    expect(res.status).toBe(200);
    return res;
  }

  test('gcloud is the host’s, on localcloud only; docker builds on the engine with the host network', async () => {
    if (sdkDir === undefined) throw new Error('no gcloud on PATH (google-cloud-cli)');
    await storage('POST', '/storage/v1/b?project=p', JSON.stringify({ name: BUCKET }));
    await storage(
      'POST',
      `/upload/storage/v1/b/${BUCKET}/o?uploadType=media&name=in%2Fgreeting.txt`,
      'hello',
      'text/plain',
    );
    await storage(
      'POST',
      `/upload/storage/v1/b/${BUCKET}/o?uploadType=media&name=in%2Fsecond.txt`,
      'again',
      'text/plain',
    );
    const workspace = mkdtempSync(join(tmpdir(), 'maskops-step-images-'));
    dirs.push(workspace);
    writeFileSync(
      join(workspace, 'Dockerfile.probe'),
      [
        'FROM gcr.io/google.com/cloudsdktool/cloud-sdk:slim',
        'ARG PROBE_URL',
        `RUN python3 -c "import sys, urllib.request; sys.stdout.write(urllib.request.urlopen('$PROBE_URL').read().decode())" > /probe.txt`,
        '',
      ].join('\n'),
    );
    const tag = `${uniqueName('maskops-test/step-images')}:1`;
    images.push(tag);
    const buildId = uniqueName('b');
    const plan = planBuild(parseBuildConfig(fixture('run-step-images.yaml')), {
      builtins: { PROJECT_ID: 'maskops-local', BUILD_ID: buildId },
      overrides: { _BUCKET: BUCKET, _TAG: tag, _PROBE_URL: probeUrl },
    });
    const lines: string[] = [];
    const result = await runBuild({
      plan,
      workspace,
      buildId,
      projectId: 'maskops-local',
      cloudSdk: { dir: sdkDir, env: (configDir) => apis.gcloudEnv(configDir) },
      log: (l) => {
        lines.push(l);
        log(l);
      },
    });
    expect(result.statusDetail).toBeUndefined();
    expect(result.status).toBe(BuildStatus.SUCCESS);

    // gcloud read from the stand-in, in a fresh configuration of the build.
    expect(readFileSync(join(workspace, 'reply.txt'), 'utf8')).toBe('hello again\n');
    expect(apis.requests.filter((r) => r.path.startsWith('/download/')).length).toBe(3);
    expect(lines).toContain('[gcloud] config in /builder/cloudsdk-config');
    expect(apis.unknownRequests()).toEqual([]);

    // The image the docker step built is on the engine, and its RUN reached loopback.
    const { stdout } = await docker(['run', '--rm', '--network', 'host', tag, 'cat', '/probe.txt']);
    expect(stdout).toBe(nonce);

    // No volume of the build is left (the shared home, gcloud's configuration).
    const volumes = await docker(['volume', 'ls', '--quiet']);
    expect(volumes.stdout).not.toMatch(new RegExp(`maskops-build-\\S+-${process.pid}-`));
  });

  test('a gcloud step without a Cloud SDK to lend is refused before anything runs', async () => {
    const workspace = mkdtempSync(join(tmpdir(), 'maskops-step-images-'));
    dirs.push(workspace);
    const plan = planBuild(parseBuildConfig(fixture('run-cloud-sdk-only.yaml')), { builtins: {} });
    const lines: string[] = [];
    await expect(
      runBuild({ plan, workspace, buildId: 'b-no-sdk', projectId: 'p', log: (l) => lines.push(l) }),
    ).rejects.toMatchObject({
      code: CloudBuildConfigErrorCode.NO_CLOUD_SDK,
      message: expect.stringContaining('"gcr.io/google.com/cloudsdktool/cloud-sdk:slim" (gcloud)'),
    });
    expect(lines).toEqual([]);
  });
});
