#!/usr/bin/env node
// `pnpm test`: runs every package's jest suite through turbo with --continue (one failing
// suite must not stop the others), then adds up what this run's suites wrote and prints
// one closing line, `N passed, N failed, N skipped` (CI reads it), whatever failed.
// Results only count when jest wrote them during this run: a file left in test-artifacts/
// by an earlier run is deleted first, and one whose startTime predates this run (a
// replay, should caching ever be turned back on for `test`) is "not run".
// Extra arguments go to turbo, e.g. `pnpm test --filter @maskops/shared`.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const packages = readdirSync('packages').filter((p) =>
  existsSync(join('packages', p, 'package.json')),
);
const resultsFile = (pkg) => join('packages', pkg, 'test-artifacts', 'jest-results.json');

// Jest's startTime is in whole milliseconds; a second of slack keeps clock rounding out.
const startedAt = Date.now() - 1000;
for (const pkg of packages) rmSync(resultsFile(pkg), { force: true });

const turbo = spawnSync(
  'pnpm',
  ['exec', 'turbo', 'run', 'test', '--continue', ...process.argv.slice(2)],
  { stdio: 'inherit', env: { TURBO_TELEMETRY_DISABLED: '1', ...process.env } },
);

/** One package's results of this run, or why there are none. */
function readResults(pkg) {
  const file = resultsFile(pkg);
  if (!existsSync(file)) return { notRun: 'no results: its build failed, or it was filtered out' };
  let r;
  try {
    r = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return { notRun: 'its results file is unreadable' };
  }
  if (typeof r.startTime !== 'number' || r.startTime < startedAt) {
    return { notRun: 'its results are from an earlier run' };
  }
  return {
    passed: r.numPassedTests,
    // A suite that failed to load has no failed test but is a failure all the same.
    failed: r.numFailedTests + (r.numRuntimeErrorTestSuites ?? 0),
    skipped: r.numPendingTests + (r.numTodoTests ?? 0),
    empty: r.numTotalTests === 0,
  };
}

let passed = 0,
  failed = 0,
  skipped = 0;
const notRun = [];
process.stdout.write('\n');
for (const pkg of packages) {
  const r = readResults(pkg);
  if (r.notRun !== undefined) {
    notRun.push(pkg);
    process.stdout.write(`${pkg}: not run: ${r.notRun}\n`);
    continue;
  }
  process.stdout.write(
    `${pkg}: ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped${r.empty ? ' (no tests: counted as a failure)' : ''}\n`,
  );
  passed += r.passed;
  failed += r.failed + (r.empty ? 1 : 0);
  skipped += r.skipped;
}
const notRunText = notRun.length > 0 ? `, ${notRun.length} not run (${notRun.join(', ')})` : '';
process.stdout.write(`${passed} passed, ${failed} failed, ${skipped} skipped${notRunText}\n`);
const ok = turbo.status === 0 && failed === 0 && passed > 0;
process.exit(ok ? 0 : 1);
