import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { exportTree, resolveCommit } from '../local-build-steps';
import { parseBuildConfig } from './build-config';
import { planBuild } from './build-plan';
import type { CloudSdk } from './cloud-sdk';
import type { LocalStepOptions } from './local-step-options';
import type { BuildTopic } from './publish-build';
import { runBuild, type BuildRun } from './run-build';
import { triggerBuiltins } from './trigger-builtins';

/**
 * A push trigger's build of one commit, run locally: the commit's tree (`git archive`,
 * no .git, as Cloud Build's source) in a fresh workspace, its own cloudbuild.yaml planned
 * with the trigger's built-ins and the given substitutions, then run (run-build.ts). The
 * workspace is removed at the end.
 */
export interface CommitBuildInput {
  readonly repoRoot: string;
  /** Any git revision. */
  readonly commit: string;
  /** BRANCH_NAME when a push trigger builds: the pushed ref's branch. */
  readonly branch?: string;
  readonly buildId: string;
  readonly projectId: string;
  /** The trigger's user substitutions (`_IMAGE`, `_MODEL_URI`, …). */
  readonly substitutions?: Readonly<Record<string, string>>;
  /** The build config in the commit's tree; default cloudbuild.yaml. */
  readonly configFile?: string;
  readonly cloudSdk?: CloudSdk;
  readonly notify?: BuildTopic;
  readonly local?: LocalStepOptions;
  readonly log: (line: string) => void;
}

export async function runCommitBuild(input: CommitBuildInput): Promise<BuildRun> {
  const { sha } = resolveCommit(input.repoRoot, input.commit);
  const workspace = mkdtempSync(join(tmpdir(), 'maskops-build-workspace-'));
  try {
    await exportTree(input.repoRoot, sha, workspace);
    const config = readFileSync(join(workspace, input.configFile ?? 'cloudbuild.yaml'), 'utf8');
    const plan = planBuild(parseBuildConfig(config), {
      builtins: triggerBuiltins({
        projectId: input.projectId,
        // Local stand-ins: no real project number or region is involved.
        projectNumber: '000000000000',
        location: 'local',
        buildId: input.buildId,
        repoRoot: input.repoRoot,
        commit: input.commit,
        ...(input.branch === undefined ? {} : { branch: input.branch }),
        repoName: basename(input.repoRoot),
      }),
      ...(input.substitutions === undefined ? {} : { overrides: input.substitutions }),
    });
    for (const notice of plan.notices) input.log(`notice: ${notice}`);
    return await runBuild({
      plan,
      workspace,
      buildId: input.buildId,
      projectId: input.projectId,
      log: input.log,
      ...(input.cloudSdk === undefined ? {} : { cloudSdk: input.cloudSdk }),
      ...(input.notify === undefined ? {} : { notify: input.notify }),
      ...(input.local === undefined ? {} : { local: input.local }),
    });
  } finally {
    rmSync(workspace, { recursive: true, force: true });
  }
}
