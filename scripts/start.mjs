#!/usr/bin/env node
// `pnpm start`: build what is needed, then run the local push-to-rollout demo
// (packages/e2e/src/pipeline-demo.ts). Extra args go to the demo,
// e.g. `pnpm start --pushes 3 --verbose`.
import { spawnSync } from 'node:child_process';

const run = (cmd, args) => {
  process.stdout.write(`==> ${cmd} ${args.join(' ')}\n`);
  const r = spawnSync(cmd, args, {
    stdio: 'inherit',
    env: { TURBO_TELEMETRY_DISABLED: '1', ...process.env },
  });
  if (r.status !== 0) process.exit(r.status ?? 1);
};

run('pnpm', ['exec', 'turbo', 'run', 'build', '--output-logs=errors-only']);
run('node', ['packages/e2e/dist/demo-cli.js', ...process.argv.slice(2)]);
