#!/usr/bin/env node
import { cloudEventBinary, pubsubMessage } from '@maskops/localcloud';
import { parseCli } from './cli-args';
import { runLocalCloudBuild } from './local-cloud-build';
import { repoRoot } from './repo-root';

/**
 * Local Cloud Build: builds the repository at a commit (see local-cloud-build.ts) and,
 * with --function-url, delivers the Build notification to the deployer function as
 * Eventarc delivers a Pub/Sub message. Exit 0 only for a SUCCESS build that the
 * function (when given) answered with 2xx; 1 otherwise; 2 for usage errors.
 */
const USAGE =
  'usage: local-build-cli [--commit REF] [--test] [--function-url URL] ' +
  '[--topic projects/P/topics/T] [--repository R] [--project P] [--repo-root DIR] [--work-dir DIR] [--build-id ID]\n';

async function main(): Promise<number> {
  const { values, usage } = parseCli(USAGE, {
    commit: { type: 'string', default: 'HEAD' },
    test: { type: 'boolean', default: false },
    'function-url': { type: 'string' },
    topic: { type: 'string', default: 'projects/maskops-local/topics/cloud-builds' },
    repository: { type: 'string', default: 'localhost:5000/maskops/inference-api' },
    project: { type: 'string' },
    // Default: the git top-level of the current directory.
    'repo-root': { type: 'string' },
    // Default: <repo-root>/.localcloud/builds/<build id>.
    'work-dir': { type: 'string' },
    // Default: a random UUID. The same commit and build id give the same image digest.
    'build-id': { type: 'string' },
  });
  const topic = values.topic ?? '';
  const project = values.project ?? /^projects\/([^/]+)\/topics\/[^/]+$/.exec(topic)?.[1];
  if (!project) usage(`--topic must look like projects/P/topics/T, got "${topic}"`);
  const functionUrl = values['function-url'];
  if (functionUrl !== undefined && !URL.canParse(functionUrl)) {
    usage(`--function-url is not a URL: "${functionUrl}"`);
  }

  const result = await runLocalCloudBuild({
    repoRoot: values['repo-root'] ?? repoRoot(),
    workDir: values['work-dir'],
    buildId: values['build-id'],
    commit: values.commit,
    runTests: values.test,
    repository: values.repository ?? '',
    projectId: project,
  });
  const b = result.build as {
    status: string;
    finishTime: string;
    substitutions: Record<string, string>;
    results?: { images: Array<{ name: string; digest: string }> };
  };
  process.stdout.write(
    `build ${result.buildId} ${b.status} commit ${b.substitutions.COMMIT_SHA} (${b.substitutions.BRANCH_NAME}) finished ${b.finishTime}\n`,
  );
  for (const i of b.results?.images ?? []) process.stdout.write(`  image ${i.name} ${i.digest}\n`);
  process.stdout.write(`  log ${result.logFile}\n`);
  if (result.image) process.stdout.write(`  image dir ${result.image.dir}\n`);

  let delivered = true;
  if (functionUrl !== undefined) {
    const push = cloudEventBinary(pubsubMessage(result.build), { topic });
    const res = await fetch(functionUrl, {
      method: 'POST',
      headers: push.headers,
      body: push.body,
      signal: AbortSignal.timeout(600_000),
    });
    await res.arrayBuffer();
    delivered = res.ok;
    process.stdout.write(`notification delivered to ${functionUrl}: HTTP ${res.status}\n`);
  }
  return result.status === 'SUCCESS' && delivered ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(
      `local build failed: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    process.exit(1);
  },
);
