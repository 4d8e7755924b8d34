#!/usr/bin/env node
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { isMaskopsError } from '@maskops/shared';
import { parseBuildConfig } from './cloud-build/build-config';
import { planBuild } from './cloud-build/build-plan';
import { formatPlan } from './cloud-build/format-plan';
import { triggerBuiltins } from './cloud-build/trigger-builtins';
import { parseCli } from './cli-args';
import { repoRoot } from './repo-root';

/**
 * Prints what the local Cloud Build would run for a build config — steps with
 * substitutions applied, what each waits for, timeouts, images — as a push trigger
 * would start it for a commit. Exit 0 when the config plans, 1 when Cloud Build would
 * refuse it (one line naming the field or substitution), 2 for usage errors.
 */
const USAGE =
  'usage: local-build-plan [--config FILE] [--commit REF] [--substitution _KEY=VALUE]... ' +
  '[--project P] [--build-id ID] [--repo-root DIR]\n';

function main(): number {
  const { values, usage } = parseCli(USAGE, {
    // Default: <repo-root>/cloudbuild.yaml.
    config: { type: 'string' },
    commit: { type: 'string', default: 'HEAD' },
    substitution: { type: 'string', multiple: true, default: [] },
    project: { type: 'string', default: 'maskops-local' },
    'build-id': { type: 'string' },
    'repo-root': { type: 'string' },
  });
  const overrides: Record<string, string> = {};
  for (const s of values.substitution) {
    const eq = s.indexOf('=');
    if (eq < 1) usage(`--substitution must be _KEY=VALUE, got "${s}"`);
    overrides[s.slice(0, eq)] = s.slice(eq + 1);
  }
  const root = values['repo-root'] ?? repoRoot();
  const configFile = values.config ?? join(root, 'cloudbuild.yaml');
  const plan = planBuild(parseBuildConfig(readFileSync(configFile, 'utf8')), {
    builtins: triggerBuiltins({
      projectId: values.project,
      // Local stand-ins: no real project number or region is involved.
      projectNumber: '000000000000',
      location: 'local',
      buildId: values['build-id'] ?? randomUUID(),
      repoRoot: root,
      commit: values.commit,
      repoName: basename(root),
    }),
    overrides,
  });
  process.stdout.write(formatPlan(plan));
  return 0;
}

try {
  process.exit(main());
} catch (err) {
  process.stderr.write(`local-build-plan: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(isMaskopsError(err) ? 1 : 70);
}
