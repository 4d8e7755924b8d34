import type { TokenSource } from '../cluster/token-source';
import { googleHttp } from './google-http';

interface HttpTask {
  /** Task id within the queue, `[A-Za-z0-9_-]`, at most 500 characters. */
  readonly id: string;
  readonly scheduleTime: Date;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** Cloud Tasks signs an OIDC token as this account for `audience`. */
  readonly oidc: { readonly serviceAccountEmail: string; readonly audience: string };
}

export type EnqueueResult = 'created' | 'already-exists';

export interface CloudTasksClient {
  /** Creating a task whose name exists (or existed recently) is `already-exists`, not an error. */
  enqueue(task: HttpTask): Promise<EnqueueResult>;
}

const CODES = { unavailable: 'TASKS_UNAVAILABLE', rejected: 'TASKS_REJECTED' } as const;

/** Task ids allow letters, digits, `-` and `_` only. */
export function taskId(raw: string): string {
  return raw.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 500);
}

/** Cloud Tasks REST v2, `POST {endpoint}/v2/{queue}/tasks`. */
export function cloudTasksClient(
  endpoint: string,
  queue: string,
  tokenSource: TokenSource,
  options: { timeoutMs?: number } = {},
): CloudTasksClient {
  return {
    async enqueue(task) {
      const body = {
        task: {
          name: `${queue}/tasks/${taskId(task.id)}`,
          scheduleTime: task.scheduleTime.toISOString(),
          httpRequest: {
            url: task.url,
            httpMethod: 'POST',
            headers: task.headers,
            body: Buffer.from(task.body).toString('base64'),
            oidcToken: task.oidc,
          },
        },
      };
      const answer = await googleHttp(
        'Cloud Tasks create',
        CODES,
        { tokenSource, ...options },
        `${endpoint}/v2/${queue}/tasks`,
        { method: 'POST', body: JSON.stringify(body), contentType: 'application/json' },
        [409],
      );
      return answer.status === 409 ? 'already-exists' : 'created';
    },
  };
}
