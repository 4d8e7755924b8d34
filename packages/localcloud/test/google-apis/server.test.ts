import { request } from 'node:http';
import { startGoogleApis } from '../../src/google-apis/server';
import { crc32c } from '../../src/storage/crc32c';
import type { GoogleApisServer } from '../../src/google-apis/server';

interface Answer {
  [field: string]: unknown;
  error: { status: string };
}

describe('Google REST API stand-ins', () => {
  let g: GoogleApisServer;
  beforeAll(async () => {
    g = await startGoogleApis({ token: 'tok', kube: { endpoint: '127.0.0.1:1', caPem: 'PEM' } });
  });
  afterAll(() => g.close());

  const call = async (method: string, path: string, body?: unknown, token = 'tok') => {
    const res = await fetch(`${g.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as Answer };
  };

  it('creates a topic once: 409 ALREADY_EXISTS after, 404 for an unknown one', async () => {
    const topic = '/pubsub/v1/projects/p-1/topics/builds';
    expect((await call('PUT', topic, {})).status).toBe(200);
    const again = await call('PUT', topic, {});
    expect([again.status, again.json.error.status]).toEqual([409, 'ALREADY_EXISTS']);
    const missing = await call('GET', '/pubsub/v1/projects/p-1/topics/nope');
    expect([missing.status, missing.json.error.status]).toEqual([404, 'NOT_FOUND']);
  });

  it('refuses a call without the token', async () => {
    expect(
      (await call('GET', '/pubsub/v1/projects/p-1/topics/builds', undefined, 'x')).status,
    ).toBe(401);
  });

  it('keeps IAM policies with etags: a stale etag is 409 ABORTED', async () => {
    const read = await call('POST', '/cloudresourcemanager/v1/projects/p-1:getIamPolicy', {});
    const policy = {
      ...read.json,
      bindings: [{ role: 'roles/viewer', members: ['user:a@example.com'] }],
    };
    const set = await call('POST', '/cloudresourcemanager/v1/projects/p-1:setIamPolicy', {
      policy,
    });
    expect(set.status).toBe(200);
    expect(set.json.etag).not.toBe(read.json.etag);
    const stale = await call('POST', '/cloudresourcemanager/v1/projects/p-1:setIamPolicy', {
      policy,
    });
    expect([stale.status, stale.json.error.status]).toEqual([409, 'ABORTED']);
    expect(g.state.policies.members('projects/p-1', 'roles/viewer')).toEqual([
      'user:a@example.com',
    ]);
  });

  it("keeps a Cloud Tasks queue's IAM policy; 404 for a queue that does not exist", async () => {
    const queues = '/cloudtasks/v2/projects/p-1/locations/us-central1/queues';
    const name = 'projects/p-1/locations/us-central1/queues/canary';
    expect((await call('POST', queues, { name })).status).toBe(200);
    const read = await call('POST', `${queues}/canary:getIamPolicy`, {});
    expect(read.status).toBe(200);
    const binding = { role: 'roles/cloudtasks.enqueuer', members: ['serviceAccount:d@p-1.iam'] };
    const set = await call('POST', `${queues}/canary:setIamPolicy`, {
      policy: { ...read.json, bindings: [binding] },
    });
    expect(set.status).toBe(200);
    expect(g.state.policies.members(name, 'roles/cloudtasks.enqueuer')).toEqual([
      'serviceAccount:d@p-1.iam',
    ]);
    const missing = await call('POST', `${queues}/nope:getIamPolicy`, {});
    expect([missing.status, missing.json.error.status]).toEqual([404, 'NOT_FOUND']);
  });

  it('describes a Cloud Run service through the v1 API, with its deterministic URL', async () => {
    g.state.put('projects/p-1/locations/us-central1/services/fn', {
      name: 'projects/p-1/locations/us-central1/services/fn',
    });
    // gcloud run prefixes the region to the endpoint's host: us-central1-127.0.0.1 resolves
    // nowhere, so it must go through the proxy (this server).
    expect(g.gcloudEnv('/tmp/cfg').NO_PROXY).toBe('127.0.0.0/8,localhost');
    const answer = await call('GET', '/run/apis/serving.knative.dev/v1/namespaces/p-1/services/fn');
    expect(answer.status).toBe(200);
    const url = `https://fn-${g.state.projectNumber('p-1')}.us-central1.run.app`;
    expect(answer.json.status).toEqual({ url, address: { url } });
    // The same request as gcloud sends it through the proxy: absolute form, regional host.
    const port = new URL(g.url).port;
    const proxied = await new Promise<number | undefined>((resolve, reject) => {
      const path = `http://us-central1-127.0.0.1:${port}/run/apis/serving.knative.dev/v1/namespaces/p-1/services/fn`;
      const req = request({
        host: '127.0.0.1',
        port,
        path,
        headers: { authorization: 'Bearer tok' },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode);
      });
      req.on('error', reject);
      req.end();
    });
    expect(proxied).toBe(200);
    const missing = await call(
      'GET',
      '/run/apis/serving.knative.dev/v1/namespaces/p-1/services/no',
    );
    expect(missing.status).toBe(404);
  });

  it('answers a create with a finished operation that can be polled', async () => {
    const op = await call(
      'POST',
      '/artifactregistry/v1/projects/p-1/locations/us-central1/repositories?repositoryId=imgs',
      { format: 'DOCKER' },
    );
    expect(op.json).toMatchObject({
      done: true,
      response: { name: 'projects/p-1/locations/us-central1/repositories/imgs' },
    });
    expect((await call('GET', `/artifactregistry/v1/${String(op.json.name)}`)).json.done).toBe(
      true,
    );
  });

  it('creates an Eventarc trigger to a Cloud Run service, with its subscription, once', async () => {
    const loc = 'projects/p-1/locations/us-central1';
    g.state.put(`${loc}/services/fn`, { name: `${loc}/services/fn` });
    await call('PUT', '/pubsub/v1/projects/p-1/topics/models', {});
    const body = {
      eventFilters: [{ attribute: 'type', value: 'google.cloud.pubsub.topic.v1.messagePublished' }],
      destination: { cloudRun: { service: 'fn', region: 'us-central1' } },
      transport: { pubsub: { topic: 'projects/p-1/topics/models' } },
      serviceAccount: 'sa@p-1.iam.gserviceaccount.com',
    };
    const op = await call('POST', `/eventarc/v1/${loc}/triggers?triggerId=models`, body);
    expect(op.json).toMatchObject({ done: true, response: { name: `${loc}/triggers/models` } });
    const trigger = (await call('GET', `/eventarc/v1/${loc}/triggers/models`)).json;
    const { subscription } = (trigger.transport as { pubsub: { subscription: string } }).pubsub;
    expect(g.state.get(subscription)).toMatchObject({ topic: 'projects/p-1/topics/models' });
    expect((await call('POST', `/eventarc/v1/${loc}/triggers?triggerId=models`, body)).status).toBe(
      409,
    );
    const nowhere = { ...body, destination: { cloudRun: { service: 'none' } } };
    expect((await call('POST', `/eventarc/v1/${loc}/triggers?triggerId=x`, nowhere)).status).toBe(
      404,
    );
  });

  it('records a build as a finished operation (it does not run) and answers it on get', async () => {
    const builds = '/cloudbuild/v1/projects/p-1/locations/us-central1/builds';
    const sa = 'projects/p-1/serviceAccounts/b@p-1.iam.gserviceaccount.com';
    const steps = [{ name: 'gcr.io/cloud-builders/docker', args: ['build', '.'] }];
    expect((await call('POST', builds, { steps: [] })).status).toBe(400);
    // A build as a chosen service account must say where its logs go.
    expect((await call('POST', builds, { steps, serviceAccount: sa })).status).toBe(400);
    const op = await call('POST', builds, {
      steps,
      serviceAccount: sa,
      options: { logging: 'CLOUD_LOGGING_ONLY' },
    });
    const build = (op.json.metadata as { build: { id: string; status: string } }).build;
    expect([op.json.done, build.status]).toEqual([true, 'SUCCESS']);
    const got = await call('GET', `${builds}/${build.id}`);
    expect(got.json).toMatchObject({ id: build.id, steps, serviceAccount: sa, results: {} });
  });

  it('keeps secrets and answers the latest version with its CRC32C', async () => {
    const secrets = '/secretmanager/v1/projects/p-1/secrets';
    expect((await call('GET', `${secrets}/tokens/versions/latest:access`)).status).toBe(404);
    await call('POST', `${secrets}?secretId=tokens`, { replication: { automatic: {} } });
    for (const text of ['old', 'new'])
      await call('POST', `${secrets}/tokens:addVersion`, {
        payload: { data: Buffer.from(text).toString('base64') },
      });
    const bad = { payload: { data: Buffer.from('x').toString('base64'), dataCrc32c: '1' } };
    expect((await call('POST', `${secrets}/tokens:addVersion`, bad)).status).toBe(400);
    const latest = await call('GET', `${secrets}/tokens/versions/latest:access`);
    const payload = latest.json.payload as { data: string; dataCrc32c: string };
    expect([latest.json.name, Buffer.from(payload.data, 'base64').toString()]).toEqual([
      'projects/p-1/secrets/tokens/versions/2',
      'new',
    ]);
    expect(payload.dataCrc32c).toBe(String(crc32c(Buffer.from('new'))));
  });

  it('creates a managed certificate in a map for a domain, its references checked', async () => {
    const loc = '/certificatemanager/v1/projects/p-1/locations/global';
    const name = 'projects/p-1/locations/global';
    const auth = await call('POST', `${loc}/dnsAuthorizations?dnsAuthorizationId=api`, {
      domain: 'api.example.com',
    });
    expect(auth.json).toMatchObject({
      done: true,
      response: { dnsResourceRecord: { name: '_acme-challenge.api.example.com.', type: 'CNAME' } },
    });
    const cert = {
      managed: {
        domains: ['api.example.com'],
        dnsAuthorizations: [`${name}/dnsAuthorizations/none`],
      },
    };
    expect((await call('POST', `${loc}/certificates?certificateId=api`, cert)).status).toBe(404);
    cert.managed.dnsAuthorizations = [`${name}/dnsAuthorizations/api`];
    expect((await call('POST', `${loc}/certificates?certificateId=api`, cert)).status).toBe(200);
    expect((await call('POST', `${loc}/certificateMaps?certificateMapId=api`, {})).status).toBe(
      200,
    );
    const entry = { certificates: [`${name}/certificates/api`], hostname: 'api.example.com' };
    const entries = `${loc}/certificateMaps/api/certificateMapEntries`;
    expect((await call('POST', `${entries}?certificateMapEntryId=api`, entry)).status).toBe(200);
    expect((await call('POST', `${entries}?certificateMapEntryId=api`, entry)).status).toBe(409);
    expect((await call('GET', `${entries}/api`)).json).toMatchObject(entry);
    expect((await call('GET', `${loc}/certificates/api`)).json).toMatchObject({
      managed: { state: 'PROVISIONING' },
    });
  });

  it('answers an unknown call 501 at once and records it', async () => {
    const r = await call('GET', '/cloudscheduler/v1/projects/p-1/locations/l/jobs/j');
    expect(r.status).toBe(501);
    expect(g.unknownRequests().map((u) => `${u.api} ${u.method} ${u.path}`)).toContain(
      'cloudscheduler GET /v1/projects/p-1/locations/l/jobs/j',
    );
  });

  it('turns on the Gateway API of a cluster (the one update setup.sh makes)', async () => {
    const clusters = '/container/v1/projects/p-1/locations/us-central1/clusters';
    await call('POST', clusters, { cluster: { name: 'gw', autopilot: { enabled: true } } });
    const update = { update: { desiredGatewayApiConfig: { channel: 'CHANNEL_STANDARD' } } };
    expect((await call('PUT', `${clusters}/gw`, update)).status).toBe(200);
    expect((await call('GET', `${clusters}/gw`)).json.networkConfig).toEqual({
      gatewayApiConfig: { channel: 'CHANNEL_STANDARD' },
    });
    expect(
      (await call('PUT', `${clusters}/gw`, { update: { desiredLoggingService: 'x' } })).status,
    ).toBe(400);
  });

  it('creates clusters that answer on the Kubernetes stand-in', async () => {
    const op = await call('POST', '/container/v1/projects/p-1/locations/us-central1/clusters', {
      cluster: { name: 'c1', autopilot: { enabled: true } },
    });
    expect(op.json.status).toBe('DONE');
    const cluster = await call(
      'GET',
      '/container/v1/projects/p-1/locations/us-central1/clusters/c1',
    );
    expect(cluster.json).toMatchObject({ endpoint: '127.0.0.1:1', status: 'RUNNING' });
  });

  it('overrides every API for gcloud and proxies the rest to itself', () => {
    const env = g.gcloudEnv('/tmp/cfg');
    expect(env.CLOUDSDK_API_ENDPOINT_OVERRIDES_PUBSUB).toBe(`${g.url}/pubsub/`);
    expect(env.CLOUDSDK_API_ENDPOINT_OVERRIDES_STORAGE).toBe(`${g.url}/storage/v1/`);
    expect(env.HTTPS_PROXY).toBe(g.url);
    expect(env.CLOUDSDK_CONFIG).toBe('/tmp/cfg');
  });
});
