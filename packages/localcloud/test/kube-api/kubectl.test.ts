import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deploymentFixture } from '../../src/kube-api/deployment-object';
import { startKubeApi } from '../../src/kube-api/server';
import type { KubeApiServer } from '../../src/kube-api/server';
import { kubectlOnPath, type KubectlRun as Run } from '../kubectl-on-path';

const { kubectlPath, describeKubectl } = kubectlOnPath('the kubectl compatibility tests');

describeKubectl('kubectl against the Kubernetes stand-in', () => {
  let kube: KubeApiServer;
  let dir: string;
  let config: string;

  // Asynchronous on purpose: the API server runs in this process's event loop.
  const kubectl = (...args: string[]): Promise<Run> =>
    new Promise((resolve) => {
      execFile(
        kubectlPath as string,
        ['--kubeconfig', config, '--cache-dir', join(dir, 'cache'), ...args],
        { timeout: 30_000 },
        (err, stdout, stderr) => {
          const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
          resolve({ code, stdout, stderr });
        },
      );
    });

  beforeAll(async () => {
    kube = await startKubeApi({ rolloutStepMs: 20 });
    dir = mkdtempSync(join(tmpdir(), 'localcloud-kubectl-'));
    config = join(dir, 'kubeconfig');
    writeFileSync(config, kube.kubeconfig());
  });
  afterAll(async () => {
    await kube.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gets a deployment as JSON and as the server-side table', async () => {
    kube.putDeployment(deploymentFixture({ name: 'get-me', image: 'repo/app:1' }));
    const run = await kubectl('get', 'deployment', 'get-me', '-o', 'json');
    expect(run).toMatchObject({ code: 0 });
    const d = JSON.parse(run.stdout) as {
      spec: { template: { spec: { containers: Array<{ image: string }> } } };
    };
    expect(d.spec.template.spec.containers[0]?.image).toBe('repo/app:1');
    const plain = await kubectl('get', 'deployments');
    expect(plain.code).toBe(0);
    // kubectl asks for a server-side Table and prints its columns.
    expect(plain.stdout).toMatch(/^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\n/);
    expect(plain.stdout).toMatch(/\nget-me\s+2\/2\s+2\s+2\s+\d+s\n/);
    const gets = kube.requests.filter((r) => r.path.endsWith('/deployments'));
    expect(gets.at(-1)?.accept).toMatch(/as=Table/);
    const wide = await kubectl('get', 'deployment', 'get-me', '-o', 'wide');
    expect(wide.stdout).toMatch(/get-me .* repo\/app:1\s+app=get-me\n/);
  });

  it('sets an image with a strategic-merge patch and waits for the rollout', async () => {
    kube.putDeployment(deploymentFixture({ name: 'roll', image: 'repo/app:1', replicas: 2 }));
    const set = await kubectl('set', 'image', 'deployment/roll', 'roll=repo/app:2');
    expect(set).toMatchObject({ code: 0 });
    const patch = kube.requests.filter((r) => r.method === 'PATCH').at(-1);
    expect(patch?.contentType).toMatch(/^application\/strategic-merge-patch\+json/);
    expect(kube.getDeployment('default', 'roll')?.spec.template.spec.containers[0].image).toBe(
      'repo/app:2',
    );

    const status = await kubectl('rollout', 'status', 'deployment/roll', '--timeout=20s');
    expect(status.stderr).toBe('');
    expect(status).toMatchObject({ code: 0 });
    expect(status.stdout).toMatch(/successfully rolled out/);
  });

  it('reports a rollout that exceeds its progress deadline as a failure', async () => {
    kube.putDeployment(deploymentFixture({ name: 'broken', image: 'repo/app:1', replicas: 2 }));
    kube.setRolloutMode('default', 'broken', 'fail');
    expect((await kubectl('set', 'image', 'deployment/broken', 'broken=repo/app:bad')).code).toBe(
      0,
    );
    const status = await kubectl('rollout', 'status', 'deployment/broken', '--timeout=20s');
    expect(status.code).not.toBe(0);
    expect(status.stderr).toMatch(/exceeded its progress deadline/);
  });

  it('times out waiting on a rollout that hangs', async () => {
    kube.putDeployment(deploymentFixture({ name: 'stuck', image: 'repo/app:1', replicas: 2 }));
    kube.setRolloutMode('default', 'stuck', 'hang');
    expect((await kubectl('set', 'image', 'deployment/stuck', 'stuck=repo/app:slow')).code).toBe(0);
    const status = await kubectl('rollout', 'status', 'deployment/stuck', '--timeout=2s');
    expect(status.code).not.toBe(0);
    expect(status.stderr).toMatch(/timed out/);
  });

  it('annotates a deployment and is refused with a wrong token', async () => {
    kube.putDeployment(deploymentFixture({ name: 'note', annotations: { keep: 'me' } }));
    const run = await kubectl('annotate', 'deployment', 'note', 'maskops.dev/build-id=b-42');
    expect(run).toMatchObject({ code: 0 });
    expect(kube.getDeployment('default', 'note')?.metadata.annotations).toMatchObject({
      keep: 'me',
      'maskops.dev/build-id': 'b-42',
    });
    const denied = await kubectl('--token', 'wrong', 'get', 'deployment', 'note');
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toMatch(/Unauthorized|must be logged in/);
  });
});
