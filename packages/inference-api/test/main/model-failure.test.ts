import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OnnxBuilder, OnnxType } from '@maskops/demo-model';
import { writeHostileModel } from '../fixtures/hostile-model';
import { startServer, type ServerProcess } from './server-process';

/*
 * A model that cannot be served stops the real process with ONE structured
 * CRITICAL line and a documented exit code: 1 for the model, 78 for its labels.
 * Nothing else reaches stderr (ONNX Runtime's own log included).
 */
jest.setTimeout(60_000);

const root = mkdtempSync(join(tmpdir(), 'maskops-model-failure-'));
const running: ServerProcess[] = [];
afterAll(() => {
  for (const s of running) if (s.child.exitCode === null) s.child.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

async function failedStart(env: Record<string, string>) {
  const s = await startServer(env);
  running.push(s);
  const exit = await s.exited;
  const problems = s.lines.filter(
    (l) => l['unparsed'] === true || l['severity'] === 'ERROR' || l['severity'] === 'CRITICAL',
  );
  return { exit, problems };
}

describe('a model that cannot be served', () => {
  it('exits 1 with one line when MODEL_PATH does not exist', async () => {
    const { exit, problems } = await failedStart({ MODEL_PATH: '/nonexistent/model.json' });
    expect(exit).toEqual({ code: 1, signal: null });
    expect(problems).toEqual([
      expect.objectContaining({
        severity: 'CRITICAL',
        code: 'MODEL_NOT_FOUND',
        message: 'the model failed to load: MODEL_PATH /nonexistent/model.json does not exist',
      }),
    ]);
    expect(problems[0]).not.toHaveProperty('err');
  });

  it('exits 1 with one line listing the tensors of an ONNX graph in another contract', async () => {
    const g = new OnnxBuilder();
    const images = g.input('images', OnnxType.FLOAT, [3, 'H', 'W']);
    g.output('boxes', g.op('Identity', [images]), OnnxType.FLOAT, [3, 'H', 'W']);
    const modelPath = join(root, 'other-contract.onnx');
    writeFileSync(modelPath, g.build('other', 'not torchvision'));
    const { exit, problems } = await failedStart({ MODEL_PATH: modelPath });
    expect(exit).toEqual({ code: 1, signal: null });
    expect(problems).toEqual([
      expect.objectContaining({
        severity: 'CRITICAL',
        code: 'MODEL_INVALID',
        message: expect.stringContaining('the ONNX graph fits no supported contract'),
      }),
    ]);
  });

  it('exits 78 with one line naming the labels file and line', async () => {
    const dir = join(root, 'bad-labels');
    const modelPath = writeHostileModel(
      dir,
      { boxes: [[0, 0, 4, 4]], labels: [1], scores: [0.5] },
      { 'labels.txt': 'square\ncircle\n{"1e21": "huge"}\nsquare\n' },
    );
    const labels = join(dir, 'mine.json');
    writeFileSync(labels, '{\n  "1": "square",\n  "1e21": "huge"\n}\n');
    const { exit, problems } = await failedStart({ MODEL_PATH: modelPath, MODEL_LABELS: labels });
    expect(exit).toEqual({ code: 78, signal: null });
    expect(problems).toEqual([
      expect.objectContaining({
        severity: 'CRITICAL',
        code: 'LABELS_INVALID',
        file: labels,
        line: 3,
        message: `the model failed to load: labels file ${labels} line 3: label id "1e21" is not an integer 0..100000`,
      }),
    ]);
  });
});
