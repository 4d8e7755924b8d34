import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Deployment } from './deployment-object';
import type { Selector } from './selectors';
import { kubeStatus } from './status';
import type { DeploymentStore, StoreEvent } from './store';

export interface WatchParams {
  namespace?: string;
  selector: Selector;
  resourceVersion?: string;
  timeoutSeconds?: number;
  sendInitialEvents?: boolean;
  allowWatchBookmarks?: boolean;
}

/**
 * Streams newline-delimited watch events over a chunked response, the way the API server does,
 * until the client goes away, `timeoutSeconds` passes or the server closes (`ends` returned).
 */
export function serveWatch(
  req: IncomingMessage,
  res: ServerResponse,
  store: DeploymentStore,
  params: WatchParams,
): () => void {
  const matches = (d: Deployment): boolean =>
    (params.namespace === undefined || d.metadata.namespace === params.namespace) &&
    params.selector(d);
  const write = (type: string, object: unknown): void => {
    res.write(`${JSON.stringify({ type, object })}\n`);
  };
  res.writeHead(200, {
    'content-type': 'application/json',
    'cache-control': 'no-cache, private',
    'transfer-encoding': 'chunked',
  });
  res.flushHeaders();

  let finished = false;
  const finish = (): void => {
    if (finished) return;
    finished = true;
    unsubscribe();
    clearTimeout(timer);
    res.end();
  };
  const onEvent = (e: StoreEvent): void => {
    if (matches(e.object)) write(e.type, e.object);
  };

  const rv = params.resourceVersion;
  if (rv === undefined || rv === '' || rv === '0' || params.sendInitialEvents) {
    // No starting point: synthetic ADDED events for the current state, then live changes.
    for (const d of store.list(params.namespace)) if (params.selector(d)) write('ADDED', d);
    if (params.sendInitialEvents) {
      write('BOOKMARK', {
        kind: 'Deployment',
        apiVersion: 'apps/v1',
        metadata: {
          resourceVersion: String(store.resourceVersion),
          annotations: { 'k8s.io/initial-events-end': 'true' },
        },
      });
    }
  } else {
    const from = Number(rv);
    if (!Number.isInteger(from) || from < store.oldestWatchable) {
      write('ERROR', kubeStatus(410, `too old resource version: ${rv} (${store.oldestWatchable})`));
      res.end();
      return () => undefined;
    }
    for (const e of store.eventsSince(from)) onEvent(e);
  }
  const unsubscribe = store.subscribe(onEvent);
  const timer =
    params.timeoutSeconds !== undefined && params.timeoutSeconds > 0
      ? setTimeout(finish, params.timeoutSeconds * 1000)
      : undefined;
  timer?.unref();
  req.on('close', finish);
  res.on('close', finish);
  return finish;
}
