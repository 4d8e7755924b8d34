import { ConfigError } from '@maskops/shared';
import { writeFileSync } from 'node:fs';
import { readConfig } from '../src/config';
import { ConfigErrors } from '@maskops/shared';
import { BAD_KUBECONFIGS, GOOD_KUBECONFIG, writeKubeconfigs } from './fixtures/kubeconfigs';

const REPO = 'us-central1-docker.pkg.dev/p/maskops/inference-api';
const base = {
  PROJECT: 'my-project',
  ZONE: 'us-central1-a',
  CLUSTER: 'maskops',
  DEPLOYMENT: 'inference-api',
  IMAGE: REPO,
};

it('applies the documented defaults', () => {
  expect(readConfig(base)).toEqual({
    project: 'my-project',
    zone: 'us-central1-a',
    cluster: 'maskops',
    deployment: 'inference-api',
    namespace: 'default',
    image: REPO,
    rolloutTimeoutSeconds: 300,
    rollbackOnFailure: true,
    containerApiEndpoint: 'https://container.googleapis.com',
    maxClockSkewSeconds: 600,
  });
});

it('reads every setting', () => {
  const kubeconfig = writeKubeconfigs({ good: GOOD_KUBECONFIG }).good;
  expect(
    readConfig({
      ...base,
      ZONE: 'europe-west4',
      NAMESPACE: 'serving',
      CONTAINER: 'model',
      ROLLOUT_TIMEOUT_SECONDS: '0',
      ROLLBACK_ON_FAILURE: 'false',
      CONTAINER_API_ENDPOINT: 'http://127.0.0.1:8089/',
      KUBECONFIG: kubeconfig,
      MAX_CLOCK_SKEW_SECONDS: '30',
    }),
  ).toEqual({
    project: 'my-project',
    zone: 'europe-west4',
    cluster: 'maskops',
    deployment: 'inference-api',
    namespace: 'serving',
    container: 'model',
    image: REPO,
    rolloutTimeoutSeconds: 0,
    rollbackOnFailure: false,
    containerApiEndpoint: 'http://127.0.0.1:8089',
    kubeconfig,
    maxClockSkewSeconds: 30,
  });
});

it.each<[string, Record<string, string | undefined>]>([
  ['PROJECT', { PROJECT: undefined }],
  ['PROJECT', { PROJECT: 'My_Project' }],
  ['PROJECT', { PROJECT: 'p/../../x' }],
  ['ZONE', { ZONE: undefined }],
  ['ZONE', { ZONE: 'us-central1-a/../x' }],
  ['CLUSTER', { CLUSTER: '' }],
  ['CLUSTER', { CLUSTER: 'Bad Cluster' }],
  ['DEPLOYMENT', { DEPLOYMENT: undefined }],
  ['DEPLOYMENT', { DEPLOYMENT: 'Inference_API' }],
  ['NAMESPACE', { NAMESPACE: 'kube system' }],
  ['NAMESPACE', { NAMESPACE: 'a'.repeat(64) }],
  ['CONTAINER', { CONTAINER: 'model.v2' }],
  ['IMAGE', { IMAGE: undefined }],
  ['IMAGE', { IMAGE: `${REPO}:latest` }],
  ['IMAGE', { IMAGE: `${REPO}@sha256:${'a'.repeat(64)}` }],
  ['IMAGE', { IMAGE: 'inference-api' }],
  ['ROLLOUT_TIMEOUT_SECONDS', { ROLLOUT_TIMEOUT_SECONDS: '-1' }],
  ['ROLLOUT_TIMEOUT_SECONDS', { ROLLOUT_TIMEOUT_SECONDS: '5m' }],
  ['ROLLBACK_ON_FAILURE', { ROLLBACK_ON_FAILURE: 'maybe' }],
  ['CONTAINER_API_ENDPOINT', { CONTAINER_API_ENDPOINT: 'container.googleapis.com' }],
  ['MAX_CLOCK_SKEW_SECONDS', { MAX_CLOCK_SKEW_SECONDS: '-5' }],
  ['MAX_CLOCK_SKEW_SECONDS', { MAX_CLOCK_SKEW_SECONDS: '10m' }],
])('%s: refuses %j naming the variable', (variable, over) => {
  const env = { ...base, ...over };
  let error: unknown;
  try {
    readConfig(env);
  } catch (err) {
    error = err;
  }
  expect(error).toBeInstanceOf(ConfigError);
  expect((error as ConfigError).variable).toBe(variable);
  expect((error as ConfigError).message.startsWith(`${variable}: `)).toBe(true);
});

it('names every bad variable at once, each with what is wrong', () => {
  let error: unknown;
  try {
    readConfig({
      ...base,
      PROJECT: 'My_Project',
      ZONE: undefined,
      ROLLBACK_ON_FAILURE: 'maybe',
      ROLLOUT_STRATEGY: 'canary',
      CANARY_MAX_SCORE_SHIFT: 'abc',
    });
  } catch (err) {
    error = err;
  }
  expect(error).toBeInstanceOf(ConfigErrors);
  const errors = error as ConfigErrors;
  expect(errors.code).toBe('CONFIG_INVALID');
  expect(errors.errors.map((e) => e.variable)).toEqual([
    'PROJECT',
    'ZONE',
    'ROLLBACK_ON_FAILURE',
    'CANARY_MAX_SCORE_SHIFT',
    'PROMETHEUS_QUERY_URL',
    'CANARY_TASKS_QUEUE',
    'FUNCTION_URL',
    'CANARY_TASKS_SERVICE_ACCOUNT',
  ]);
  expect(errors.variable).toBe(errors.errors.map((e) => e.variable).join(', '));
  expect(errors.message).toMatch(
    /^8 settings are invalid: PROJECT: must be a Google Cloud project id/,
  );
  expect(errors.message).toContain('; ZONE: is required but not set; ');
  expect(errors.message).toContain('ROLLBACK_ON_FAILURE: must be true or false, got "maybe"');
});

it('accepts domain-scoped projects and regional locations', () => {
  expect(
    readConfig({ ...base, PROJECT: 'example.com:my-project', ZONE: 'us-east1' }),
  ).toMatchObject({
    project: 'example.com:my-project',
    zone: 'us-east1',
  });
});

describe('KUBECONFIG is loaded and checked when the config is read', () => {
  const files = writeKubeconfigs(BAD_KUBECONFIGS);
  it.each(Object.keys(files))('%s is refused, naming KUBECONFIG and the file', (name) => {
    let error: unknown;
    try {
      readConfig({ ...base, KUBECONFIG: files[name] });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe('KUBECONFIG');
    expect((error as ConfigError).message).toContain(`KUBECONFIG: `);
    expect((error as ConfigError).message).toContain(files[name]);
  });

  it('never quotes the file content (it may hold a token) in the error', () => {
    const file = writeKubeconfigs({ x: null }).x;
    writeFileSync(file, 'token: s3cr3t-value [\n: :');
    expect(() => readConfig({ ...base, KUBECONFIG: file })).toThrow(ConfigError);
    try {
      readConfig({ ...base, KUBECONFIG: file });
    } catch (err) {
      expect((err as Error).message).not.toContain('s3cr3t');
    }
  });
});
