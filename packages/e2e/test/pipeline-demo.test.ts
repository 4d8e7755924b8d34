/**
 * The local pipeline end to end, as `pnpm start` runs it: real inference-api pods
 * on the demo model behind the Service port, the built deployer function under the
 * real functions-framework, localcloud's Container and Kubernetes APIs, two pushes
 * while a client keeps POSTing images. Needs the workspace built (turbo does that).
 */
import { runPipelineDemo } from '../src/pipeline-demo';
import { REPO_ROOT } from './helpers/repo-root';

jest.setTimeout(600_000);

it('rolls out two pushes with zero failed requests and ignores the late redelivery', async () => {
  const lines: string[] = [];
  const report = await runPipelineDemo({
    repoRoot: REPO_ROOT,
    pushes: 2,
    replicas: 2,
    concurrency: 2,
    log: (l) => lines.push(l),
  });
  const text = lines.join('\n');
  expect(report.deployed).toHaveLength(3);
  expect(report.load.failed).toBe(0);
  expect(report.load.wrong).toBe(0);
  expect(report.load.sent).toBeGreaterThan(5);
  expect(report.ok).toBe(true);
  // Each push replaced both pods, one surge at a time, every old pod drained cleanly.
  expect(text.match(/drained and exited with 0/g)).toHaveLength(4);
  expect(text).not.toMatch(/exited with (?!0)/);
  expect(text).toMatch(/outcome=stale/);
  expect(text).toMatch(
    /\[summary\] builds deployed: .* → .* → .*; requests sent \d+, failed 0, wrong 0/,
  );
  // Requests were served by pods of more than one build while the client ran.
  expect(Object.keys(report.load.byPod).length).toBeGreaterThanOrEqual(3);
});
