import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FaultList } from './faults';
import type { Fault } from './faults';
import { sleep } from '@maskops/shared';
import { closeServer, listen } from './http-util';

export interface MetadataServer {
  url: string;
  /** `127.0.0.1:PORT`, the value for `GCE_METADATA_HOST`. */
  host: string;
  token: string;
  projectId: string;
  email: string;
  tokenRequests(): number;
  /** E.g. `{ path: /\/token$/, status: 500, times: Infinity }` for a credentials outage. */
  injectFault(f: Fault): void;
  clearFaults(): void;
  close(): Promise<void>;
}

export interface MetadataServerOptions {
  projectId?: string;
  token?: string;
  email?: string;
  zone?: string;
}

const FLAVOR = { 'Metadata-Flavor': 'Google' } as const;

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** An unsigned but well-formed JWT: enough for code that only passes it on or decodes it. */
export function fakeIdentityToken(audience: string, email: string): string {
  const now = Math.floor(Date.now() / 1000);
  const header = base64url({ alg: 'RS256', typ: 'JWT', kid: 'localcloud' });
  const payload = base64url({
    iss: 'https://accounts.google.com',
    aud: audience,
    azp: email,
    email,
    email_verified: true,
    sub: '100000000000000000000',
    iat: now,
    exp: now + 3600,
  });
  return `${header}.${payload}.${randomBytes(32).toString('base64url')}`;
}

/**
 * The GCE/Cloud Run metadata server as google-auth-library sees it: Application Default
 * Credentials find it through `GCE_METADATA_HOST` and take its access token and project.
 */
export async function startMetadataServer(
  opts: MetadataServerOptions = {},
): Promise<MetadataServer> {
  const projectId = opts.projectId ?? 'local-project';
  const token = opts.token ?? `ya29.localcloud-${randomBytes(12).toString('hex')}`;
  const email = opts.email ?? `deployer@${projectId}.iam.gserviceaccount.com`;
  const zone = opts.zone ?? 'us-central1-a';
  let tokenRequests = 0;
  const faults = new FaultList();

  const account = '/computeMetadata/v1/instance/service-accounts/default';
  const text: Record<string, () => string> = {
    '/computeMetadata/v1/project/project-id': () => projectId,
    '/computeMetadata/v1/project/numeric-project-id': () => '123456789012',
    '/computeMetadata/v1/instance/zone': () => `projects/123456789012/zones/${zone}`,
    '/computeMetadata/v1/instance/region': () =>
      `projects/123456789012/regions/${zone.replace(/-[a-z]$/, '')}`,
    '/computeMetadata/v1/instance/id': () => '1234567890123456789',
    '/computeMetadata/v1/universe/universe-domain': () => 'googleapis.com',
    [`${account}/email`]: () => email,
    [`${account}/scopes`]: () => 'https://www.googleapis.com/auth/cloud-platform',
    [`${account}/aliases`]: () => 'default',
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://metadata');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const reply = (status: number, body: string, type = 'application/text'): void => {
      res.writeHead(status, { ...FLAVOR, 'content-type': type });
      res.end(body);
    };
    // The real server refuses requests without the header (protection against SSRF).
    if (req.headers['metadata-flavor'] !== 'Google' && path !== '/') {
      reply(403, 'Missing required header: Metadata-Flavor', 'text/html');
      return;
    }
    const fault = faults.take(req.method ?? 'GET', path);
    if (fault?.delayMs) await sleep(fault.delayMs);
    if (fault?.status !== undefined) {
      const body = fault.body === undefined ? 'injected fault' : JSON.stringify(fault.body);
      reply(fault.status, body, 'text/html');
      return;
    }
    if (req.method !== 'GET') {
      reply(405, 'Method not allowed', 'text/html');
      return;
    }
    if (path === '/' || path === '/computeMetadata/v1' || path === '/computeMetadata/v1/instance') {
      reply(200, 'computeMetadata/\n');
      return;
    }
    if (path === `${account}/token`) {
      tokenRequests += 1;
      const body = { access_token: token, expires_in: 3599, token_type: 'Bearer' };
      reply(200, JSON.stringify(body), 'application/json');
      return;
    }
    if (path === `${account}/identity`) {
      const audience = url.searchParams.get('audience');
      if (!audience) {
        reply(400, 'non-empty audience parameter required', 'text/html');
        return;
      }
      reply(200, fakeIdentityToken(audience, email));
      return;
    }
    if (path === account && url.searchParams.get('recursive') === 'true') {
      const body = { aliases: ['default'], email, scopes: [text[`${account}/scopes`]?.()] };
      reply(200, JSON.stringify(body), 'application/json');
      return;
    }
    const value = text[path];
    if (value) reply(200, value());
    else reply(404, 'Not Found', 'text/html');
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  const port = await listen(server);
  const host = `127.0.0.1:${port}`;
  return {
    url: `http://${host}`,
    host,
    token,
    projectId,
    email,
    tokenRequests: () => tokenRequests,
    injectFault: (f) => faults.add(f),
    clearFaults: () => faults.clear(),
    close: () => closeServer(server),
  };
}
