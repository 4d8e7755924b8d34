import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCertificateAuthority, startContainerApi } from '@maskops/localcloud';
import type { Fn } from './helpers/cloud';
import { digest, OLD_IMAGE, REPO } from './helpers/cloud';
import { deliver, functionSuite, lastLog } from './helpers/suite';
import { sleep } from '@maskops/shared';

const suite = functionSuite({ ROLLOUT_TIMEOUT_SECONDS: '0' });
const { fn } = suite;
const deploymentPath = (f: Fn) => `/apis/apps/v1/namespaces/default/deployments/${f.name}`;
const kubeCalls = (f: Fn, method: string) =>
  suite.cloud.kube.requests.filter((r) => r.method === method && r.path === deploymentPath(f));

describe('Kubernetes API failures', () => {
  it('500 on the patch fails the invocation (redelivery), and the redelivery deploys', async () => {
    const f = await fn();
    suite.cloud.kube.injectFault({ method: 'PATCH', path: deploymentPath(f), status: 500 });
    expect(await deliver(f)).toBeGreaterThanOrEqual(500);
    expect(f.image()).toBe(OLD_IMAGE);
    expect(lastLog(f)).toMatchObject({
      outcome: 'retry',
      code: 'KUBE_UNAVAILABLE',
      severity: 'WARNING',
    });
    expect(await deliver(f)).toBe(204);
    expect(f.image()).toBe(`${REPO}@${digest('1')}`);
  });

  it('503 and 429 on the read are transient too', async () => {
    const f = await fn();
    suite.cloud.kube.injectFault({ method: 'GET', path: deploymentPath(f), status: 503 });
    expect(await deliver(f)).toBeGreaterThanOrEqual(500);
    suite.cloud.kube.injectFault({ method: 'GET', path: deploymentPath(f), status: 429 });
    expect(await deliver(f)).toBeGreaterThanOrEqual(500);
    expect(f.patches()).toBe(0);
  });

  it('409 once: re-reads, re-plans and succeeds', async () => {
    const f = await fn();
    suite.cloud.kube.injectFault({ method: 'PATCH', path: deploymentPath(f), status: 409 });
    expect(await deliver(f)).toBe(204);
    expect(f.image()).toBe(`${REPO}@${digest('1')}`);
    expect(kubeCalls(f, 'PATCH').map((r) => r.status)).toEqual([409, 200]);
    expect(kubeCalls(f, 'GET')).toHaveLength(2);
    expect(lastLog(f)).toMatchObject({ outcome: 'patched', attempts: 2 });
  });

  it('a real concurrent writer: the stale resourceVersion is refused with 409 and the retry wins', async () => {
    const f = await fn();
    // Hold our patch so another writer changes the Deployment after our read: the
    // other write happens once the patch has arrived (recorded on arrival, answered
    // after the delay), whatever the machine's load.
    suite.cloud.kube.injectFault({ method: 'PATCH', path: deploymentPath(f), delayMs: 300 });
    const pending = deliver(f);
    while (kubeCalls(f, 'PATCH').length === 0) await sleep(5);
    const d = suite.cloud.kube.getDeployment('default', f.name)!;
    d.metadata.labels = { ...d.metadata.labels, touched: 'yes' };
    suite.cloud.kube.putDeployment(d);
    expect(await pending).toBe(204);
    expect(kubeCalls(f, 'PATCH').map((r) => r.status)).toEqual([409, 200]);
    expect(f.image()).toBe(`${REPO}@${digest('1')}`);
    expect(f.deployment().metadata.labels!.touched).toBe('yes');
  });

  it('409 on every attempt: gives up after 4 and fails the invocation', async () => {
    const f = await fn();
    suite.cloud.kube.injectFault({
      method: 'PATCH',
      path: deploymentPath(f),
      status: 409,
      times: Infinity,
    });
    expect(await deliver(f)).toBeGreaterThanOrEqual(500);
    expect(kubeCalls(f, 'PATCH')).toHaveLength(4);
    expect(lastLog(f)).toMatchObject({ outcome: 'retry', code: 'KUBE_CONFLICT' });
  });

  it('a request that times out fails the invocation, nothing patched', async () => {
    const f = await fn({ fn: { requestTimeoutMs: 300 } });
    suite.cloud.kube.injectFault({ method: 'GET', path: deploymentPath(f), delayMs: 1500 });
    expect(await deliver(f)).toBeGreaterThanOrEqual(500);
    expect(f.patches()).toBe(0);
    expect(lastLog(f)).toMatchObject({ outcome: 'retry', code: 'KUBE_UNAVAILABLE' });
  });

  it('401 once: refreshes the token and cluster lookup, retries, succeeds', async () => {
    const f = await fn();
    expect(await deliver(f, { id: 'warm', finishTime: '2026-01-01T00:00:00Z' })).toBe(204);
    const tokens = suite.cloud.metadata.tokenRequests();
    const lookups = suite.cloud.container.requests.length;
    suite.cloud.kube.injectFault({ method: 'GET', path: deploymentPath(f), status: 401 });
    expect(
      await deliver(f, { results: { images: [{ name: `${REPO}:x`, digest: digest('9') }] } }),
    ).toBe(204);
    expect(f.image()).toBe(`${REPO}@${digest('9')}`);
    expect(suite.cloud.metadata.tokenRequests()).toBe(tokens + 1);
    expect(suite.cloud.container.requests.length).toBe(lookups + 1);
  });

  it('credentials are cached per instance: many messages, one token and one cluster lookup', async () => {
    const f = await fn();
    const lookups = suite.cloud.container.requests.length;
    for (let i = 0; i < 3; i++) {
      expect(await deliver(f, { id: `c${i}`, finishTime: `2026-01-01T00:00:0${i}Z` })).toBe(204);
    }
    expect(suite.cloud.container.requests.length).toBe(lookups + 1);
  });

  it('403 from Kubernetes (RBAC) is permanent: acknowledged, logged as ERROR', async () => {
    const f = await fn();
    suite.cloud.kube.injectFault({ method: 'GET', path: deploymentPath(f), status: 403 });
    expect(await deliver(f)).toBe(204);
    expect(lastLog(f)).toMatchObject({
      outcome: 'rejected',
      code: 'KUBE_FORBIDDEN',
      severity: 'ERROR',
    });
  });
});

describe('credentials', () => {
  it('a token that cannot be fetched is transient: the invocation fails, nothing patched', async () => {
    const f = await fn();
    const saved = process.env.GCE_METADATA_HOST;
    // Nothing listens on port 9 of loopback: every token request is refused.
    process.env.GCE_METADATA_HOST = '127.0.0.1:9';
    try {
      expect(await deliver(f)).toBeGreaterThanOrEqual(500);
    } finally {
      process.env.GCE_METADATA_HOST = saved;
    }
    expect(lastLog(f)).toMatchObject({ outcome: 'retry', code: 'CREDENTIALS_UNAVAILABLE' });
    expect(f.patches()).toBe(0);
    // The failed connection is not cached: the redelivery succeeds.
    expect(await deliver(f)).toBe(204);
    expect(f.image()).toBe(`${REPO}@${digest('1')}`);
  });
});

describe('Container API failures', () => {
  it.each<[number, number, string]>([
    [500, 500, 'CONTAINER_API_UNAVAILABLE'],
    [429, 500, 'CONTAINER_API_UNAVAILABLE'],
    [404, 204, 'CONTAINER_API_NOT_FOUND'],
    [403, 204, 'CONTAINER_API_FORBIDDEN'],
  ])('HTTP %i → invocation %i (%s)', async (status, expected, code) => {
    const f = await fn();
    suite.cloud.container.injectFault({ status });
    const got = await deliver(f);
    expect(expected === 204 ? got : Math.floor(got / 100) * 100).toBe(expected);
    expect(lastLog(f)).toMatchObject({ code });
    expect(f.patches()).toBe(0);
  });
});

describe('Container API timeout', () => {
  it('a Container API that does not answer in time is transient', async () => {
    const f = await fn({ fn: { requestTimeoutMs: 300 } });
    suite.cloud.container.injectFault({ delayMs: 1500 });
    expect(await deliver(f)).toBeGreaterThanOrEqual(500);
    expect(lastLog(f)).toMatchObject({ outcome: 'retry', code: 'CONTAINER_API_UNAVAILABLE' });
    expect(f.patches()).toBe(0);
  });
});

/** A second Container API that answers the local cluster with `caPem` as its CA. */
const containerApiWithCa = (caPem: string) =>
  startContainerApi({
    token: suite.cloud.metadata.token,
    clusters: [
      {
        project: 'local-project',
        location: 'us-central1-a',
        name: 'maskops',
        endpoint: suite.cloud.kube.endpoint,
        caPem,
      },
    ],
  });

describe('TLS to the cluster', () => {
  it('is verified against the CA from the Container API: a wrong CA is a transient failure, nothing patched', async () => {
    const wrongCa = generateCertificateAuthority().certPem;
    const lying = await containerApiWithCa(wrongCa);
    try {
      const f = await fn({
        env: { ROLLOUT_TIMEOUT_SECONDS: '0', CONTAINER_API_ENDPOINT: lying.url },
      });
      const before = suite.cloud.kube.requests.length;
      expect(await deliver(f)).toBeGreaterThanOrEqual(500);
      expect(suite.cloud.kube.requests.length).toBe(before);
      expect(f.image()).toBe(OLD_IMAGE);
      expect(lastLog(f)).toMatchObject({ outcome: 'retry', code: 'KUBE_UNAVAILABLE' });
    } finally {
      await lying.close();
    }
  });
});

describe('a cluster CA that is not a PEM certificate', () => {
  it.each([
    ['plain text', 'not a certificate'],
    [
      'PEM armour around garbage',
      '-----BEGIN CERTIFICATE-----\nbm9wZQ==\n-----END CERTIFICATE-----\n',
    ],
  ])(
    '%s: CRITICAL configuration error, still non-2xx so the fixed cluster deploys it',
    async (_n, caPem) => {
      const broken = await containerApiWithCa(caPem);
      try {
        const f = await fn({
          env: { ROLLOUT_TIMEOUT_SECONDS: '0', CONTAINER_API_ENDPOINT: broken.url },
        });
        expect(await deliver(f)).toBeGreaterThanOrEqual(500);
        expect(f.patches()).toBe(0);
        expect(lastLog(f)).toMatchObject({
          severity: 'CRITICAL',
          outcome: 'retry',
          code: 'CLUSTER_CA_INVALID',
        });
        expect(String(lastLog(f).message)).toContain('configuration error');
        expect(JSON.stringify(f.logs)).not.toContain(Buffer.from(caPem).toString('base64'));
      } finally {
        await broken.close();
      }
    },
  );
});

describe('KUBECONFIG mode', () => {
  it('uses the kubeconfig file and never asks the Container API', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'kc-')), 'config');
    writeFileSync(file, suite.cloud.kube.kubeconfig());
    const f = await fn({
      env: {
        ROLLOUT_TIMEOUT_SECONDS: '0',
        KUBECONFIG: file,
        CONTAINER_API_ENDPOINT: 'http://127.0.0.1:9',
      },
    });
    expect(await deliver(f)).toBe(204);
    expect(f.image()).toBe(`${REPO}@${digest('1')}`);
  });
});

describe('unexpected exceptions', () => {
  it('a bug is INTERNAL: 5xx so the message is redelivered, with its stack in the ERROR line', async () => {
    const bug = () => Promise.reject(new TypeError('cannot read properties of undefined'));
    const f = await fn({ fn: { api: { read: bug, patch: bug } } });
    expect(await deliver(f)).toBe(500);
    const line = lastLog(f);
    expect(line).toMatchObject({ outcome: 'retry', code: 'INTERNAL', severity: 'ERROR' });
    expect(String(line?.stack)).toContain('TypeError: cannot read properties of undefined');
    expect(f.results.at(-1)).toMatchObject({ ack: false, code: 'INTERNAL' });
  });
});
