/**
 * `pnpm start --canary` end to end: the deployer with ROLLOUT_STRATEGY=canary, its steps
 * delivered by localcloud's Cloud Tasks stand-in, its analysis answered by the Prometheus
 * stand-in scraping the real inference-api pods of both tracks, a second pod controller
 * for the canary Deployment behind the same Service. Push 1 (the demo model) must be
 * promoted; push 2 (a local Cloud Build with `_DEMO_MODEL_BEHAVIOUR=empty`: a model that
 * finds nothing) must be aborted while the stable build keeps serving. Needs the
 * workspace built, and HEAD committed (the local Cloud Build builds the commit).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runPipelineDemo } from '../src/pipeline-demo';
import { REPO_ROOT } from './helpers/repo-root';

// Minutes on an idle machine; far more when every core is busy (slow, not wrong).
jest.setTimeout(2_400_000);

it('promotes the good push, aborts the push that finds nothing, with zero failed requests', async () => {
  const lines: string[] = [];
  const report = await runPipelineDemo({
    repoRoot: REPO_ROOT,
    pushes: 2,
    replicas: 2,
    concurrency: 2,
    canary: true,
    log: (l) => lines.push(l),
  });
  const text = lines.join('\n');
  // The whole run, to read when an expectation fails.
  mkdirSync(join(__dirname, '..', 'test-artifacts'), { recursive: true });
  writeFileSync(join(__dirname, '..', 'test-artifacts', 'canary-demo.log'), text + '\n');
  const at = (pattern: RegExp): number => lines.findIndex((l) => pattern.test(l));

  expect(report.canary).toEqual({ promoted: 1, aborted: 1 });
  expect(report.load.failed).toBe(0);
  expect(report.ok).toBe(true);
  // The first build and push 1 were deployed; push 2 never reached the stable Deployment.
  expect(report.deployed).toHaveLength(2);
  expect(report.finalImage).toContain('@sha256:');

  // Push 1: canary pod up, analysed over several steps, promoted, rolled out, canary to 0.
  const started1 = at(/outcome=canary-started buildId=local-build-1-/);
  const promoting = at(/outcome=canary-promoting buildId=local-build-1-/);
  const deployed = at(/outcome=deployed buildId=local-build-1-/);
  const promoted = at(/\[push 1\] canary promoted/);
  expect(started1).toBeGreaterThan(-1);
  expect(started1).toBeLessThan(at(/pod inference-api-canary-\w+-1 ready/));
  expect(
    text.match(/step \d+, no breach outcome=canary-continue buildId=local-build-1-/g)!.length,
  ).toBeGreaterThanOrEqual(2);
  expect(promoting).toBeGreaterThan(started1);
  expect(deployed).toBeGreaterThan(promoting);
  expect(promoted).toBeGreaterThan(deployed);

  // Push 2: built with the substitution, aborted on its behaviour, redelivery not analysed.
  expect(text).toMatch(/\[push 2\] git push → local Cloud Build with _DEMO_MODEL_BEHAVIOUR=empty/);
  const aborted = at(/outcome=canary-aborted reason=(BEHAVIOUR_SHIFT|SCORE_SHIFT)/);
  expect(aborted).toBeGreaterThan(promoted);
  expect(at(/\[push 2\] canary aborted/)).toBeGreaterThan(aborted);
  expect(text).toMatch(/outcome=already-aborted/);

  // The bad answers came only from the canary pod; every pod drained cleanly.
  expect(report.load.wrong).toBeGreaterThan(0);
  expect(
    Object.keys(report.load.wrongByPod).every((p) => p.startsWith('inference-api-canary-')),
  ).toBe(true);
  expect(text).not.toMatch(/exited with (?!0)/);
  expect(lines[lines.length - 1]).toMatch(
    /^\[summary\] .*requests sent \d+, failed 0, .*canary: promoted=1 aborted=1/,
  );
});
