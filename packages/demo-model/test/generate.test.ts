import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDemoModelFiles, generateDemoModels, WEIGHTS_FILE } from '../src/generate';

interface Node {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, { type?: string; shape?: { dim?: Array<{ size: string }> } }>;
}
interface ModelJson {
  format: string;
  modelTopology: { node: Node[]; versions: { producer: number } };
  signature: {
    inputs: Record<string, { name: string; dtype: string }>;
    outputs: Record<string, { name: string }>;
  };
  weightsManifest: Array<{
    paths: string[];
    weights: Array<{ name: string; shape: number[]; dtype: string }>;
  }>;
}

const FILES = [
  'shapes-tf-od-api/model.json',
  `shapes-tf-od-api/${WEIGHTS_FILE}`,
  'shapes-tf-od-api/maskops.json',
  'shapes-matterport/model.json',
  `shapes-matterport/${WEIGHTS_FILE}`,
  'shapes-matterport/maskops.json',
  'shapes-matterport/matterport-config.json',
  'shapes-torchvision/model.onnx',
  'shapes-torchvision/maskops.json',
];

/**
 * Every op here has a tfjs-converter mapper, runs on wasm and cpu (the model tests execute
 * them all) and has a tfjs-node kernel (DenseBincount, for one, has none).
 */
const ALLOWED_OPS = new Set([
  'Placeholder',
  'Const',
  'Identity',
  'Cast',
  'AddV2',
  'Sub',
  'Mul',
  'RealDiv',
  'Abs',
  'Maximum',
  'Minimum',
  'Round',
  'MaxPool',
  'Floor',
  'ClipByValue',
  'GreaterEqual',
  'LessEqual',
  'Max',
  'Min',
  'Sum',
  'Shape',
  'StridedSlice',
  'GatherV2',
  'GatherNd',
  'Pack',
  'ConcatV2',
  'Reshape',
  'ExpandDims',
  'Squeeze',
  'Tile',
  'Transpose',
  'Range',
  'TopKV2',
  'Bincount',
]);

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'demo-model-gen-'));
  dirs.push(dir);
  return dir;
}

function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(dir).flatMap((name) =>
    statSync(join(dir, name)).isDirectory()
      ? listFiles(join(dir, name), `${prefix}${name}/`)
      : [`${prefix}${name}`],
  );
}

test('writes the nine files, one progress line each, byte-identical on every run', () => {
  const [a, b] = [tempDir(), tempDir()];
  const lines: string[] = [];
  generateDemoModels(a, (line) => lines.push(line));
  generateDemoModels(b);
  expect(listFiles(a).sort()).toEqual([...FILES].sort());
  expect(lines).toHaveLength(FILES.length);
  FILES.forEach((file, i) => expect(lines[i]).toContain(join(...file.split('/'))));
  for (const file of FILES) {
    expect(readFileSync(join(b, file)).equals(readFileSync(join(a, file)))).toBe(true);
  }
  const again = buildDemoModelFiles();
  again.forEach((file) => expect(file.bytes.equals(readFileSync(join(a, file.path)))).toBe(true));
});

describe.each([
  [
    'shapes-tf-od-api',
    { input_tensor: 'DT_UINT8' },
    [
      'detection_boxes',
      'detection_classes',
      'detection_masks',
      'detection_scores',
      'num_detections',
    ],
  ],
  [
    'shapes-matterport',
    { input_image: 'DT_FLOAT', input_image_meta: 'DT_FLOAT', input_anchors: 'DT_FLOAT' },
    ['mrcnn_detection', 'mrcnn_mask'],
  ],
] as const)('%s/model.json', (variant, inputs, outputs) => {
  let model: ModelJson;
  let shard: Buffer;
  beforeAll(() => {
    const files = new Map(buildDemoModelFiles().map((f) => [f.path, f.bytes]));
    model = JSON.parse(files.get(`${variant}/model.json`)!.toString('utf8')) as ModelJson;
    shard = files.get(`${variant}/${WEIGHTS_FILE}`)!;
  });

  test('is a graph model whose nodes form a closed graph of supported ops', () => {
    expect(model.format).toBe('graph-model');
    const nodes = model.modelTopology.node;
    const names = new Set(nodes.map((n) => n.name));
    expect(names.size).toBe(nodes.length);
    const consumed = new Set<string>();
    for (const node of nodes) {
      expect(ALLOWED_OPS).toContain(node.op);
      for (const input of node.input ?? []) {
        const source = input.split(':')[0];
        expect(names).toContain(source);
        consumed.add(source);
      }
    }
    // Without the signature a loader takes the unconsumed nodes as outputs: the same set.
    expect(
      nodes
        .filter((n) => !consumed.has(n.name))
        .map((n) => n.name)
        .sort(),
    ).toEqual([...outputs].sort());
    const placeholders = nodes.filter((n) => n.op === 'Placeholder');
    expect(Object.fromEntries(placeholders.map((n) => [n.name, n.attr?.dtype?.type]))).toEqual(
      inputs,
    );
    placeholders.forEach((n) => expect(consumed).toContain(n.name));
  });

  test('has a signature naming the graph inputs and outputs', () => {
    expect(Object.keys(model.signature.inputs).sort()).toEqual(Object.keys(inputs).sort());
    Object.entries(model.signature.inputs).forEach(([key, v]) => expect(v.name).toBe(`${key}:0`));
    expect(Object.keys(model.signature.outputs)).toEqual([...outputs]);
    Object.entries(model.signature.outputs).forEach(([key, v]) => expect(v.name).toBe(`${key}:0`));
  });

  test('has one weight per Const node, filling the shard exactly', () => {
    expect(model.weightsManifest).toHaveLength(1);
    const [group] = model.weightsManifest;
    expect(group.paths).toEqual([WEIGHTS_FILE]);
    const consts = model.modelTopology.node.filter((n) => n.op === 'Const').map((n) => n.name);
    expect(group.weights.map((w) => w.name)).toEqual(consts);
    const bytes = group.weights.reduce((sum, w) => {
      expect(['float32', 'int32']).toContain(w.dtype);
      return sum + 4 * w.shape.reduce((a, b) => a * b, 1);
    }, 0);
    expect(shard.length).toBe(bytes);
  });
});

test('maskops.json and matterport-config.json', () => {
  const files = new Map(
    buildDemoModelFiles()
      .filter((f) => f.path.endsWith('.json'))
      .map((f) => [f.path, JSON.parse(f.bytes.toString('utf8')) as unknown]),
  );
  const description =
    'Generated demo model: finds solid palette-coloured squares, circles and triangles. Not a trained network.';
  const labels = { 1: 'square', 2: 'circle', 3: 'triangle' };
  expect(files.get('shapes-tf-od-api/maskops.json')).toEqual({
    name: 'maskops-shapes-demo-tf-od-api',
    demo: true,
    description,
    labels,
  });
  expect(files.get('shapes-matterport/maskops.json')).toEqual({
    name: 'maskops-shapes-demo-matterport',
    demo: true,
    description,
    labels,
  });
  expect(files.get('shapes-torchvision/maskops.json')).toEqual({
    name: 'maskops-shapes-demo-torchvision',
    demo: true,
    description,
    labels,
  });
  expect(files.get('shapes-matterport/matterport-config.json')).toMatchObject({
    NUM_CLASSES: 4,
    DETECTION_MAX_INSTANCES: 8,
    IMAGE_MIN_DIM: 800,
    IMAGE_MAX_DIM: 1024,
    MEAN_PIXEL: [123.7, 116.8, 103.9],
  });
});

describe('the built CLI (dist/cli.js, built before tests by turbo)', () => {
  const cli = join(__dirname, '..', 'dist', 'cli.js');

  test('--out DIR writes the same files and prints one line per file', () => {
    const out = tempDir();
    const result = spawnSync(process.execPath, [cli, '--out', out], { encoding: 'utf8' });
    expect(result.status).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(FILES.length);
    lines.forEach((line) => expect(line).toMatch(/^demo-model: wrote .+ \(\d+ bytes\)$/));
    buildDemoModelFiles().forEach((file) =>
      expect(readFileSync(join(out, file.path)).equals(file.bytes)).toBe(true),
    );
  });

  test.each([[['--out']], [[]], [['--out', '--verbose']]])(
    '%j is a usage error that writes nothing',
    (args) => {
      const cwd = tempDir();
      const result = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8' });
      expect(result.status).toBe(1);
      expect(result.stderr).toBe(
        'demo-model: usage: maskops-demo-model --out DIR [--behaviour shapes|empty] [--samples DIR]\n',
      );
      expect(readdirSync(cwd)).toEqual([]);
    },
  );

  test('--behaviour empty (or DEMO_MODEL_BEHAVIOUR=empty) writes the collapsed-score models', () => {
    const empty = buildDemoModelFiles('empty');
    const shapes = buildDemoModelFiles();
    for (const args of [['--behaviour', 'empty'], []]) {
      const out = tempDir();
      const env = { ...process.env, DEMO_MODEL_BEHAVIOUR: args.length ? 'shapes' : 'empty' };
      const result = spawnSync(process.execPath, [cli, '--out', out, ...args], {
        encoding: 'utf8',
        env,
      });
      expect(result.status).toBe(0);
      expect(result.stdout).toMatch(/^demo-model: behaviour empty\n/);
      empty.forEach((file) =>
        expect(readFileSync(join(out, file.path)).equals(file.bytes)).toBe(true),
      );
    }
    // Same files, same graphs; the weights (scores are constants) and names differ.
    expect(empty.map((f) => f.path)).toEqual(shapes.map((f) => f.path));
    const name = (files: typeof empty): unknown =>
      (
        JSON.parse(
          files.find((f) => f.path === 'shapes-tf-od-api/maskops.json')!.bytes.toString(),
        ) as { name: unknown }
      ).name;
    expect(name(empty)).toBe('maskops-shapes-demo-tf-od-api-empty');
    expect(name(shapes)).toBe('maskops-shapes-demo-tf-od-api');
  });

  test.each([
    [['--behaviour', 'broken'], {}, '--behaviour'],
    [[], { DEMO_MODEL_BEHAVIOUR: 'broken' }, 'DEMO_MODEL_BEHAVIOUR'],
  ])('%j %j: an unknown behaviour stops naming %s, writing nothing', (args, env, named) => {
    const out = tempDir();
    const result = spawnSync(process.execPath, [cli, '--out', out, ...args], {
      encoding: 'utf8',
      env: { ...process.env, ...env },
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(`demo-model: ${named} must be one of shapes, empty, got "broken"\n`);
    expect(readdirSync(out)).toEqual([]);
  });

  test('is executable through its shebang, as the package bin', () => {
    expect(readFileSync(cli, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
  });
});
