import { resolveCommit } from '../local-build-steps';
import type { BuiltinSubstitution } from './substitutions';

export interface TriggerContext {
  readonly projectId: string;
  readonly projectNumber: string;
  readonly location: string;
  readonly buildId: string;
  readonly repoRoot: string;
  /** The revision pushed; its commit and branch become the trigger's built-ins. */
  readonly commit: string;
  /** The branch pushed (from the pushed ref); default: the branch COMMIT names, if any. */
  readonly branch?: string;
  readonly repoName: string;
}

/**
 * The built-ins a push trigger gives a build of `commit`: what Cloud Build sets for a
 * branch push (no tag, so TAG_NAME stays empty; REF_NAME is the branch).
 */
export function triggerBuiltins(c: TriggerContext): Partial<Record<BuiltinSubstitution, string>> {
  const resolved = resolveCommit(c.repoRoot, c.commit);
  const { sha } = resolved;
  const branch = c.branch ?? resolved.branch;
  const onBranch = branch !== 'HEAD';
  return {
    PROJECT_ID: c.projectId,
    PROJECT_NUMBER: c.projectNumber,
    LOCATION: c.location,
    BUILD_ID: c.buildId,
    COMMIT_SHA: sha,
    REVISION_ID: sha,
    SHORT_SHA: sha.slice(0, 7),
    REPO_NAME: c.repoName,
    ...(onBranch ? { BRANCH_NAME: branch, REF_NAME: branch } : {}),
  };
}
