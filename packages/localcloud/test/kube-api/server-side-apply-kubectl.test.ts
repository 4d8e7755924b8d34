import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { V1Deployment } from '@kubernetes/client-node';
import { startKubeApi } from '../../src/kube-api/server';
import type { KubeApiServer } from '../../src/kube-api/server';
import { appsApi } from '../kube-client';
import { kubectlIn, kubectlOnPath, type KubectlRun as Run } from '../kubectl-on-path';

const { kubectlPath, describeKubectl } = kubectlOnPath(
  'the server-side apply tests through kubectl',
);

interface Container {
  name: string;
  image?: string;
  ports?: Array<{ containerPort: number; protocol?: string; name?: string }>;
  env?: Array<{ name: string; value: string }>;
  volumeMounts?: Array<{ name: string; mountPath: string }>;
}

/** A Deployment as infra/k8s writes one: keyed lists in the pod template. */
function deployment(name: string, container: Container, volumes = ['tmp']): unknown {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default' },
    spec: {
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [container], volumes: volumes.map((v) => ({ name: v, emptyDir: {} })) },
      },
    },
  };
}

const app = (extra: Partial<Container> = {}): Container => ({
  name: 'app',
  image: 'repo/app:1',
  ports: [{ name: 'http', containerPort: 8080 }],
  env: [
    { name: 'PORT', value: '8080' },
    { name: 'MODE', value: 'serve' },
  ],
  volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
  ...extra,
});

/** What the deployer's hand-off applies: the container's image, nothing else. */
const imageOnly = (name: string, image: string): unknown => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: 'default' },
  spec: { template: { spec: { containers: [{ name: 'app', image }] } } },
});

interface Entry {
  manager: string;
  operation: string;
  fieldsV1: Record<string, unknown>;
}

const containerFields = (entry: Entry | undefined): unknown =>
  (
    (
      (entry?.fieldsV1['f:spec'] as Record<string, unknown>)['f:template'] as Record<
        string,
        unknown
      >
    )['f:spec'] as Record<string, Record<string, unknown>>
  )['f:containers']?.['k:{"name":"app"}'];

describeKubectl(
  'server-side apply through kubectl: keyed lists, shared and released fields',
  () => {
    let kube: KubeApiServer;
    let dir: string;
    let kubectl: (args: string[], manifest?: unknown) => Promise<Run>;

    const apply = (manager: string, manifest: unknown, ...flags: string[]): Promise<Run> =>
      kubectl(['apply', '--server-side', `--field-manager=${manager}`, ...flags], manifest);
    const get = async (
      name: string,
    ): Promise<V1Deployment & { metadata: { managedFields: Entry[] } }> => {
      const run = await kubectl(['get', 'deployment', name, '-o', 'json', '--show-managed-fields']);
      expect(run).toMatchObject({ code: 0 });
      return JSON.parse(run.stdout) as V1Deployment & { metadata: { managedFields: Entry[] } };
    };
    const entry = (d: { metadata: { managedFields: Entry[] } }, manager: string, op = 'Apply') =>
      d.metadata.managedFields.find((e) => e.manager === manager && e.operation === op);
    const container = (d: V1Deployment) => d.spec?.template.spec?.containers[0];

    beforeAll(async () => {
      kube = await startKubeApi({ rolloutStepMs: 20 });
      dir = mkdtempSync(join(tmpdir(), 'localcloud-ssa-'));
      writeFileSync(join(dir, 'kubeconfig'), kube.kubeconfig());
      kubectl = kubectlIn(kubectlPath, dir);
    });
    afterAll(async () => {
      await kube.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('owns elements of keyed lists by key and fields inside them, as managedFields say', async () => {
      expect(await apply('maskops-setup', deployment('keyed', app()))).toMatchObject({ code: 0 });
      const setup = containerFields(entry(await get('keyed'), 'maskops-setup'));
      expect(setup).toEqual({
        '.': {},
        'f:name': {},
        'f:image': {},
        'f:ports': {
          // The port's protocol is defaulted before it keys the element, as the API server does.
          'k:{"containerPort":8080,"protocol":"TCP"}': {
            '.': {},
            'f:containerPort': {},
            'f:name': {},
          },
        },
        'f:env': {
          'k:{"name":"PORT"}': { '.': {}, 'f:name': {}, 'f:value': {} },
          'k:{"name":"MODE"}': { '.': {}, 'f:name': {}, 'f:value': {} },
        },
        'f:volumeMounts': {
          'k:{"mountPath":"/tmp"}': { '.': {}, 'f:name': {}, 'f:mountPath': {} },
        },
      });
    });

    it("lets the deployer's manager co-own the image set to the same value, then keep it alone", async () => {
      await apply('maskops-setup', deployment('handoff', app()));
      expect(await apply('maskops-deployer', imageOnly('handoff', 'repo/app:1'))).toMatchObject({
        code: 0,
      });
      let d = await get('handoff');
      expect(containerFields(entry(d, 'maskops-deployer'))).toEqual({
        '.': {},
        'f:name': {},
        'f:image': {},
      });
      expect(containerFields(entry(d, 'maskops-setup'))).toHaveProperty('f:image');
      // setup.sh's next apply omits the image: released by it, kept because the deployer owns it.
      expect(
        await apply('maskops-setup', deployment('handoff', app({ image: undefined }))),
      ).toMatchObject({ code: 0 });
      d = await get('handoff');
      expect(container(d)?.image).toBe('repo/app:1');
      expect(containerFields(entry(d, 'maskops-setup'))).not.toHaveProperty('f:image');
      expect(container(d)?.env).toHaveLength(2);
    });

    it("refuses a different value owned by another manager with the API server's 409, unless forced", async () => {
      await apply('maskops-setup', deployment('conflict', app({ image: undefined })));
      await apply('maskops-deployer', imageOnly('conflict', 'repo/app:1'));
      // The deployer rolls out a new image with a strategic merge patch, as deployer-fn does.
      await appsApi(kube).patchNamespacedDeployment(
        {
          name: 'conflict',
          namespace: 'default',
          fieldManager: 'maskops-deployer',
          body: {
            spec: { template: { spec: { containers: [{ name: 'app', image: 'repo/app:2' }] } } },
          },
        },
        setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
      );
      let d = await get('conflict');
      expect(containerFields(entry(d, 'maskops-deployer', 'Update'))).toEqual({ 'f:image': {} });
      expect(containerFields(entry(d, 'maskops-deployer'))).not.toHaveProperty('f:image');
      const refused = await apply('maskops-setup', deployment('conflict', app()));
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain(
        'Apply failed with 1 conflict: conflict with "maskops-deployer" using apps/v1: .spec.template.spec.containers[name="app"].image',
      );
      expect(container(await get('conflict'))?.image).toBe('repo/app:2');
      // Same value as the owner's: shared, no conflict.
      expect(await apply('other', imageOnly('conflict', 'repo/app:2'))).toMatchObject({ code: 0 });
      expect(
        await apply('maskops-setup', deployment('conflict', app()), '--force-conflicts'),
      ).toMatchObject({ code: 0 });
      d = await get('conflict');
      expect(container(d)?.image).toBe('repo/app:1');
      // Forcing moves the field: no other manager owns it any more.
      expect(entry(d, 'maskops-deployer', 'Update')).toBeUndefined();
      expect(containerFields(entry(d, 'other'))).not.toHaveProperty('f:image');
      expect(containerFields(entry(d, 'maskops-setup'))).toHaveProperty('f:image');
    });

    it('names every conflicting field, grouped by manager', async () => {
      await apply('first', deployment('many', app()));
      const refused = await apply(
        'second',
        deployment('many', app({ image: 'repo/app:9', env: [{ name: 'PORT', value: '1' }] })),
      );
      expect(refused.stderr).toContain(
        'Apply failed with 2 conflicts: conflicts with "first":\n' +
          '- .spec.template.spec.containers[name="app"].env[name="PORT"].value\n' +
          '- .spec.template.spec.containers[name="app"].image\n',
      );
    });

    it("adds another manager's elements beside the first manager's, keyed by port and protocol", async () => {
      await apply('maskops-setup', deployment('merge', app()));
      const sidecar: Container = { name: 'sidecar', image: 'repo/side:1' };
      const extra = {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'merge', namespace: 'default' },
        spec: {
          template: {
            spec: {
              containers: [
                {
                  name: 'app',
                  ports: [{ containerPort: 8080, protocol: 'UDP', name: 'quic' }],
                  env: [{ name: 'EXTRA', value: 'x' }],
                },
                sidecar,
              ],
            },
          },
        },
      };
      expect(await apply('other', extra)).toMatchObject({ code: 0 });
      const d = await get('merge');
      const containers = d.spec?.template.spec?.containers ?? [];
      expect(containers.map((c) => c.name)).toEqual(['app', 'sidecar']);
      expect(containers[0]?.ports?.map((p) => `${p.containerPort}/${p.protocol ?? 'TCP'}`)).toEqual(
        ['8080/TCP', '8080/UDP'],
      );
      expect(containers[0]?.env?.map((e) => e.name)).toEqual(['PORT', 'MODE', 'EXTRA']);
      expect(containers[0]?.image).toBe('repo/app:1');
    });

    it("releases what a manager's applied config no longer has, keeping what another owns", async () => {
      await apply('maskops-setup', deployment('release', app(), ['tmp', 'cache']));
      // Another manager co-owns MODE (same value) and nothing else.
      await apply('other', {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'release', namespace: 'default' },
        spec: {
          template: {
            spec: { containers: [{ name: 'app', env: [{ name: 'MODE', value: 'serve' }] }] },
          },
        },
      });
      const slimmer = app({ env: [{ name: 'PORT', value: '8080' }], ports: [], volumeMounts: [] });
      expect(await apply('maskops-setup', deployment('release', slimmer, ['tmp']))).toMatchObject({
        code: 0,
      });
      const d = await get('release');
      const c = container(d);
      expect(c?.env).toEqual([
        { name: 'PORT', value: '8080' },
        { name: 'MODE', value: 'serve' },
      ]);
      expect(c?.ports ?? []).toEqual([]);
      expect(c?.volumeMounts ?? []).toEqual([]);
      expect(d.spec?.template.spec?.volumes?.map((v) => v.name)).toEqual(['tmp']);
      const setupEnv = (containerFields(entry(d, 'maskops-setup')) as Record<string, unknown>)[
        'f:env'
      ];
      expect(setupEnv).toEqual({ 'k:{"name":"PORT"}': { '.': {}, 'f:name': {}, 'f:value': {} } });
    });
  },
);
