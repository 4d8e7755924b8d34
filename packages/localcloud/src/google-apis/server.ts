import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sleep } from '@maskops/shared';
import { FaultList } from '../faults';
import type { Fault } from '../faults';
import { googleError } from '../google-api';
import { bearerToken, closeServer, HttpError, listen, readBody, sendJson } from '../http-util';
import { handleStorage, isStoragePath } from '../storage/routes';
import type { StorageContext, UploadSession } from '../storage/routes';
import { BucketNotifications } from '../storage/notifications';
import { StorageStore } from '../storage/storage-store';
import { GoogleApiError } from './api-error';
import { API_ROUTES, OVERRIDDEN_WITHOUT_STAND_IN } from './apis';
import type { ClusterEndpoint } from './container';
import { CloudState } from './cloud-state';
import { dispatch } from './route';
import type { ApiReply, Route } from './route';

/** One call to a REST stand-in, as recorded. */
export interface RecordedApiCall {
  /** The API's short name (`pubsub`, `iam`, …; `storage`; `proxy` for a CONNECT). */
  api: string;
  method: string;
  /** The path as the real API sees it (`/v1/projects/p/topics/t`). */
  path: string;
  query: string;
  /** Parsed JSON body when there was one (uploads: absent). */
  body?: unknown;
  status: number;
  /** True when no stand-in knows the call: it was answered 501. */
  unknown?: true;
}

export interface GoogleApisServer {
  /** `http://127.0.0.1:PORT`; also a `STORAGE_EMULATOR_HOST` for `@google-cloud/storage`. */
  url: string;
  state: CloudState;
  storage: StorageStore;
  requests: RecordedApiCall[];
  /** Calls answered 501 (no stand-in) and CONNECTs to real Google hosts. */
  unknownRequests(): RecordedApiCall[];
  /**
   * Environment for the real gcloud: every API endpoint overridden to this server,
   * a fresh configuration directory, the access token, and a proxy (this server) that
   * refuses, and records, anything that would still leave for a real Google host.
   */
  gcloudEnv(configDir: string): Record<string, string>;
  injectFault(f: Fault): void;
  clearFaults(): void;
  close(): Promise<void>;
}

export interface GoogleApisOptions {
  /** The access token calls must carry; any token when unset. */
  token?: string;
  /** Where clusters created through the Container API answer (the Kubernetes stand-in). */
  kube?: ClusterEndpoint;
}

const STATUS_TEXT: Record<number, string> = { 501: 'UNIMPLEMENTED' };

/**
 * The Google Cloud REST APIs that gcloud calls for `setup.sh`, on one loopback port:
 * `/{api}/…` for each API (what `CLOUDSDK_API_ENDPOINT_OVERRIDES_<API>` points at) and
 * Cloud Storage at its own paths (`/storage/v1`, `/upload/storage/v1`, `/download/…`).
 */
export async function startGoogleApis(opts: GoogleApisOptions = {}): Promise<GoogleApisServer> {
  const state = new CloudState();
  const storage = new StorageStore();
  const sessions = new Map<string, UploadSession>();
  const faults = new FaultList();
  const requests: RecordedApiCall[] = [];
  const routes = new Map<string, Route[]>(
    Object.entries(API_ROUTES).map(([api, make]) => [api, make(state, opts.kube)]),
  );
  let origin = '';
  const notifications = new BucketNotifications(
    storage,
    state.messages,
    (topic) => state.get(topic) !== undefined,
    () => origin,
  );
  const storageContext: StorageContext = {
    store: storage,
    policies: state.policies,
    sessions,
    notifications,
    projectNumber: (p) => state.projectNumber(p),
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    // A proxied request names its host (absolute form); gcloud run's regional host
    // (`us-central1-127.0.0.1`) is no valid URL host, so only the path is parsed.
    const target = (req.url ?? '/').replace(/^[a-z]+:\/\/[^/]*/i, '') || '/';
    const url = new URL(target, 'http://localcloud');
    const method = req.method ?? 'GET';
    const storagePath = isStoragePath(url.pathname);
    const [, api = '', ...rest] = storagePath
      ? ['', 'storage', url.pathname.slice(1)]
      : url.pathname.split('/');
    const path = storagePath ? url.pathname : `/${rest.join('/')}`;
    const entry: RecordedApiCall = { api, method, path, query: url.search, status: 0 };
    requests.push(entry);
    const answer = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      entry.status = status;
      if (status === 204) res.writeHead(204, headers).end();
      else
        sendJson(res, status, body, {
          'content-type': 'application/json; charset=UTF-8',
          ...headers,
        });
    };
    try {
      const raw = await readBody(req, 64 * 1024 * 1024);
      const contentType = req.headers['content-type'] ?? '';
      if (raw.length > 0 && contentType.startsWith('application/json')) {
        try {
          entry.body = JSON.parse(raw.toString('utf8')) as unknown;
        } catch {
          throw new GoogleApiError(400, 'Invalid JSON payload received.', 'INVALID_ARGUMENT');
        }
      }
      const fault = faults.take(method, path);
      if (fault?.delayMs) await sleep(fault.delayMs);
      if (fault?.status !== undefined)
        return answer(fault.status, fault.body ?? googleError(fault.status, 'injected fault'));
      const token = bearerToken(req);
      const signedUpload = path.startsWith('/upload-signed/');
      if (
        !signedUpload &&
        (token === undefined || (opts.token !== undefined && token !== opts.token))
      ) {
        return answer(
          401,
          googleError(
            401,
            'Request had invalid authentication credentials. Expected OAuth 2 access token.',
          ),
        );
      }
      let reply: ApiReply | undefined;
      if (storagePath) {
        const r = handleStorage(storageContext, {
          method,
          path,
          query: url.searchParams,
          body: raw,
          contentType,
          origin,
        });
        if (r?.media) {
          entry.status = 200;
          res.writeHead(200, {
            'content-type': r.media.contentType,
            'content-length': r.media.data.length,
            'x-goog-generation': r.media.generation,
          });
          res.end(r.media.data);
          return;
        }
        if (r) return answer(r.status, r.body ?? {}, r.headers);
      } else {
        const known = routes.get(api);
        reply =
          known &&
          dispatch(known, { method, path, query: url.searchParams, body: entry.body, origin });
      }
      if (!reply) {
        entry.unknown = true;
        return answer(
          501,
          googleError(
            501,
            `localcloud has no stand-in for ${api} ${method} ${path}`,
            STATUS_TEXT[501],
          ),
        );
      }
      answer(reply.status, reply.body);
    } catch (err) {
      if (res.headersSent) return;
      if (err instanceof GoogleApiError) answer(err.code, err.toBody());
      else if (err instanceof HttpError)
        answer(err.statusCode, googleError(err.statusCode, err.message));
      else answer(500, googleError(500, 'localcloud: internal error'));
    }
  };

  const server = createServer((req, res) => void handle(req, res));
  // A CONNECT is gcloud reaching for a real Google host past the overrides: refuse and record it.
  server.on(
    'connect',
    (req: IncomingMessage, socket: NodeJS.WritableStream & { end: (s: string) => void }) => {
      requests.push({
        api: 'proxy',
        method: 'CONNECT',
        path: req.url ?? '',
        query: '',
        status: 501,
        unknown: true,
      });
      socket.end('HTTP/1.1 501 Not Implemented\r\ncontent-length: 0\r\n\r\n');
    },
  );
  const port = await listen(server);
  origin = `http://127.0.0.1:${port}`;

  return {
    url: origin,
    state,
    storage,
    requests,
    unknownRequests: () => requests.filter((r) => r.unknown),
    gcloudEnv(configDir) {
      const env: Record<string, string> = {
        CLOUDSDK_CONFIG: configDir,
        CLOUDSDK_AUTH_ACCESS_TOKEN: opts.token ?? 'localcloud-token',
        CLOUDSDK_CORE_DISABLE_PROMPTS: '1',
        CLOUDSDK_CORE_DISABLE_USAGE_REPORTING: 'true',
        CLOUDSDK_CORE_CHECK_GCE_METADATA: 'false',
        CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK: 'true',
        CLOUDSDK_API_ENDPOINT_OVERRIDES_STORAGE: `${origin}/storage/v1/`,
        HTTPS_PROXY: origin,
        https_proxy: origin,
        HTTP_PROXY: origin,
        http_proxy: origin,
        // A range, not `127.0.0.1`: a suffix match would also pass `us-central1-127.0.0.1`
        // (gcloud run's regional endpoint) straight to a name that does not resolve.
        NO_PROXY: '127.0.0.0/8,localhost',
        no_proxy: '127.0.0.0/8,localhost',
      };
      for (const api of [...Object.keys(API_ROUTES), ...OVERRIDDEN_WITHOUT_STAND_IN]) {
        env[`CLOUDSDK_API_ENDPOINT_OVERRIDES_${api.toUpperCase()}`] = `${origin}/${api}/`;
      }
      return env;
    },
    injectFault: (f) => faults.add(f),
    clearFaults: () => faults.clear(),
    close: () => closeServer(server),
  };
}
