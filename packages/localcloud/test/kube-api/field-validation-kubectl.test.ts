/**
 * kubectl validates through the server: the stand-in's OpenAPI v3 documents declare
 * `fieldValidation` on each kind's PATCH, so kubectl sends its `--validate` choice as
 * that parameter (Strict by default) and never falls back to OpenAPI v2, which the
 * stand-in does not serve.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKubeApi } from '../../src/kube-api/server';
import type { KubeApiServer } from '../../src/kube-api/server';
import { rawRequest } from '../kube-client';
import { kubectlIn, kubectlOnPath, type KubectlRun as Run } from '../kubectl-on-path';

const { kubectlPath, describeKubectl } = kubectlOnPath(
  'the field validation tests through kubectl',
);

const configMap = (name: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'default' },
  data: { mode: 'serve' },
  ...extra,
});

describeKubectl('field validation through kubectl', () => {
  let kube: KubeApiServer;
  let dir: string;
  let kubectl: (args: string[], manifest?: unknown) => Promise<Run>;

  beforeAll(async () => {
    kube = await startKubeApi();
    dir = mkdtempSync(join(tmpdir(), 'localcloud-validate-'));
    writeFileSync(join(dir, 'kubeconfig'), kube.kubeconfig());
    kubectl = kubectlIn(kubectlPath, dir);
  });
  afterAll(async () => {
    await kube.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const writes = () => kube.requests.filter((r) => r.method !== 'GET');
  const exists = async (name: string): Promise<boolean> =>
    (await kubectl(['get', 'configmap', name])).code === 0;

  it.each([
    ['client-side', ['apply']],
    ['server-side', ['apply', '--server-side']],
    ['create', ['create']],
  ])('%s: an unknown field is refused by name and nothing is stored', async (_how, args) => {
    const name = `typo-${args.length}-${args[0]}`;
    const run = await kubectl(args, configMap(name, { dta: { x: '1' } }));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('strict decoding error: unknown field "dta"');
    expect(writes().at(-1)?.query).toContain('fieldValidation=Strict');
    expect(await exists(name)).toBe(false);
  });

  it('names a misspelt metadata field', async () => {
    const manifest = configMap('meta-typo');
    manifest.metadata = { name: 'meta-typo', namespace: 'default', lables: { a: 'b' } };
    const run = await kubectl(['apply', '--server-side'], manifest);
    expect(run.stderr).toContain('unknown field "metadata.lables"');
    expect(await exists('meta-typo')).toBe(false);
  });

  it('applies a well-formed manifest with strict validation, as a user run does', async () => {
    const run = await kubectl(['apply', '--server-side'], configMap('good'));
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(writes().at(-1)?.query).toContain('fieldValidation=Strict');
    expect(await exists('good')).toBe(true);
  });

  it('--validate=warn stores the object and prints the server warning', async () => {
    const run = await kubectl(['apply', '--validate=warn'], configMap('warned', { dta: {} }));
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('Warning: unknown field "dta"');
    expect(await exists('warned')).toBe(true);
  });

  it('--validate=false asks the server to ignore unknown fields', async () => {
    const run = await kubectl(['apply', '--validate=false'], configMap('ignored', { dta: {} }));
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(writes().at(-1)?.query).toContain('fieldValidation=Ignore');
  });

  it('refuses a fieldValidation value the API does not define', async () => {
    const res = await rawRequest<{ reason: string; message: string }>(
      kube,
      'POST',
      '/api/v1/namespaces/default/configmaps?fieldValidation=Loose',
      { body: JSON.stringify(configMap('loose')), contentType: 'application/json' },
    );
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ reason: 'BadRequest' });
    expect(res.json.message).toContain('Unsupported value: "Loose"');
  });
});
