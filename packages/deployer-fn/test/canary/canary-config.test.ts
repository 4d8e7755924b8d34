import { ConfigError } from '@maskops/shared';
import { readConfig } from '../../src/config';

const base = {
  PROJECT: 'my-project',
  ZONE: 'us-central1-a',
  CLUSTER: 'maskops',
  DEPLOYMENT: 'inference-api',
  IMAGE: 'us-central1-docker.pkg.dev/p/maskops/inference-api',
};
const canary = {
  ...base,
  ROLLOUT_STRATEGY: 'canary',
  PROMETHEUS_QUERY_URL:
    'https://monitoring.googleapis.com/v1/projects/p/location/global/prometheus',
  CANARY_TASKS_QUEUE: 'projects/my-project/locations/us-central1/queues/maskops-canary',
  FUNCTION_URL: 'https://maskops-deployer-abc-uc.a.run.app',
  CANARY_TASKS_SERVICE_ACCOUNT: 'maskops-deployer@my-project.iam.gserviceaccount.com',
};

it('rolling (the default) reads no canary setting at all', () => {
  expect(readConfig({ ...base, CANARY_WEIGHT_PERCENT: 'junk' }).canary).toBeUndefined();
  expect(readConfig({ ...base, ROLLOUT_STRATEGY: 'rolling' }).canary).toBeUndefined();
});

it('canary: the documented defaults', () => {
  expect(readConfig(canary).canary).toEqual({
    weightPercent: 10,
    intervalSeconds: 30,
    analysisSeconds: 180,
    warmupSeconds: 0,
    scrapeIntervalSeconds: 15,
    minRequests: 50,
    onInconclusive: 'promote',
    falseAbortRate: 0.02,
    catastropheMinRequests: 5,
    maxErrorDelta: 0.01,
    maxLatencyRatio: 1.5,
    maxBehaviourShift: 0.5,
    maxScoreShift: 0.2,
    prometheusQueryUrl: canary.PROMETHEUS_QUERY_URL,
    cloudTasksEndpoint: 'https://cloudtasks.googleapis.com',
    tasksQueue: canary.CANARY_TASKS_QUEUE,
    functionUrl: canary.FUNCTION_URL,
    tasksServiceAccount: canary.CANARY_TASKS_SERVICE_ACCOUNT,
  });
});

it('canary: reads every setting', () => {
  const c = readConfig({
    ...canary,
    CANARY_WEIGHT_PERCENT: '25',
    CANARY_INTERVAL_SECONDS: '5',
    CANARY_ANALYSIS_SECONDS: '60',
    CANARY_WARMUP_SECONDS: '45',
    CANARY_READY_DEADLINE_SECONDS: '90',
    CANARY_MIN_REQUESTS: '10',
    CANARY_ON_INCONCLUSIVE: 'abort',
    CANARY_MAX_ERROR_DELTA: '0.05',
    CANARY_MAX_LATENCY_RATIO: '2',
    CANARY_MAX_BEHAVIOUR_SHIFT: '0.25',
    CANARY_MAX_SCORE_SHIFT: '0.15',
    CANARY_FALSE_ABORT_RATE: '0.005',
    CANARY_CATASTROPHE_MIN_REQUESTS: '20',
    PROMETHEUS_SCRAPE_INTERVAL_SECONDS: '5',
    CLOUD_TASKS_ENDPOINT: 'http://127.0.0.1:9999/',
  }).canary;
  expect(c).toMatchObject({
    weightPercent: 25,
    intervalSeconds: 5,
    analysisSeconds: 60,
    warmupSeconds: 45,
    readyDeadlineSeconds: 90,
    minRequests: 10,
    onInconclusive: 'abort',
    maxErrorDelta: 0.05,
    maxLatencyRatio: 2,
    maxBehaviourShift: 0.25,
    maxScoreShift: 0.15,
    falseAbortRate: 0.005,
    catastropheMinRequests: 20,
    scrapeIntervalSeconds: 5,
    cloudTasksEndpoint: 'http://127.0.0.1:9999',
  });
});

it.each<[string, Record<string, string | undefined>]>([
  ['ROLLOUT_STRATEGY', { ROLLOUT_STRATEGY: 'blue-green' }],
  ['PROMETHEUS_QUERY_URL', { PROMETHEUS_QUERY_URL: undefined }],
  ['PROMETHEUS_QUERY_URL', { PROMETHEUS_QUERY_URL: 'monitoring.googleapis.com' }],
  ['CANARY_TASKS_QUEUE', { CANARY_TASKS_QUEUE: undefined }],
  ['CANARY_TASKS_QUEUE', { CANARY_TASKS_QUEUE: 'maskops-canary' }],
  ['FUNCTION_URL', { FUNCTION_URL: undefined }],
  ['CANARY_TASKS_SERVICE_ACCOUNT', { CANARY_TASKS_SERVICE_ACCOUNT: undefined }],
  ['CANARY_TASKS_SERVICE_ACCOUNT', { CANARY_TASKS_SERVICE_ACCOUNT: 'someone' }],
  ['CANARY_WEIGHT_PERCENT', { CANARY_WEIGHT_PERCENT: '0' }],
  ['CANARY_WEIGHT_PERCENT', { CANARY_WEIGHT_PERCENT: '101' }],
  ['CANARY_INTERVAL_SECONDS', { CANARY_INTERVAL_SECONDS: '30s' }],
  ['CANARY_READY_DEADLINE_SECONDS', { CANARY_READY_DEADLINE_SECONDS: '0' }],
  ['CANARY_WARMUP_SECONDS', { CANARY_WARMUP_SECONDS: '-5' }],
  ['CANARY_WARMUP_SECONDS', { CANARY_WARMUP_SECONDS: '3601' }],
  ['CANARY_ON_INCONCLUSIVE', { CANARY_ON_INCONCLUSIVE: 'maybe' }],
  ['CANARY_MAX_ERROR_DELTA', { CANARY_MAX_ERROR_DELTA: '2' }],
  ['CANARY_MAX_LATENCY_RATIO', { CANARY_MAX_LATENCY_RATIO: '0.5' }],
  ['CANARY_MAX_SCORE_SHIFT', { CANARY_MAX_SCORE_SHIFT: 'abc' }],
  ['CANARY_FALSE_ABORT_RATE', { CANARY_FALSE_ABORT_RATE: '0' }],
  ['CANARY_FALSE_ABORT_RATE', { CANARY_FALSE_ABORT_RATE: '0.9' }],
  ['CANARY_CATASTROPHE_MIN_REQUESTS', { CANARY_CATASTROPHE_MIN_REQUESTS: '0' }],
])('%s: refuses %j naming the variable', (variable, over) => {
  let error: unknown;
  try {
    readConfig({ ...canary, ...over });
  } catch (err) {
    error = err;
  }
  expect(error).toBeInstanceOf(ConfigError);
  expect((error as ConfigError).variable).toBe(variable);
});
