import { Annotation } from '@maskops/shared';
import { digest, OLD_IMAGE, REPO } from '../helpers/cloud';
import {
  deliverNotification,
  deliverStorageEvent,
  MODEL_BUCKET,
  MODEL_ENV,
  MODEL_PREFIX,
  modelPath,
  modelUri,
} from '../helpers/model-events';
import { annotations, deliver, functionSuite, lastLog } from '../helpers/suite';

const suite = functionSuite({ ROLLOUT_TIMEOUT_SECONDS: '10', ...MODEL_ENV });
const { fn } = suite;

const START_MODEL = 'gs://maskops-models/baked/model.json';
/** A Deployment whose container has a MODEL_PATH and another env var that must survive. */
const withModel = (path = START_MODEL) => ({
  containers: [
    {
      name: 'inference-api',
      image: OLD_IMAGE,
      env: [
        { name: 'MODEL_PATH', value: path },
        { name: 'LOG_LEVEL', value: 'info' },
      ],
    },
  ],
});
const env = (f: Awaited<ReturnType<typeof fn>>) =>
  f.deployment().spec.template.spec.containers[0].env as Array<{ name: string; value: string }>;

it('patches only MODEL_PATH, pinned to the manifest generation; the image and other env stay', async () => {
  const f = await fn(withModel());
  expect(await deliverStorageEvent(f, { generation: '2001' })).toBe(204);
  expect(lastLog(f)).toMatchObject({ outcome: 'deployed', severity: 'NOTICE', image: OLD_IMAGE });
  expect(f.image()).toBe(OLD_IMAGE);
  expect(env(f)).toEqual([
    { name: 'MODEL_PATH', value: modelUri('2001') },
    { name: 'LOG_LEVEL', value: 'info' },
  ]);
  const notes = annotations(f);
  expect(notes[Annotation.MODEL_URI]).toBe(modelUri('2001'));
  expect(notes[Annotation.MODEL_GENERATION]).toBe('2001');
  expect(notes[Annotation.PREVIOUS_MODEL_PATH]).toBe(START_MODEL);
  expect(notes[Annotation.CHANGE_CAUSE]).toContain(modelUri('2001'));
  // A model rollout never moves the build's ordering key.
  expect(notes[Annotation.BUILD_ID]).toBeUndefined();
  expect(notes[Annotation.FINISH_TIME]).toBeUndefined();
});

it('ordered by generation: a redelivery changes nothing, an older one is stale, a newer one rolls out', async () => {
  const f = await fn(withModel());
  expect(await deliverNotification(f, { generation: '3005' })).toBe(204);
  const patches = f.patches();
  expect(await deliverStorageEvent(f, { generation: '3005' })).toBe(204);
  expect(lastLog(f)).toMatchObject({ outcome: 'already-deployed', severity: 'INFO' });
  expect(await deliverNotification(f, { generation: '3004' })).toBe(204);
  expect(lastLog(f)).toMatchObject({ outcome: 'stale' });
  expect(String(lastLog(f).reason)).toContain('older than the deployed generation 3005');
  expect(f.patches()).toBe(patches);
  expect(modelPath(f)).toBe(modelUri('3005'));
  expect(await deliverNotification(f, { generation: '3006' })).toBe(204);
  expect(lastLog(f)).toMatchObject({ outcome: 'deployed' });
  expect(modelPath(f)).toBe(modelUri('3006'));
  // Generations order only within one manifest: another model's manifest rolls out.
  const other = `${MODEL_PREFIX}/people/maskops-model.json`;
  expect(await deliverNotification(f, { generation: '12', name: other })).toBe(204);
  expect(lastLog(f)).toMatchObject({ outcome: 'deployed' });
  expect(modelPath(f)).toBe(modelUri('12', other));
});

it('a generation beyond a JS number still orders exactly (int64 as decimal strings)', async () => {
  const f = await fn(withModel());
  expect(await deliverNotification(f, { generation: '1700000000000000002' })).toBe(204);
  expect(await deliverNotification(f, { generation: '1700000000000000001' })).toBe(204);
  expect(lastLog(f)).toMatchObject({ outcome: 'stale' });
  expect(modelPath(f)).toBe(modelUri('1700000000000000002'));
});

it('an image rollout keeps the current MODEL_PATH: its patch never names env', async () => {
  const f = await fn(withModel());
  expect(await deliverNotification(f, { generation: '4001' })).toBe(204);
  const before = env(f);
  expect(await deliver(f)).toBe(204);
  expect(lastLog(f)).toMatchObject({ outcome: 'deployed' });
  expect(f.image()).toBe(`${REPO}@${digest('1')}`);
  expect(env(f)).toEqual(before);
  const sent = suite.cloud.kube.requests.filter(
    (r) => r.method === 'PATCH' && r.path.endsWith(`/deployments/${f.name}`),
  );
  const last = sent[sent.length - 1].body as {
    spec: { template: { spec: { containers: Array<Record<string, unknown>> } } };
  };
  expect(last.spec.template.spec.containers).toEqual([
    { name: 'inference-api', image: `${REPO}@${digest('1')}` },
  ]);
  // And the image's order did not move the model's: the same model is still deployed.
  expect(await deliverNotification(f, { generation: '4001' })).toBe(204);
  expect(lastLog(f)).toMatchObject({ outcome: 'already-deployed' });
});

it('a model that never gets ready is rolled back to the previous MODEL_PATH', async () => {
  const f = await fn(withModel());
  suite.cloud.kube.setRolloutMode('default', f.name, 'fail');
  expect(await deliverNotification(f, { generation: '5001' })).toBe(204);
  expect(lastLog(f)).toMatchObject({ outcome: 'rolled-back', severity: 'ERROR', rollback: 'done' });
  expect(String(lastLog(f).reason)).toContain('ProgressDeadlineExceeded');
  expect(modelPath(f)).toBe(START_MODEL);
  expect(f.image()).toBe(OLD_IMAGE);
  const notes = annotations(f);
  expect(notes[Annotation.ROLLBACK_REASON]).toContain(modelUri('5001'));
  // The failed model stays recorded: its redelivery does not roll it out again.
  expect(notes[Annotation.MODEL_URI]).toBe(modelUri('5001'));
  const patches = f.patches();
  expect(await deliverStorageEvent(f, { generation: '5001' })).toBe(204);
  expect(lastLog(f)).toMatchObject({ outcome: 'already-deployed' });
  expect(f.patches()).toBe(patches);
});

it('a rollback to a Deployment that had no MODEL_PATH removes it again', async () => {
  const f = await fn({ env: { ROLLOUT_TIMEOUT_SECONDS: '1' } });
  suite.cloud.kube.setRolloutMode('default', f.name, 'hang');
  expect(await deliverNotification(f, { generation: '6001' })).toBe(204);
  expect(lastLog(f)).toMatchObject({ outcome: 'rolled-back' });
  expect(String(lastLog(f).reason)).toMatch(/^Timeout/);
  expect(modelPath(f)).toBeUndefined();
});

it('a rollback never undoes somebody else’s MODEL_PATH set meanwhile', async () => {
  const f = await fn({ ...withModel(), env: { ROLLOUT_TIMEOUT_SECONDS: '1' } });
  suite.cloud.kube.setRolloutMode('default', f.name, 'hang');
  const pending = deliverNotification(f, { generation: '7001' });
  for (let i = 0; i < 200 && modelPath(f) !== modelUri('7001'); i++) {
    await new Promise((r) => setTimeout(r, 10));
  }
  const d = suite.cloud.kube.getDeployment('default', f.name)!;
  const hotfix = `gs://${MODEL_BUCKET}/hotfix/maskops-model.json#9`;
  (d.spec.template.spec.containers[0].env as Array<{ value: string }>)[0].value = hotfix;
  suite.cloud.kube.putDeployment(d);
  expect(await pending).toBe(204);
  expect(lastLog(f)).toMatchObject({ outcome: 'superseded', severity: 'WARNING' });
  expect(modelPath(f)).toBe(hotfix);
});

it('ROLLOUT_TIMEOUT_SECONDS=0: patched, not watched', async () => {
  const f = await fn({ ...withModel(), env: { ROLLOUT_TIMEOUT_SECONDS: '0' } });
  expect(await deliverNotification(f, { generation: '8001' })).toBe(204);
  expect(lastLog(f)).toMatchObject({ outcome: 'patched' });
  expect(modelPath(f)).toBe(modelUri('8001'));
});

it('MODEL_PATH from a ConfigMap is refused with a stable code, acknowledged', async () => {
  const f = await fn({
    containers: [
      {
        name: 'inference-api',
        image: OLD_IMAGE,
        env: [
          {
            name: 'MODEL_PATH',
            valueFrom: { configMapKeyRef: { name: 'model', key: 'path' } },
          } as unknown as { name: string; value: string },
        ],
      },
    ],
  });
  expect(await deliverNotification(f, { generation: '9001' })).toBe(204);
  expect(lastLog(f)).toMatchObject({ outcome: 'rejected', code: 'MODEL_PATH_FROM_REFERENCE' });
  expect(f.patches()).toBe(0);
});
