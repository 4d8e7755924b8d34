import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ServiceProxy } from '../src/service-proxy';

async function backend(name: string): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    res.setHeader('x-backend', name);
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => res.end(JSON.stringify({ name, method: req.method, url: req.url, body })));
  });
  // Fastify's default, and what inference-api pods answer with: Keep-Alive: timeout=72.
  server.keepAliveTimeout = 72_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port };
}

describe('ServiceProxy', () => {
  const proxy = new ServiceProxy();
  let a: { server: Server; port: number };
  let b: { server: Server; port: number };
  let url: string;

  beforeAll(async () => {
    a = await backend('a');
    b = await backend('b');
    url = `http://127.0.0.1:${await proxy.listen(0)}`;
  });
  afterAll(async () => {
    await proxy.close();
    a.server.close();
    b.server.close();
  });

  it('answers 503 with Retry-After when no pod is ready', async () => {
    proxy.setEndpoints([]);
    const res = await fetch(`${url}/predict`, { method: 'POST', body: 'x' });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('NO_ENDPOINTS');
  });

  it('spreads requests round robin and forwards method, path and body', async () => {
    proxy.setEndpoints([
      { name: 'a', port: a.port },
      { name: 'b', port: b.port },
    ]);
    const seen: string[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`${url}/predict?min_score=0.3`, { method: 'POST', body: `img${i}` });
      const body = (await res.json()) as {
        name: string;
        url: string;
        body: string;
        method: string;
      };
      expect(body).toMatchObject({
        method: 'POST',
        url: '/predict?min_score=0.3',
        body: `img${i}`,
      });
      expect(res.headers.get('x-pod')).toBe(body.name);
      seen.push(body.name);
    }
    expect(seen.sort()).toEqual(['a', 'a', 'b', 'b']);
  });

  it('stops sending to a pod as soon as it leaves the endpoints', async () => {
    proxy.setEndpoints([{ name: 'b', port: b.port }]);
    for (let i = 0; i < 3; i++) {
      const res = await fetch(url);
      expect(((await res.json()) as { name: string }).name).toBe('b');
    }
  });

  it('answers 502 when the pod is gone', async () => {
    const gone = await backend('gone');
    await new Promise((r) => gone.server.close(r));
    proxy.setEndpoints([{ name: 'gone', port: gone.port }]);
    const res = await fetch(url);
    expect(res.status).toBe(502);
  });
});

describe('ServiceProxy connections', () => {
  it("announces its own keep-alive timeout, never the pod's, and forwards end-to-end headers", async () => {
    const pod = await backend('pod');
    const proxy = new ServiceProxy();
    const url = `http://127.0.0.1:${await proxy.listen(0)}`;
    try {
      proxy.setEndpoints([{ name: 'pod', port: pod.port }]);
      const direct = await fetch(`http://127.0.0.1:${pod.port}/`);
      await direct.text();
      expect(direct.headers.get('keep-alive')).toBe('timeout=72');

      const res = await fetch(`${url}/predict`, { method: 'POST', body: 'x' });
      await res.text();
      // Node's server default (5 s): what this proxy really closes idle connections at.
      expect(res.headers.get('keep-alive')).toBe('timeout=5');
      expect(res.headers.get('x-backend')).toBe('pod');
    } finally {
      await proxy.close();
      pod.server.close();
    }
  });
});
