import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode } from '../../src/errors';
import type { Backend } from '../../src/inference/types';
import { selectBackend } from '../../src/model/backend';
import type { LoadModelOptions } from '../../src/model/load-model';
import { loadModel } from '../../src/model/load-model';
import { tfjsNodeInstalled } from './tfjs-node-installed';

const MODELS = join(__dirname, '..', '..', 'models');
const TF_OD_API = join(MODELS, 'shapes-tf-od-api');
const MATTERPORT = join(MODELS, 'shapes-matterport');

/** A minimal graph model.json whose tensors fit no adapter. */
const UNRELATED_GRAPH = {
  format: 'graph-model',
  modelTopology: {
    node: [
      {
        name: 'pixels',
        op: 'Placeholder',
        attr: { dtype: { type: 'DT_FLOAT' }, shape: { shape: { dim: [{ size: '-1' }] } } },
      },
      { name: 'logits', op: 'Relu', input: ['pixels'], attr: { T: { type: 'DT_FLOAT' } } },
    ],
    versions: { producer: 1 },
  },
  weightsManifest: [],
};

function scratch(): string {
  return mkdtempSync(join(tmpdir(), 'maskops-model-'));
}

describe('loadModel', () => {
  let backend: Backend;
  const opened: Array<{ model: { dispose(): void } }> = [];
  const load = async (options: Omit<LoadModelOptions, 'backend'>) => {
    const loaded = await loadModel({ backend, ...options });
    opened.push(loaded);
    return loaded;
  };

  beforeAll(async () => {
    backend = await selectBackend('wasm');
  });
  afterAll(() => opened.forEach((l) => l.model.dispose()));

  it.each([
    ['directory', TF_OD_API],
    ['model.json path', join(TF_OD_API, 'model.json')],
  ])('loads the tf-od-api demo from a %s and detects its adapter', async (_kind, modelPath) => {
    const { info, model } = await load({ modelPath });
    expect(info).toEqual({
      name: 'maskops-shapes-demo-tf-od-api',
      adapter: 'tf-od-api',
      format: 'tfjs-graph-model',
      runtime: 'tfjs',
      backend: 'wasm',
      workers: 1,
      classCount: 3,
      labels: new Map([
        [1, 'square'],
        [2, 'circle'],
        [3, 'triangle'],
      ]),
      labelsSource: { kind: 'maskops.json' },
      demo: true,
    });
    expect(model.inputs.map((i) => i.name)).toEqual(['input_tensor']);
    expect(model.outputs.map((o) => o.name).sort()).toEqual([
      'detection_boxes',
      'detection_classes',
      'detection_masks',
      'detection_scores',
      'num_detections',
    ]);
  });

  it.each([
    ['directory', MATTERPORT],
    ['model.json path', join(MATTERPORT, 'model.json')],
  ])('loads the matterport demo from a %s with its config', async (_kind, modelPath) => {
    const { info, matterportConfig } = await load({ modelPath });
    expect(info).toMatchObject({ adapter: 'matterport', demo: true, classCount: 3 });
    expect(matterportConfig).toMatchObject({ NUM_CLASSES: 4 });
  });

  it('falls back to COCO labels without maskops.json and lets MODEL_LABELS win over it', async () => {
    const dir = scratch();
    cpSync(TF_OD_API, dir, { recursive: true });
    rmSync(join(dir, 'maskops.json'));
    const bare = await load({ modelPath: dir });
    expect(bare.info).toMatchObject({ demo: false, classCount: 80 });
    expect(bare.info.labels.get(1)).toBe('person');
    expect(bare.info.labelsSource).toEqual({ kind: 'coco' });
    expect(bare.info.name).toBe(dir.split('/').pop());

    const labelsPath = join(scratch(), 'labels.pbtxt');
    writeFileSync(labelsPath, "item { id: 1 display_name: 'box' }\nitem { id: 3 name: 'wedge' }");
    const relabelled = await load({ modelPath: TF_OD_API, modelLabels: labelsPath });
    expect(relabelled.info.labels).toEqual(
      new Map([
        [1, 'box'],
        [3, 'wedge'],
      ]),
    );
    expect(relabelled.info.labelsSource).toEqual({ kind: 'MODEL_LABELS', path: labelsPath });
    expect(relabelled.info).toMatchObject({ classCount: 2, demo: true });
  });

  it('refuses a forced adapter the model does not fit, listing its tensors', async () => {
    await expect(load({ modelPath: TF_OD_API, modelAdapter: 'matterport' })).rejects.toMatchObject({
      code: ErrorCode.MODEL_INVALID,
      message: expect.stringMatching(
        /does not fit the matterport adapter: missing input_image.*inputs found: input_tensor/,
      ),
    });
  });

  it('fails with MODEL_NOT_FOUND for a missing path or a directory without a model', async () => {
    await expect(load({ modelPath: join(scratch(), 'nope') })).rejects.toMatchObject({
      code: ErrorCode.MODEL_NOT_FOUND,
      message: expect.stringContaining('does not exist'),
    });
    await expect(load({ modelPath: scratch() })).rejects.toMatchObject({
      code: ErrorCode.MODEL_NOT_FOUND,
      message: expect.stringContaining('no model.json'),
    });
  });

  it('fails with MODEL_INVALID for model.json that is not JSON or not a graph model', async () => {
    const dir = scratch();
    writeFileSync(join(dir, 'model.json'), '{ this is not json');
    await expect(load({ modelPath: dir })).rejects.toMatchObject({
      code: ErrorCode.MODEL_INVALID,
      message: expect.stringContaining('is not valid JSON'),
    });
    writeFileSync(join(dir, 'model.json'), '{"format":"layers-model","modelTopology":{}}');
    await expect(load({ modelPath: dir })).rejects.toMatchObject({
      code: ErrorCode.MODEL_INVALID,
      message: expect.stringContaining('Layers model'),
    });
  });

  it('fails with MODEL_INVALID naming a missing weight shard', async () => {
    const dir = scratch();
    cpSync(TF_OD_API, dir, { recursive: true });
    rmSync(join(dir, 'group1-shard1of1.bin'));
    await expect(load({ modelPath: dir })).rejects.toMatchObject({
      code: ErrorCode.MODEL_INVALID,
      message: expect.stringContaining('group1-shard1of1.bin'),
    });
  });

  it('refuses a graph that fits no adapter, listing the inputs and outputs it has', async () => {
    const dir = scratch();
    writeFileSync(join(dir, 'model.json'), JSON.stringify(UNRELATED_GRAPH));
    await expect(load({ modelPath: dir })).rejects.toMatchObject({
      code: ErrorCode.MODEL_INVALID,
      message: expect.stringContaining('inputs found: pixels; outputs found: logits'),
    });
  });

  (tfjsNodeInstalled() ? it.skip : it)(
    'explains that a SavedModel needs tfjs-node when it is not installed',
    async () => {
      const dir = scratch();
      writeFileSync(join(dir, 'saved_model.pb'), 'not really a saved model');
      await expect(load({ modelPath: dir })).rejects.toMatchObject({
        code: ErrorCode.MODEL_INVALID,
        message: expect.stringContaining('needs @tensorflow/tfjs-node'),
      });
    },
  );
});

describe('loadModel with ONNX graphs', () => {
  const ONNX_DIR = join(__dirname, '..', 'fixtures', 'torchvision-maskrcnn-small');
  // ONNX never asks for a TF.js backend: this one would fail the load if it were called.
  const noTfjs = () => Promise.reject(new Error('a TF.js backend was selected for ONNX'));

  it.each([
    ['an .onnx file', join(ONNX_DIR, 'model.onnx')],
    ['a directory holding model.onnx', ONNX_DIR],
  ])(
    'runs %s on ONNX Runtime with the torchvision adapter and the labels.txt beside it',
    async (_, path) => {
      const loaded = await loadModel({ modelPath: path, backend: noTfjs, ortIntraOpThreads: 1 });
      try {
        expect(loaded.info).toMatchObject({
          adapter: 'torchvision',
          format: 'onnx',
          runtime: 'onnxruntime',
          backend: 'cpu',
          threads: 1,
          classCount: 3,
          labelsSource: { kind: 'labels.txt', path: join(ONNX_DIR, 'labels.txt') },
        });
        expect(loaded.model.liveTensors()).toBe(0);
      } finally {
        loaded.model.dispose();
      }
    },
  );

  it('refuses a TF.js adapter for an ONNX graph, and torchvision for a TF.js model', async () => {
    await expect(
      loadModel({ modelPath: ONNX_DIR, modelAdapter: 'tf-od-api', backend: noTfjs }),
    ).rejects.toMatchObject({
      code: ErrorCode.MODEL_INVALID,
      message: expect.stringContaining('MODEL_ADAPTER=tf-od-api needs a TF.js graph model'),
    });
    await expect(
      loadModel({ modelPath: TF_OD_API, modelAdapter: 'torchvision', backend: 'cpu' }),
    ).rejects.toMatchObject({
      code: ErrorCode.MODEL_INVALID,
      message: expect.stringContaining('MODEL_ADAPTER=torchvision needs an ONNX graph'),
    });
  });

  it('refuses a file ONNX Runtime cannot parse as MODEL_INVALID', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'onnx-bad-'));
    try {
      writeFileSync(join(dir, 'model.onnx'), 'not a protobuf');
      await expect(loadModel({ modelPath: dir, backend: noTfjs })).rejects.toMatchObject({
        code: ErrorCode.MODEL_INVALID,
        message: expect.stringContaining('is not a loadable ONNX model'),
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
