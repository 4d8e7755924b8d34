import { request } from 'node:https';
import { AppsV1Api, makeInformer } from '@kubernetes/client-node';
import type { V1Deployment } from '@kubernetes/client-node';
import type { IncomingMessage } from 'node:http';
import { deploymentFixture } from '../../src/kube-api/deployment-object';
import { startKubeApi } from '../../src/kube-api/server';
import type { KubeApiServer } from '../../src/kube-api/server';
import { waitFor } from '../helpers';
import { kubeConfigFor } from '../kube-client';

interface Event {
  type: string;
  object: { metadata: { name: string; resourceVersion: string }; code?: number };
}

/** A raw watch stream: parsed events, and a promise for the end of the response. */
function openWatch(kube: KubeApiServer, query: string) {
  const events: Event[] = [];
  let response: IncomingMessage | undefined;
  const ended = new Promise<void>((resolve, reject) => {
    const req = request(
      `${kube.url}/apis/apps/v1/namespaces/default/deployments?${query}`,
      { ca: kube.caPem, headers: { authorization: `Bearer ${kube.token}` } },
      (res) => {
        response = res;
        let buffer = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffer += chunk;
          const lines = buffer.split('\n');
          buffer = lines.pop() ?? '';
          for (const line of lines) if (line) events.push(JSON.parse(line) as Event);
        });
        res.on('end', () => resolve());
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
  return { events, ended, response: () => response };
}

describe('watch', () => {
  let kube: KubeApiServer;
  beforeAll(async () => {
    kube = await startKubeApi({ rolloutStepMs: 5 });
  });
  afterAll(() => kube.close());

  it('starts with ADDED for existing objects, then streams changes as chunked NDJSON', async () => {
    kube.putDeployment(deploymentFixture({ name: 'w1' }));
    const w = openWatch(kube, 'watch=true&fieldSelector=metadata.name%3Dw1');
    await waitFor(
      () => w.events.length,
      (count) => count >= 1,
    );
    expect(w.response()?.headers['transfer-encoding']).toBe('chunked');
    expect(w.events[0]).toMatchObject({ type: 'ADDED', object: { metadata: { name: 'w1' } } });
    kube.putDeployment(deploymentFixture({ name: 'w2' })); // filtered out by the selector
    kube.putDeployment(deploymentFixture({ name: 'w1', image: 'repo/other:2' }));
    const image = (e: Event | undefined) =>
      (
        e?.object as unknown as {
          spec: { template: { spec: { containers: Array<{ image: string }> } } };
        }
      )?.spec.template.spec.containers[0]?.image;
    await waitFor(
      () => w.events.at(-1),
      (e) => image(e) === 'repo/other:2',
    );
    expect(new Set(w.events.map((e) => e.object.metadata.name))).toEqual(new Set(['w1']));
    expect(new Set(w.events.slice(1).map((e) => e.type))).toEqual(new Set(['MODIFIED']));
  });

  it('replays changes after a given resourceVersion and reports DELETED', async () => {
    const first = kube.putDeployment(deploymentFixture({ name: 'w3' }));
    const from = (first.metadata as { resourceVersion: string }).resourceVersion;
    kube.putDeployment(deploymentFixture({ name: 'w3', replicas: 4 }));
    const w = openWatch(kube, `watch=1&fieldSelector=metadata.name%3Dw3&resourceVersion=${from}`);
    await waitFor(
      () => w.events.length,
      (count) => count >= 1,
    );
    expect(w.events[0]?.type).toBe('MODIFIED');
    expect(Number(w.events[0]?.object.metadata.resourceVersion)).toBeGreaterThan(Number(from));
    await new Promise<void>((resolve, reject) => {
      request(
        `${kube.url}/apis/apps/v1/namespaces/default/deployments/w3`,
        { method: 'DELETE', ca: kube.caPem, headers: { authorization: `Bearer ${kube.token}` } },
        (r) => r.resume().on('end', resolve),
      )
        .on('error', reject)
        .end();
    });
    await waitFor(
      () => w.events.at(-1)?.type,
      (type) => type === 'DELETED',
    );
    expect(kube.getDeployment('default', 'w3')).toBeUndefined();
  });

  it('ends after timeoutSeconds, and answers a too-old resourceVersion with an ERROR event', async () => {
    const timed = openWatch(kube, 'watch=true&timeoutSeconds=1');
    await timed.ended;
    expect(timed.events.every((e) => e.type === 'ADDED')).toBe(true);
    const expired = openWatch(kube, 'watch=true&resourceVersion=5');
    await expired.ended;
    expect(expired.events).toEqual([
      expect.objectContaining({ type: 'ERROR', object: expect.objectContaining({ code: 410 }) }),
    ]);
  });

  it('closes open watch streams when the server closes', async () => {
    const own = await startKubeApi();
    const w = openWatch(own, 'watch=true');
    await waitFor(
      () => w.response(),
      (r) => r !== undefined,
    );
    await own.close();
    await expect(w.ended).resolves.toBeUndefined();
  });

  it('feeds a client-node informer (list, then watch from the list resourceVersion)', async () => {
    kube.putDeployment(deploymentFixture({ name: 'inf', replicas: 1 }));
    const kc = kubeConfigFor(kube);
    const api = kc.makeApiClient(AppsV1Api);
    const informer = makeInformer<V1Deployment>(
      kc,
      '/apis/apps/v1/namespaces/default/deployments',
      () =>
        api.listNamespacedDeployment({ namespace: 'default', fieldSelector: 'metadata.name=inf' }),
    );
    const updates: string[] = [];
    informer.on('update', (d) => updates.push(String(d.spec?.replicas)));
    await informer.start();
    expect(informer.list().map((d) => d.metadata?.name)).toEqual(['inf']);
    kube.putDeployment(deploymentFixture({ name: 'inf', replicas: 4 }));
    await waitFor(
      () => informer.get('inf', 'default')?.status?.availableReplicas,
      (n) => n === 4,
    );
    expect(updates).toContain('4');
    await informer.stop();
  });
});
