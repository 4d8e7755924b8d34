import { startCloudTasks } from '../../src/cloud-tasks/server';
import type { CloudTasksServer } from '../../src/cloud-tasks/server';
import { startTarget } from './target-server';

const QUEUE = 'projects/p1/locations/us-central1/queues/canary';
type Target = Awaited<ReturnType<typeof startTarget>>;

describe('Cloud Tasks stand-in', () => {
  let tasks: CloudTasksServer;
  let target: Target;
  const lines: Record<string, unknown>[] = [];

  const call = (method: string, path: string, body?: unknown, token = 'access-token') =>
    fetch(`${tasks.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : body === undefined ? undefined : JSON.stringify(body),
    });
  const create = (id: string, extra: Record<string, unknown> = {}, http = {}) =>
    call('POST', `/v2/${QUEUE}/tasks`, {
      task: {
        name: `${QUEUE}/tasks/${id}`,
        httpRequest: {
          url: `${target.url}/hook`,
          httpMethod: 'POST',
          headers: { 'content-type': 'application/cloudevents+json' },
          body: Buffer.from(JSON.stringify({ id })).toString('base64'),
          oidcToken: { serviceAccountEmail: 'fn@p1.iam.gserviceaccount.com', audience: 'aud-1' },
          ...http,
        },
        ...extra,
      },
    });

  beforeAll(async () => {
    target = await startTarget();
    tasks = await startCloudTasks({
      token: 'access-token',
      queues: [QUEUE],
      retry: { maxAttempts: 3, minBackoffMs: 20, maxBackoffMs: 40 },
      log: (l) => lines.push(l),
    });
  });
  afterAll(async () => {
    await tasks.close();
    await target.close();
  });

  it('delivers at scheduleTime, not before, with the OIDC token and X-CloudTasks headers', async () => {
    const scheduleTime = new Date(Date.now() + 300).toISOString();
    const res = await create('build-1-step-1', { scheduleTime });
    expect(res.status).toBe(200);
    const task = (await res.json()) as Record<string, unknown>;
    expect(task).toMatchObject({ name: `${QUEUE}/tasks/build-1-step-1`, scheduleTime });
    expect(typeof task.createTime).toBe('string');

    const outcome = await tasks.waitDelivered('build-1-step-1');
    expect(outcome.attempts.map((a) => a.status)).toEqual([200]);
    const got = target.received.at(-1);
    expect(got?.atMs).toBeGreaterThanOrEqual(Date.parse(scheduleTime));
    expect(got).toMatchObject({ method: 'POST', path: '/hook', body: '{"id":"build-1-step-1"}' });
    expect(got?.headers).toMatchObject({
      'content-type': 'application/cloudevents+json',
      'x-cloudtasks-taskname': 'build-1-step-1',
      'x-cloudtasks-queuename': 'canary',
      'x-cloudtasks-taskretrycount': '0',
    });
    const jwt = /^Bearer (.+)\.(.+)\.(.+)$/.exec(got?.headers.authorization ?? '');
    const claims = JSON.parse(Buffer.from(jwt?.[2] ?? '', 'base64url').toString()) as object;
    expect(claims).toMatchObject({ aud: 'aud-1', email: 'fn@p1.iam.gserviceaccount.com' });
    expect(lines.map((l) => l.event)).toEqual(expect.arrayContaining(['created', 'delivered']));
  });

  it('answers 409 ALREADY_EXISTS for a pending name and for one delivered recently', async () => {
    const later = new Date(Date.now() + 3_600_000).toISOString();
    expect((await create('dup', { scheduleTime: later })).status).toBe(200);
    const again = await create('dup');
    expect(again.status).toBe(409);
    await expect(again.json()).resolves.toEqual({
      error: { code: 409, status: 'ALREADY_EXISTS', message: 'Requested entity already exists' },
    });
    expect((await create('build-1-step-1')).status).toBe(409);
    expect((await call('DELETE', `/v2/${QUEUE}/tasks/dup`)).status).toBe(200);
    expect((await create('dup')).status).toBe(409);
  });

  it('retries non-2xx answers with backoff, counting retries, until a 2xx', async () => {
    target.answer(500, 503);
    const before = target.received.length;
    expect((await create('flaky')).status).toBe(200);
    const outcome = await tasks.waitDelivered('flaky');
    expect(outcome.attempts.map((a) => [a.retry, a.status])).toEqual([
      [0, 500],
      [1, 503],
      [2, 200],
    ]);
    const seen = target.received.slice(before);
    expect(seen.map((r) => r.headers['x-cloudtasks-taskretrycount'])).toEqual(['0', '1', '2']);
    expect(seen.map((r) => r.headers['x-cloudtasks-taskpreviousresponse'])).toEqual([
      undefined,
      '500',
      '503',
    ]);
  });

  it('gives up after maxAttempts; waitDelivered rejects, waitSettled says failed', async () => {
    target.answer(500, 500, 500);
    expect((await create('broken')).status).toBe(200);
    await expect(tasks.waitDelivered('broken')).rejects.toThrow(/failed \(last attempt: 500\)/);
    await expect(tasks.waitSettled(`${QUEUE}/tasks/broken`)).resolves.toMatchObject({
      state: 'failed',
    });
  });

  it('lists, gets and deletes pending tasks; Google omits an empty list', async () => {
    const q2 = QUEUE.replace('canary', 'empty');
    const local = await startCloudTasks();
    try {
      const empty = await fetch(`${local.url}/v2/${q2}/tasks`, {
        headers: { authorization: 'Bearer any' },
      });
      await expect(empty.json()).resolves.toEqual({});
    } finally {
      await local.close();
    }
    const later = new Date(Date.now() + 3_600_000).toISOString();
    await create('pending-1', { scheduleTime: later });
    const list = (await (await call('GET', `/v2/${QUEUE}/tasks`)).json()) as {
      tasks: { name: string }[];
    };
    expect(list.tasks.map((t) => t.name)).toContain(`${QUEUE}/tasks/pending-1`);
    expect((await call('GET', `/v2/${QUEUE}/tasks/pending-1`)).status).toBe(200);
    const settled = tasks.waitSettled('pending-1');
    expect((await call('DELETE', `/v2/${QUEUE}/tasks/pending-1`)).status).toBe(200);
    await expect(settled).resolves.toMatchObject({ state: 'deleted', attempts: [] });
    expect((await call('GET', `/v2/${QUEUE}/tasks/pending-1`)).status).toBe(404);
  });

  it.each([
    ['not JSON', '{'],
    ['no task', { nope: 1 }],
    ['a name in another queue', { task: { name: 'projects/x/locations/y/queues/z/tasks/a' } }],
  ])('answers 400 INVALID_ARGUMENT for %s', async (_what, body) => {
    const res = await call('POST', `/v2/${QUEUE}/tasks`, body);
    expect(res.status).toBe(400);
    await expect(res.json()).resolves.toMatchObject({ error: { code: 400 } });
  });

  it.each([
    ['a bad scheduleTime', { scheduleTime: 'tomorrow' }, {}],
    ['a scheduleTime 31 days ahead', { scheduleTime: new Date(Date.now() + 31 * 864e5) }, {}],
    ['a bad id', { name: `${QUEUE}/tasks/a.b` }, {}],
    ['a non-http url', {}, { url: 'ftp://x/y' }],
    ['a bad method', {}, { httpMethod: 'TRACE' }],
    ['a non-base64 body', {}, { body: 'not base64!' }],
    ['a non-string header', {}, { headers: { a: 1 } }],
    ['an oidcToken without email', {}, { oidcToken: { audience: 'x' } }],
    ['a bad dispatchDeadline', { dispatchDeadline: '5m' }, {}],
  ])('answers 400 INVALID_ARGUMENT for %s', async (_what, extra, http) => {
    const res = await create('bad', extra, http);
    expect(res.status).toBe(400);
    await expect(res.json()).resolves.toMatchObject({
      error: { code: 400, status: 'INVALID_ARGUMENT' },
    });
  });

  it('answers 401 without the token and 404 for an unknown queue', async () => {
    expect((await call('GET', `/v2/${QUEUE}/tasks`, undefined, 'wrong')).status).toBe(401);
    const other = await call('GET', `/v2/${QUEUE.replace('canary', 'other')}/tasks`);
    expect(other.status).toBe(404);
    await expect(other.json()).resolves.toMatchObject({ error: { status: 'NOT_FOUND' } });
  });

  it('close drops pending tasks and rejects waiters', async () => {
    const local = await startCloudTasks();
    const later = new Date(Date.now() + 3_600_000).toISOString();
    const res = await fetch(`${local.url}/v2/${QUEUE}/tasks`, {
      method: 'POST',
      headers: { authorization: 'Bearer t' },
      body: JSON.stringify({ task: { scheduleTime: later, httpRequest: { url: target.url } } }),
    });
    const { name } = (await res.json()) as { name: string };
    expect(name).toMatch(/\/tasks\/[0-9a-f]{32}$/);
    const waiting = local.waitDelivered(name);
    await local.close();
    await expect(waiting).rejects.toThrow(/closed/);
  });
});
