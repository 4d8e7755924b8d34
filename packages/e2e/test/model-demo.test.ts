/**
 * Model rollouts end to end, as `pnpm start --model-push` runs them: the real
 * `maskops-model push` into localcloud's versioned storage stand-in, whose
 * notification reaches the built deployer under the real functions-framework, which
 * patches the Deployment's MODEL_PATH; real inference-api pods load the pinned
 * manifest (or refuse it) while a client keeps POSTing images.
 */
import { runPipelineDemo, type PipelineDemoReport } from '../src/pipeline-demo';
import { ModelPushKind } from '../src/model-push';
import { REPO_ROOT } from './helpers/repo-root';

jest.setTimeout(600_000);

/** The demo, with its log appended to any error it ends in (CI keeps only the error). */
async function demo(canary: boolean): Promise<{ report: PipelineDemoReport; text: string }> {
  const lines: string[] = [];
  try {
    const report = await runPipelineDemo({
      repoRoot: REPO_ROOT,
      replicas: 2,
      concurrency: 2,
      models: true,
      canary,
      log: (l) => lines.push(l),
    });
    return { report, text: lines.join('\n') };
  } catch (err) {
    throw new Error(`${String(err)}\n--- demo log ---\n${lines.slice(-60).join('\n')}`, {
      cause: err,
    });
  }
}

it('serves a pushed model, refuses a corrupt one, and never fails a request', async () => {
  const { report, text } = await demo(false);
  expect(report.models?.map((m) => [m.kind, m.ok])).toEqual([
    [ModelPushKind.GOOD, true],
    [ModelPushKind.CORRUPT, true],
  ]);
  const [good, corrupt] = report.models!;
  expect(good.uri).toMatch(
    /^gs:\/\/maskops-local-models\/models\/shapes\/maskops-model\.json#\d+$/,
  );
  // The corrupt manifest is a newer generation of the same object, never kept.
  expect(corrupt.uri).not.toBe(good.uri);
  expect(corrupt.serving).toBe(good.uri);
  expect(report.load.failed).toBe(0);
  expect(report.load.wrong).toBe(0);
  expect(report.ok).toBe(true);
  expect(text).toMatch(/outcome=rolled-back/);
  expect(text).toMatch(
    /\[summary\] models: good serving, corrupt refused; requests sent \d+, failed 0/,
  );
});

it('with a canary: promotes the good model, aborts the corrupt and the empty one', async () => {
  const { report, text } = await demo(true);
  expect(report.models?.map((m) => [m.kind, m.ok])).toEqual([
    [ModelPushKind.GOOD, true],
    [ModelPushKind.CORRUPT, true],
    [ModelPushKind.EMPTY, true],
  ]);
  expect(report.load.failed).toBe(0);
  expect(report.ok).toBe(true);
  expect(text).toMatch(/canary of model \S+ promoted/);
  // The corrupt model's canary never got ready; the empty one was judged and aborted.
  expect(text.match(/outcome=canary-aborted/g)).toHaveLength(2);
  expect(text).toMatch(/reason=BEHAVIOUR_SHIFT/);
});
