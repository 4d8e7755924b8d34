import { startContainerApi } from '../src/container-api';
import type { ContainerApiServer } from '../src/container-api';

const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

describe('Container API stand-in', () => {
  let api: ContainerApiServer;
  const path = '/v1/projects/p1/locations/us-central1/clusters/c1';
  const get = (p: string, token = 'secret') =>
    fetch(`${api.url}${p}`, { headers: { authorization: `Bearer ${token}` } });

  beforeAll(async () => {
    api = await startContainerApi({
      token: 'secret',
      clusters: [
        {
          project: 'p1',
          location: 'us-central1',
          name: 'c1',
          endpoint: '127.0.0.1:6443',
          caPem: CA,
        },
      ],
    });
  });
  afterAll(() => api.close());
  afterEach(() => api.clearFaults());

  it('returns the endpoint and base64 CA of a known cluster', async () => {
    const res = await get(path);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { masterAuth: { clusterCaCertificate: string } };
    expect(body).toMatchObject({
      name: 'c1',
      location: 'us-central1',
      endpoint: '127.0.0.1:6443',
      status: 'RUNNING',
    });
    expect(Buffer.from(body.masterAuth.clusterCaCertificate, 'base64').toString()).toBe(CA);
  });

  it('answers 401 without the token and 404 for unknown clusters, Google style', async () => {
    const denied = await get(path, 'wrong');
    expect(denied.status).toBe(401);
    await expect(denied.json()).resolves.toMatchObject({
      error: { code: 401, status: 'UNAUTHENTICATED' },
    });
    const missing = await get('/v1/projects/p1/locations/us-central1/clusters/nope');
    expect(missing.status).toBe(404);
    await expect(missing.json()).resolves.toMatchObject({
      error: { code: 404, status: 'NOT_FOUND' },
    });
  });

  it('plays injected faults the given number of times and records requests', async () => {
    api.injectFault({ method: 'GET', path: /clusters\/c1$/, status: 503, times: 2 });
    expect((await get(path)).status).toBe(503);
    expect((await get(path)).status).toBe(503);
    expect((await get(path)).status).toBe(200);
    expect(api.requests.slice(-3).map((r) => r.status)).toEqual([503, 503, 200]);
    expect(api.requests.at(-1)).toMatchObject({ method: 'GET', path });
  });
});
