#!/usr/bin/env node
// Adds up the jest results every package wrote and prints one closing line.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';

let passed = 0,
  failed = 0,
  skipped = 0;
for (const pkg of readdirSync('packages')) {
  const file = join('packages', pkg, 'test-artifacts', 'jest-results.json');
  if (!existsSync(file)) {
    process.stdout.write(`${pkg}: no test results\n`);
    failed += 1;
    continue;
  }
  const r = JSON.parse(readFileSync(file, 'utf8'));
  process.stdout.write(
    `${pkg}: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests} skipped\n`,
  );
  if (r.numTotalTests === 0) failed += 1;
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  skipped += r.numPendingTests;
}
process.stdout.write(`${passed} passed, ${failed} failed, ${skipped} skipped\n`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
