#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { runContainerDemo } from './container-demo';
import { runPipelineDemo } from './pipeline-demo';
import { repoRoot } from './repo-root';

// `pnpm start`: the push-to-rollout pipeline on this machine (see pipeline-demo.ts).
const { values } = parseArgs({
  options: {
    pushes: { type: 'string', default: '2' },
    replicas: { type: 'string', default: '2' },
    port: { type: 'string', default: '8080' },
    concurrency: { type: 'string', default: '2' },
    verbose: { type: 'boolean', default: false },
    'from-commit': { type: 'boolean', default: false },
    canary: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    'model-push': { type: 'boolean', default: false },
    containers: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  process.stdout.write(
    'usage: maskops-demo [--pushes N] [--replicas N] [--port P] [--concurrency N] [--verbose] [--from-commit] [--canary] [--keep] [--model-push] [--containers]\n',
  );
  process.exit(0);
}
if (
  values.containers &&
  (values.canary || values['model-push'] || values['from-commit'] || values.keep)
) {
  process.stderr.write(
    '--containers runs rolling pushes only: not with --canary, --model-push, --from-commit or --keep yet\n',
  );
  process.exit(2);
}
const int = (name: string, v: string | undefined, min: number): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) {
    process.stderr.write(`--${name} must be an integer >= ${min}\n`);
    process.exit(2);
  }
  return n;
};

const common = {
  repoRoot: repoRoot(),
  pushes: int('pushes', values.pushes, 1),
  replicas: int('replicas', values.replicas, 1),
  servicePort: int('port', values.port, 0),
  concurrency: int('concurrency', values.concurrency, 1),
  verbose: values.verbose,
};
// --containers is its own demo (container-demo.ts): cloudbuild.yaml itself per push,
// the local registry, pods pulled by digest; rolling pushes only.
(values.containers
  ? runContainerDemo({ ...common, log: (l: string) => process.stdout.write(l + '\n') })
  : runPipelineDemo({
      ...common,
      fromCommit: values['from-commit'],
      canary: values.canary,
      keep: values.keep,
      models: values['model-push'],
    })
).then(
  (report) => process.exit(report.ok ? 0 : 1),
  (err: unknown) => {
    process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
