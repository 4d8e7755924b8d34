/**
 * What a push trigger makes of one push: git hands a post-receive hook one line per
 * updated ref, `<old-sha> <new-sha> <ref>` (githooks(5)). A Cloud Build push trigger
 * builds a branch update whose branch matches its pattern (setup.sh's `^main$`); a
 * branch deletion, a tag or any other ref starts nothing, and says why.
 */
export interface BranchPush {
  /** The branch's commit before the push (all zeros for a new branch). */
  readonly before: string;
  /** The pushed commit: COMMIT_SHA. */
  readonly sha: string;
  readonly ref: string;
  /** BRANCH_NAME. */
  readonly branch: string;
}

interface IgnoredUpdate {
  readonly line: string;
  readonly reason: string;
}

export interface RefUpdates {
  readonly pushes: BranchPush[];
  readonly ignored: IgnoredUpdate[];
}

/** SHA-1 or SHA-256 object names, as git prints them. */
const OBJECT_NAME = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
const ZERO = /^0+$/;
const BRANCH_PREFIX = 'refs/heads/';
/** A line is three short fields; anything longer is not git's. */
const MAX_LINE = 1024;

export function parseRefUpdates(text: string, branchPattern: RegExp): RefUpdates {
  const pushes: BranchPush[] = [];
  const ignored: IgnoredUpdate[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    const shown = line.slice(0, 200);
    const fields = line.split(' ');
    if (line.length > MAX_LINE || fields.length !== 3) {
      ignored.push({ line: shown, reason: 'not "<old> <new> <ref>"' });
      continue;
    }
    const [before, sha, ref] = fields;
    if (!OBJECT_NAME.test(before) || !OBJECT_NAME.test(sha)) {
      ignored.push({ line: shown, reason: 'not "<old> <new> <ref>"' });
    } else if (!ref.startsWith(BRANCH_PREFIX)) {
      ignored.push({ line: shown, reason: `${ref} is not a branch` });
    } else if (ZERO.test(sha)) {
      ignored.push({ line: shown, reason: `${ref} was deleted` });
    } else {
      const branch = ref.slice(BRANCH_PREFIX.length);
      if (branchPattern.test(branch)) pushes.push({ before, sha, ref, branch });
      else {
        ignored.push({
          line: shown,
          reason: `branch ${branch} does not match the trigger's ${String(branchPattern)}`,
        });
      }
    }
  }
  return { pushes, ignored };
}
