import { ApiException, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { V1Deployment } from '@kubernetes/client-node';
import { sleep } from '@maskops/shared';
import { deploymentFixture } from '../../src/kube-api/deployment-object';
import { startKubeApi } from '../../src/kube-api/server';
import type { KubeApiServer } from '../../src/kube-api/server';
import { generateCertificateAuthority } from '../../src/tls';
import { appsApi } from '../kube-client';

describe('Kubernetes API stand-in with @kubernetes/client-node', () => {
  let kube: KubeApiServer;

  beforeAll(async () => {
    kube = await startKubeApi({ rolloutStepMs: 5 });
  });
  afterAll(() => kube.close());
  beforeEach(() => {
    kube.clearFaults();
    kube.putDeployment(
      deploymentFixture({
        name: 'web',
        containers: [
          { name: 'app', image: 'repo/app:1' },
          { name: 'proxy', image: 'repo/proxy:1' },
        ],
        annotations: { owner: 'team-a' },
      }),
    );
  });

  it('serves a deployment put by the test, with server-filled metadata and status', async () => {
    const d = await appsApi(kube).readNamespacedDeployment({ name: 'web', namespace: 'default' });
    expect(d.metadata).toMatchObject({
      name: 'web',
      namespace: 'default',
      annotations: { owner: 'team-a' },
    });
    expect(d.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(d.metadata?.creationTimestamp).toBeInstanceOf(Date);
    expect(d.status).toMatchObject({
      observedGeneration: d.metadata?.generation,
      availableReplicas: 2,
    });
  });

  it('applies a strategic-merge patch to one container and bumps generation once', async () => {
    const api = appsApi(kube);
    const before = kube.getDeployment('default', 'web');
    const patched = await api.patchNamespacedDeployment(
      {
        name: 'web',
        namespace: 'default',
        body: {
          metadata: { annotations: { 'kubernetes.io/change-cause': 'deploy 2' } },
          spec: { template: { spec: { containers: [{ name: 'app', image: 'repo/app:2' }] } } },
        },
      },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    const containers = patched.spec?.template.spec?.containers ?? [];
    expect(containers.map((c) => [c.name, c.image])).toEqual([
      ['app', 'repo/app:2'],
      ['proxy', 'repo/proxy:1'],
    ]);
    expect(patched.metadata?.annotations).toMatchObject({
      owner: 'team-a',
      'kubernetes.io/change-cause': 'deploy 2',
    });
    expect(patched.metadata?.generation).toBe(before!.metadata.generation + 1);
    expect(Number(patched.metadata?.resourceVersion)).toBeGreaterThan(
      Number(before?.metadata.resourceVersion),
    );
    const last = kube.requests.at(-1);
    expect(last).toMatchObject({
      method: 'PATCH',
      contentType: PatchStrategy.StrategicMergePatch,
      status: 200,
    });

    // Annotation-only change: new resourceVersion, same generation.
    const annotated = await api.patchNamespacedDeployment(
      { name: 'web', namespace: 'default', body: { metadata: { annotations: { x: 'y' } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(annotated.metadata?.generation).toBe(patched.metadata?.generation);
    expect(annotated.metadata?.resourceVersion).not.toBe(patched.metadata?.resourceVersion);
  });

  it('applies JSON patch (client-node default) and rejects a failed test with 422', async () => {
    const api = appsApi(kube);
    const path = '/spec/template/spec/containers/1/image';
    const ok = await api.patchNamespacedDeployment({
      name: 'web',
      namespace: 'default',
      body: [
        { op: 'test', path, value: 'repo/proxy:1' },
        { op: 'replace', path, value: 'repo/proxy:2' },
      ],
    });
    expect(ok.spec?.template.spec?.containers[1]?.image).toBe('repo/proxy:2');
    const failed = api.patchNamespacedDeployment({
      name: 'web',
      namespace: 'default',
      body: [{ op: 'test', path, value: 'repo/proxy:1' }],
    });
    await expect(failed).rejects.toMatchObject({ code: 422 });
  });

  it('answers a stale resourceVersion with 409 on PUT and on PATCH', async () => {
    const api = appsApi(kube);
    const current = await api.readNamespacedDeployment({ name: 'web', namespace: 'default' });
    const stale: V1Deployment = {
      ...current,
      metadata: { ...current.metadata, resourceVersion: '1' },
    };
    const put = api.replaceNamespacedDeployment({ name: 'web', namespace: 'default', body: stale });
    await expect(put).rejects.toBeInstanceOf(ApiException);
    await expect(put).rejects.toMatchObject({ code: 409 });
    const err = (await put.catch((e: unknown) => e)) as ApiException<string>;
    expect(JSON.parse(err.body)).toMatchObject({ kind: 'Status', reason: 'Conflict', code: 409 });

    const patch = api.patchNamespacedDeployment(
      {
        name: 'web',
        namespace: 'default',
        body: { metadata: { resourceVersion: '1', labels: { a: 'b' } } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    await expect(patch).rejects.toMatchObject({ code: 409 });

    // The current resourceVersion succeeds.
    const fresh = await api.replaceNamespacedDeployment({
      name: 'web',
      namespace: 'default',
      body: current,
    });
    expect(fresh.metadata?.name).toBe('web');
  });

  it('returns the dry-run result without storing it', async () => {
    const before = kube.getDeployment('default', 'web');
    const result = await appsApi(kube).patchNamespacedDeployment(
      {
        name: 'web',
        namespace: 'default',
        dryRun: 'All',
        body: {
          spec: { template: { spec: { containers: [{ name: 'app', image: 'repo/app:dry' }] } } },
        },
      },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    expect(result.spec?.template.spec?.containers[0]?.image).toBe('repo/app:dry');
    expect(kube.getDeployment('default', 'web')).toEqual(before);
  });

  it('rejects a wrong token with 401 and validates bodies with 422', async () => {
    const denied = appsApi(kube, { token: 'wrong' }).readNamespacedDeployment({
      name: 'web',
      namespace: 'default',
    });
    await expect(denied).rejects.toMatchObject({ code: 401 });
    const missing = appsApi(kube).readNamespacedDeployment({ name: 'nope', namespace: 'default' });
    await expect(missing).rejects.toMatchObject({ code: 404 });
    const invalid = appsApi(kube).patchNamespacedDeployment(
      {
        name: 'web',
        namespace: 'default',
        body: { spec: { template: { spec: { containers: [{ name: 'app', image: '' }] } } } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    await expect(invalid).rejects.toMatchObject({ code: 422 });
  });

  it('fails TLS for a client that trusts another CA', async () => {
    const other = generateCertificateAuthority();
    const call = appsApi(kube, { caPem: other.certPem }).readNamespacedDeployment({
      name: 'web',
      namespace: 'default',
    });
    await expect(call).rejects.toThrow(/unable to verify the first certificate/);
  });

  it('lists with field and label selectors, per namespace and across namespaces', async () => {
    kube.putDeployment(deploymentFixture({ name: 'api', namespace: 'prod' }));
    const api = appsApi(kube);
    const byName = await api.listNamespacedDeployment({
      namespace: 'default',
      fieldSelector: 'metadata.name=web',
    });
    expect(byName.items.map((d) => d.metadata?.name)).toEqual(['web']);
    expect(Number(byName.metadata?.resourceVersion)).toBeGreaterThan(0);
    const all = await api.listDeploymentForAllNamespaces();
    expect(all.items.map((d) => `${d.metadata?.namespace}/${d.metadata?.name}`).sort()).toEqual([
      'default/web',
      'prod/api',
    ]);
    const byLabel = await api.listDeploymentForAllNamespaces({ labelSelector: 'app=api' });
    expect(byLabel.items.map((d) => d.metadata?.name)).toEqual(['api']);
  });

  it('plays injected status faults and records each request', async () => {
    const api = appsApi(kube);
    kube.injectFault({
      method: 'GET',
      path: '/apis/apps/v1/namespaces/default/deployments/web',
      status: 503,
    });
    await expect(
      api.readNamespacedDeployment({ name: 'web', namespace: 'default' }),
    ).rejects.toMatchObject({ code: 503 });
    kube.injectFault({ method: 'PATCH', path: /deployments\/web$/, status: 403, times: Infinity });
    const patch = () =>
      api.patchNamespacedDeployment(
        { name: 'web', namespace: 'default', body: { metadata: { labels: { a: 'b' } } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
    await expect(patch()).rejects.toMatchObject({ code: 403 });
    await expect(patch()).rejects.toMatchObject({ code: 403 });
    kube.clearFaults();
    await expect(patch()).resolves.toBeDefined();
    const recorded = kube.requests.filter((r) => r.method === 'PATCH').slice(-3);
    expect(recorded.map((r) => r.status)).toEqual([403, 403, 200]);
    expect(recorded[2]?.body).toEqual({ metadata: { labels: { a: 'b' } } });
    expect(recorded[2]?.contentType).toBe(PatchStrategy.MergePatch);
  });

  it('delays a request by an injected delay without failing it', async () => {
    const api = appsApi(kube);
    kube.injectFault({ method: 'GET', path: /deployments\/web$/, delayMs: 300 });
    const order: string[] = [];
    const slow = api
      .readNamespacedDeployment({ name: 'web', namespace: 'default' })
      .then(() => order.push('delayed'));
    await sleep(20);
    await api.listNamespacedDeployment({ namespace: 'default' }).then(() => order.push('list'));
    await slow;
    expect(order).toEqual(['list', 'delayed']);
  });
});
