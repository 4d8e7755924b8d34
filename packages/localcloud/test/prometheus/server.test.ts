import { createServer } from 'node:http';
import { closeServer, listen } from '../../src/http-util';
import { startPrometheus } from '../../src/prometheus/server';
import type { PrometheusServer } from '../../src/prometheus/server';
import { sleep } from '@maskops/shared';

/** A pod's /metrics on loopback whose text the test changes between scrapes. */
async function startPod(text: string) {
  const pod = { text, status: 200 };
  const server = createServer((_req, res) => {
    res.writeHead(pod.status, { 'content-type': 'text/plain; version=0.0.4' }).end(pod.text);
  });
  const port = await listen(server);
  return Object.assign(pod, {
    url: `http://127.0.0.1:${port}/metrics`,
    close: () => closeServer(server),
  });
}
const counter = (v: number, track = 'canary') =>
  `# TYPE req_total counter\nreq_total{track="${track}",instance="in-app"} ${v}\n`;

describe('Prometheus stand-in over HTTP', () => {
  let prom: PrometheusServer;
  let podA: Awaited<ReturnType<typeof startPod>>;
  let podB: Awaited<ReturnType<typeof startPod>>;
  const lines: Record<string, unknown>[] = [];
  const get = (q: string, time?: number) =>
    fetch(
      `${prom.url}/api/v1/query?${new URLSearchParams({ query: q, ...(time ? { time: String(time) } : {}) }).toString()}`,
    );

  beforeAll(async () => {
    podA = await startPod(counter(10));
    podB = await startPod(counter(1, 'stable'));
    // A long interval: the test drives scrapes with scrapeNow().
    prom = await startPrometheus({
      scrapeIntervalMs: 60_000,
      targets: [{ url: podA.url, labels: { pod: 'a' } }],
      log: (l) => lines.push(l),
    });
  });
  afterAll(async () => {
    await prom.close();
    await Promise.all([podA.close(), podB.close()]);
  });

  it('scrapes changing text with instance/job labels, handles a reset, and answers GET and POST', async () => {
    for (const v of [10, 20, 5, 15]) {
      podA.text = counter(v);
      await prom.scrapeNow();
      await sleep(20);
    }
    const host = new URL(podA.url).host;
    const res = await get('sum by (track) (increase(req_total[1h]))');
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      status: string;
      data: { resultType: string; result: { metric: object; value: [number, string] }[] };
    };
    expect(body.status).toBe('success');
    expect(body.data.resultType).toBe('vector');
    expect(body.data.result).toHaveLength(1);
    expect(body.data.result[0]?.metric).toEqual({ track: 'canary' });
    // Increase 10 + (reset) 20 - 5 + ... = 10 + 5 + 15 - 10 = 25 between the samples; samples cover
    // less than the hour, so it is extrapolated by half a spacing at each end: at least 25.
    expect(Number(body.data.result[0]?.value[1])).toBeGreaterThanOrEqual(25);

    const raw = prom.query('req_total');
    expect(raw.resultType === 'vector' && raw.samples.map((s) => s.labels)).toEqual([
      {
        __name__: 'req_total',
        exported_instance: 'in-app',
        instance: host,
        job: 'localcloud',
        pod: 'a',
        track: 'canary',
      },
    ]);
    const post = await fetch(`${prom.url}/v1/projects/p/location/global/prometheus/api/v1/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: 'Bearer any' },
      body: new URLSearchParams({ query: 'up', time: String(Date.now() / 1000) }),
    });
    const up = (await post.json()) as { data: { result: { value: [number, string] }[] } };
    expect(up.data.result.map((r) => r.value[1])).toEqual(['1']);
  });

  it('follows targets added and removed at run time; a failing target is down', async () => {
    prom.addTarget({ url: podB.url });
    await prom.scrapeNow();
    expect(Object.keys(valueByTrack(prom.query('req_total'))).sort()).toEqual(['canary', 'stable']);
    podB.status = 500;
    await prom.scrapeNow();
    expect(prom.targets().find((t) => t.url === podB.url)).toMatchObject({
      health: 'down',
      lastError: 'server returned HTTP status 500',
    });
    prom.removeTarget(podB.url);
    // Its series are stale at once, as when a pod goes away.
    expect(Object.keys(valueByTrack(prom.query('req_total')))).toEqual(['canary']);
    expect(prom.targets().map((t) => t.url)).toEqual([podA.url]);
    expect(lines.map((l) => l.event)).toEqual(
      expect.arrayContaining(['target-added', 'target-health', 'target-removed']),
    );
  });

  it('answers bad queries and bad times with 400 bad_data, never a crash', async () => {
    for (const res of [
      await get('avg(req_total)'),
      await get(''),
      await fetch(`${prom.url}/api/v1/query?query=up&time=NaN`),
      await fetch(`${prom.url}/api/v1/query?query=up&time=yesterday`),
      await fetch(`${prom.url}/api/v1/query`, {
        method: 'POST',
        body: 'query=up',
        headers: { 'content-type': 'text/plain' },
      }),
    ]) {
      expect(res.status).toBe(400);
      await expect(res.json()).resolves.toMatchObject({ status: 'error', errorType: 'bad_data' });
    }
    expect((await fetch(`${prom.url}/api/v1/nope`)).status).toBe(404);
  });

  it('writes NaN and +Inf as Prometheus does', async () => {
    const body = (await (await get('sum(req_total) / 0')).json()) as {
      data: { result: { value: [number, string] }[] };
    };
    expect(body.data.result.map((r) => r.value[1])).toEqual(['+Inf']);
    const scalar = (await (await get('0/0', 1000)).json()) as { data: unknown };
    expect(scalar.data).toEqual({ resultType: 'scalar', result: [1000, 'NaN'] });
  });
});

function valueByTrack(r: ReturnType<PrometheusServer['query']>): Record<string, number> {
  if (r.resultType !== 'vector') return {};
  return Object.fromEntries(r.samples.map((s) => [s.labels.track ?? '', s.value]));
}
