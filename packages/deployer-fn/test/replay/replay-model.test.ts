/**
 * maskops-replay --model: a published model's manifest generation replayed as
 * the bucket's notification, through the built CLI against localcloud.
 */
import { deploymentFixture } from '@maskops/localcloud';
import { Annotation, formatModelUri } from '@maskops/shared';
import {
  BUILD_FILE,
  cliOutput,
  replayCloud,
  REPLAY_REPO as REPO,
  runCli,
} from '../helpers/replay-cli';

const OLD_IMAGE = `${REPO}@sha256:${'0'.repeat(64)}`;
const START_MODEL = 'gs://maskops-models/baked/model.json';
const OBJECT = 'models/shapes/maskops-model.json';
const uri = (generation: string) =>
  formatModelUri({ bucket: 'maskops-models', object: OBJECT, generation });

const replay = replayCloud();
const env = () => ({ ...replay.env, MODEL_BUCKET: 'gs://maskops-models/models' });
beforeEach(() => {
  replay.cloud.kube.putDeployment(
    deploymentFixture({
      name: 'inference-api',
      namespace: 'maskops',
      containers: [
        {
          name: 'inference-api',
          image: OLD_IMAGE,
          env: [{ name: 'MODEL_PATH', value: START_MODEL }],
        },
      ],
    }),
  );
});
const deployed = () => replay.cloud.kube.getDeployment('maskops', 'inference-api')!;
const modelPath = () =>
  (deployed().spec.template.spec.containers[0].env as Array<{ name: string; value: string }>)[0]
    .value;

it('--model … --dry-run prints the MODEL_PATH patch, like a build’s, and changes nothing', async () => {
  const r = await runCli(['--model', uri('41'), '--dry-run'], env());
  expect(r.code).toBe(0);
  const out = cliOutput(r);
  expect(out).toMatchObject({ outcome: 'dry-run', buildId: 'model-41', image: OLD_IMAGE });
  expect(out.patch?.spec.template.spec.containers).toEqual([
    { name: 'inference-api', env: [{ name: 'MODEL_PATH', value: uri('41') }] },
  ]);
  expect(out.patch?.metadata.annotations[Annotation.MODEL_URI]).toBe(uri('41'));
  expect(out.patch?.metadata.annotations[Annotation.PREVIOUS_MODEL_PATH]).toBe(START_MODEL);
  expect(modelPath()).toBe(START_MODEL);
  expect(replay.cloud.kube.requests.filter((q) => q.method === 'PATCH')).toHaveLength(0);
});

it('--model … --in-process rolls the model out; its order holds, --force overrides it', async () => {
  const first = await runCli(['--model', uri('52'), '--in-process'], env());
  expect(first.code).toBe(0);
  expect(cliOutput(first).outcome).toBe('patched');
  expect(modelPath()).toBe(uri('52'));
  expect(deployed().spec.template.spec.containers[0].image).toBe(OLD_IMAGE);
  const again = await runCli(['--model', uri('52'), '--in-process'], env());
  expect(cliOutput(again).outcome).toBe('already-deployed');
  const older = await runCli(['--model', uri('51'), '--in-process'], env());
  expect(cliOutput(older).outcome).toBe('stale');
  const forced = await runCli(['--model', uri('51'), '--in-process', '--force'], env());
  expect(cliOutput(forced).outcome).toBe('patched');
  expect(modelPath()).toBe(uri('51'));
  expect(deployed().metadata.annotations?.[Annotation.FORCED_BY_REPLAY]).toBeDefined();
});

it('a model outside MODEL_BUCKET is ignored, as the function would', async () => {
  const other = formatModelUri({
    bucket: 'maskops-models',
    object: 'other/maskops-model.json',
    generation: '3',
  });
  const r = await runCli(['--model', other, '--in-process'], env());
  expect(r.code).toBe(0);
  expect(cliOutput(r)).toMatchObject({ outcome: 'ignored', reason: 'OUTSIDE_PREFIX' });
});

it.each([
  [['--model', 'gs://maskops-models/models/shapes/model.onnx', '--dry-run'], /INPUT_INVALID/],
  [['--model', `gs://maskops-models/${OBJECT}`, '--dry-run'], /INPUT_INVALID/],
  [['--model', uri('1'), '--file', BUILD_FILE, '--dry-run'], /choose one source/],
])('%j is refused with exit 2', async (args, message) => {
  const r = await runCli(args, env());
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(message);
});
