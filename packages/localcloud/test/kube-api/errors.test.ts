import { deploymentFixture } from '../../src/kube-api/deployment-object';
import { startKubeApi } from '../../src/kube-api/server';
import type { KubeApiServer } from '../../src/kube-api/server';
import { rawRequest } from '../kube-client';
import type { RawResponse } from '../kube-client';

describe('Kubernetes API stand-in errors and discovery', () => {
  let kube: KubeApiServer;
  const web = '/apis/apps/v1/namespaces/default/deployments/web';

  beforeAll(async () => {
    kube = await startKubeApi();
    kube.putDeployment(deploymentFixture({ name: 'web' }));
  });
  afterAll(() => kube.close());

  it('answers every failure with a Kubernetes Status object', async () => {
    const cases: Array<[Promise<RawResponse>, number, string]> = [
      [rawRequest(kube, 'GET', web, { token: 'nope' }), 401, 'Unauthorized'],
      [rawRequest(kube, 'GET', '/api/v1/pods'), 404, 'NotFound'],
      [
        rawRequest(kube, 'PATCH', web, { body: '{}', contentType: 'application/yaml' }),
        415,
        'UnsupportedMediaType',
      ],
      [
        rawRequest(kube, 'PATCH', web, {
          body: '{not json',
          contentType: 'application/merge-patch+json',
        }),
        400,
        'BadRequest',
      ],
      [
        rawRequest(kube, 'PUT', web, {
          body: Buffer.alloc(5 * 1024 * 1024, 32),
          contentType: 'application/json',
        }),
        413,
        'RequestEntityTooLarge',
      ],
      [
        rawRequest(kube, 'POST', '/apis/apps/v1/namespaces/default/deployments', {
          body: JSON.stringify(deploymentFixture({ name: 'web' })),
          contentType: 'application/json',
        }),
        409,
        'AlreadyExists',
      ],
      [
        rawRequest(kube, 'PATCH', web, {
          body: '{"spec":{"replicas":-1}}',
          contentType: 'application/merge-patch+json',
        }),
        422,
        'Invalid',
      ],
      [
        rawRequest(
          kube,
          'GET',
          '/apis/apps/v1/namespaces/default/deployments?fieldSelector=spec.replicas%3D1',
        ),
        400,
        'BadRequest',
      ],
    ];
    for (const [pending, code, reason] of cases) {
      const { status, json } = await pending;
      expect({ status, json }).toEqual({
        status: code,
        json: expect.objectContaining({
          kind: 'Status',
          apiVersion: 'v1',
          status: 'Failure',
          code,
          reason,
        }),
      });
    }
  });

  it('creates with POST (201) and deletes (200)', async () => {
    const body = JSON.stringify(deploymentFixture({ name: 'fresh', replicas: 1 }));
    const created = await rawRequest<{ metadata: unknown }>(
      kube,
      'POST',
      '/apis/apps/v1/namespaces/default/deployments',
      {
        body,
        contentType: 'application/json',
      },
    );
    expect(created.status).toBe(201);
    expect(created.json.metadata).toMatchObject({ name: 'fresh', generation: 1 });
    expect(kube.getDeployment('default', 'fresh')).toBeDefined();
    const deleted = await rawRequest(
      kube,
      'DELETE',
      '/apis/apps/v1/namespaces/default/deployments/fresh',
    );
    expect(deleted).toMatchObject({ status: 200, json: { kind: 'Status', status: 'Success' } });
    expect(kube.getDeployment('default', 'fresh')).toBeUndefined();
  });

  it('serves the discovery documents kubectl reads', async () => {
    expect((await rawRequest(kube, 'GET', '/version')).json).toMatchObject({ major: '1' });
    expect((await rawRequest(kube, 'GET', '/api')).json).toMatchObject({
      kind: 'APIVersions',
      versions: ['v1'],
    });
    expect(
      (await rawRequest<{ groups: unknown[] }>(kube, 'GET', '/apis')).json.groups[0],
    ).toMatchObject({ name: 'apps' });
    const apps = (await rawRequest<{ resources: unknown[] }>(kube, 'GET', '/apis/apps/v1')).json;
    expect(apps.resources[0]).toMatchObject({
      name: 'deployments',
      kind: 'Deployment',
      namespaced: true,
      shortNames: ['deploy'],
    });
  });
});
