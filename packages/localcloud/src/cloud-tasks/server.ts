import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { googleError, googleRequest } from '../google-api';
import { FaultList } from '../faults';
import type { Fault, RecordedRequest } from '../faults';
import { closeServer, HttpError, listen, readJsonBody, sendJson } from '../http-util';
import { Dispatcher, TASK_STATE } from './dispatcher';
import type { LogLine, RetryPolicy, TaskOutcome } from './dispatcher';
import { InvalidTask, parseCreateTask, QUEUE_PATTERN, taskResource } from './task';

export interface CloudTasksServer {
  /** The value for `CLOUD_TASKS_ENDPOINT` (`http://127.0.0.1:PORT`). */
  url: string;
  /** Pending tasks of a queue (`projects/P/locations/L/queues/Q`), as the list call answers them. */
  pendingTasks(queue: string): Record<string, unknown>[];
  /** Resolves once the task (full name, or its id) got a 2xx; rejects when it failed, was deleted, or on timeout. */
  waitDelivered(name: string, timeoutMs?: number): Promise<TaskOutcome>;
  /** Resolves once the task completed in any way (delivered, failed after retries, deleted). */
  waitSettled(name: string, timeoutMs?: number): Promise<TaskOutcome>;
  requests: RecordedRequest[];
  injectFault(f: Fault): void;
  clearFaults(): void;
  /** Stops the server and clears every pending timer; pending tasks are dropped. */
  close(): Promise<void>;
}

export interface CloudTasksOptions {
  /** The access token callers must present; default any bearer token. */
  token?: string;
  /** Queues that exist (`projects/P/locations/L/queues/Q`); default every well-formed name. */
  queues?: string[];
  /** Default: 5 attempts, backoff 100 ms doubling up to 2 s (Cloud Tasks: 100 attempts, 0.1–3600 s). */
  retry?: Partial<RetryPolicy>;
  /** How long a used task name stays taken after its scheduleTime; default 1 hour. */
  dedupeWindowMs?: number;
  /** Request timeout of a delivery without `dispatchDeadline`; default 600 s, as Cloud Tasks. */
  dispatchDeadlineMs?: number;
  /** One structured line per decision (created, duplicate, delivered, retry, failed, deleted). */
  log?: LogLine;
}

const ROUTE = /^\/v2\/(projects\/[^/]+\/locations\/[^/]+\/queues\/[^/]+)\/tasks(?:\/([^/:]+))?$/;
const DEFAULT_WAIT_MS = 30_000;

/** The Cloud Tasks REST v2 subset the canary deployer uses: create, list, get, delete tasks of HTTP targets. */
export async function startCloudTasks(opts: CloudTasksOptions = {}): Promise<CloudTasksServer> {
  const log: LogLine = (e) => opts.log?.({ component: 'cloud-tasks', ...e });
  const retry: RetryPolicy = {
    maxAttempts: 5,
    minBackoffMs: 100,
    maxBackoffMs: 2000,
    ...opts.retry,
  };
  const dispatcher = new Dispatcher(retry, opts.dedupeWindowMs ?? 3_600_000, log);
  const defaultDeadlineMs = opts.dispatchDeadlineMs ?? 600_000;
  const requests: RecordedRequest[] = [];
  const faults = new FaultList();

  const route = async (method: string, path: string, req: IncomingMessage) => {
    const match = ROUTE.exec(path);
    const queue = match?.[1] ?? '';
    if (!match || !QUEUE_PATTERN.test(queue)) {
      return { status: 404, body: googleError(404, `Not found: ${method} ${path}`) };
    }
    if (opts.queues && !opts.queues.includes(queue)) {
      return { status: 404, body: googleError(404, `Queue does not exist: ${queue}`) };
    }
    const id = match[2];
    if (id === undefined && method === 'POST') {
      const spec = parseCreateTask(await readJsonBody(req), {
        queue,
        nowMs: Date.now(),
        defaultDeadlineMs,
      });
      if (!dispatcher.add(spec)) {
        log({ event: 'duplicate', task: spec.name });
        const message = 'Requested entity already exists';
        return { status: 409, body: googleError(409, message, 'ALREADY_EXISTS') };
      }
      log({
        event: 'created',
        task: spec.name,
        scheduleTime: new Date(spec.scheduleTimeMs).toISOString(),
        url: spec.url,
      });
      return { status: 200, body: taskResource(spec, 0) };
    }
    if (id === undefined && method === 'GET') {
      const tasks = dispatcher.list(queue).map((e) => taskResource(e.spec, e.attempts.length));
      // Google's JSON omits an empty repeated field: no tasks is `{}`.
      return { status: 200, body: tasks.length > 0 ? { tasks } : {} };
    }
    const name = `${queue}/tasks/${id}`;
    const entry = dispatcher.get(name);
    if (id !== undefined && (method === 'GET' || method === 'DELETE')) {
      if (!entry) return { status: 404, body: googleError(404, 'Requested entity was not found.') };
      if (method === 'GET') {
        return { status: 200, body: taskResource(entry.spec, entry.attempts.length) };
      }
      dispatcher.delete(name);
      log({ event: 'deleted', task: name });
      return { status: 200, body: {} };
    }
    return { status: 404, body: googleError(404, `Not found: ${method} ${path}`) };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const api = { host: 'cloudtasks', faults, requests, token: opts.token };
    const request = await googleRequest(req, res, api);
    if (request === undefined) return;
    const { url, method, reply } = request;
    try {
      const { status, body } = await route(method, decodeURIComponent(url.pathname), req);
      reply(status, body);
    } catch (err) {
      if (err instanceof InvalidTask) {
        log({ event: 'rejected', path: url.pathname, reason: err.message });
        reply(400, googleError(400, err.message));
      } else if (err instanceof HttpError) {
        reply(err.statusCode, googleError(err.statusCode, err.message));
      } else if (err instanceof URIError) {
        reply(400, googleError(400, 'malformed percent-encoding in path'));
      } else {
        throw err;
      }
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) sendJson(res, 500, googleError(500, 'internal error'));
    });
  });
  const port = await listen(server);

  const waitSettled = (name: string, timeoutMs = DEFAULT_WAIT_MS) =>
    dispatcher.waitSettled(name, timeoutMs);
  return {
    url: `http://127.0.0.1:${port}`,
    pendingTasks: (queue) =>
      dispatcher.list(queue).map((e) => taskResource(e.spec, e.attempts.length)),
    waitSettled,
    async waitDelivered(name, timeoutMs) {
      const outcome = await waitSettled(name, timeoutMs);
      if (outcome.state !== TASK_STATE.delivered) {
        const last = outcome.attempts.at(-1);
        const why = last ? ` (last attempt: ${last.status ?? last.error})` : '';
        throw new Error(`task ${outcome.name} was ${outcome.state}${why}`);
      }
      return outcome;
    },
    requests,
    injectFault: (f) => faults.add(f),
    clearFaults: () => faults.clear(),
    async close() {
      dispatcher.close();
      await closeServer(server);
    },
  };
}
