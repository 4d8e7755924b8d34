import { GoogleAuth } from 'google-auth-library';
import { startMetadataServer } from '../src/metadata-server';
import type { MetadataServer } from '../src/metadata-server';

describe('metadata server', () => {
  let server: MetadataServer;
  const saved = { ...process.env };

  beforeAll(async () => {
    server = await startMetadataServer({ projectId: 'demo-project', token: 'ya29.test-token' });
    process.env.GCE_METADATA_HOST = server.host;
    delete process.env.GOOGLE_APPLICATION_CREDENTIALS;
    delete process.env.GOOGLE_CLOUD_PROJECT;
    delete process.env.GCLOUD_PROJECT;
  });

  afterAll(async () => {
    process.env = saved;
    await server.close();
  });

  it('gives google-auth-library ADC its access token and project', async () => {
    const auth = new GoogleAuth({ scopes: ['https://www.googleapis.com/auth/cloud-platform'] });
    await expect(auth.getAccessToken()).resolves.toBe('ya29.test-token');
    await expect(auth.getProjectId()).resolves.toBe('demo-project');
    expect(server.tokenRequests()).toBeGreaterThanOrEqual(1);
  });

  it('hands out ID tokens for an audience through google-auth-library', async () => {
    const client = await new GoogleAuth().getIdTokenClient('https://fn.example');
    const headers = await client.getRequestHeaders();
    const jwt = headers.get('authorization')?.replace(/^Bearer /, '') ?? '';
    const payload = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString()) as {
      aud: string;
      email: string;
    };
    expect(payload).toMatchObject({ aud: 'https://fn.example', email: server.email });
  });

  it('refuses requests without Metadata-Flavor and flavours every answer', async () => {
    const path = '/computeMetadata/v1/instance/service-accounts/default/token';
    const refused = await fetch(`${server.url}${path}`);
    expect(refused.status).toBe(403);
    expect(refused.headers.get('metadata-flavor')).toBe('Google');

    const before = server.tokenRequests();
    const ok = await fetch(`${server.url}${path}`, { headers: { 'Metadata-Flavor': 'Google' } });
    expect(ok.headers.get('metadata-flavor')).toBe('Google');
    await expect(ok.json()).resolves.toEqual({
      access_token: 'ya29.test-token',
      expires_in: expect.any(Number),
      token_type: 'Bearer',
    });
    expect(server.tokenRequests()).toBe(before + 1);
  });

  it('answers zone, email and 404 for unknown keys', async () => {
    const get = (p: string) =>
      fetch(`${server.url}/computeMetadata/v1/${p}`, { headers: { 'Metadata-Flavor': 'Google' } });
    await expect((await get('instance/zone')).text()).resolves.toMatch(/\/zones\/us-central1-a$/);
    await expect((await get('instance/service-accounts/default/email')).text()).resolves.toBe(
      server.email,
    );
    expect((await get('instance/nothing-here')).status).toBe(404);
    expect((await get('instance/service-accounts/default/identity')).status).toBe(400);
  });

  it('fails token requests on an injected fault, then recovers', async () => {
    const path = '/computeMetadata/v1/instance/service-accounts/default/token';
    const get = () => fetch(`${server.url}${path}`, { headers: { 'Metadata-Flavor': 'Google' } });
    server.injectFault({ path: /\/token$/, status: 503, times: 2 });
    expect((await get()).status).toBe(503);
    const second = await get();
    expect(second.status).toBe(503);
    expect(second.headers.get('metadata-flavor')).toBe('Google');
    expect((await get()).status).toBe(200);
  });
});
