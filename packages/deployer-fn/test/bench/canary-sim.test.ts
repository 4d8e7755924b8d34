import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

jest.setTimeout(120_000);

/**
 * The simulator drives the built package's real look (queries, warm-up, verdict)
 * through the Prometheus stand-in's evaluator; this keeps it running as the API
 * changes under it (a few fixed-seed runs, not a measurement).
 */
it('runs the real look: a cold start aborts an identical build unless the warm-up leaves it out', async () => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [join(__dirname, '../../bench/canary-sim.mjs'), '--runs', '5', '--only', 'cold start 10'],
    { encoding: 'utf8' },
  );
  const rows = stdout
    .split('\n')
    .filter((l) => l.startsWith('| cold start'))
    .map((l) => l.split('|').map((c) => c.trim()));
  // Columns: scenario, req/s, weight, analysis, warm-up, canary requests, aborted, …
  expect(rows.map((r) => [r[5], r[7]])).toEqual([
    ['0 s', '100.0 %'],
    ['30 s', '0.0 %'],
  ]);
});
