import type { BuildPlan } from './build-plan';

/** A build plan for people: one block per step, then the images and the notices. */
export function formatPlan(plan: BuildPlan): string {
  const lines: string[] = [];
  const label = (i: number): string => plan.steps[i].label;
  for (const s of plan.steps) {
    const waits =
      s.waitFor.length === 0 ? 'starts at once' : `after ${s.waitFor.map(label).join(', ')}`;
    const timeout = s.timeoutMs === undefined ? '' : `, timeout ${s.timeoutMs / 1000}s`;
    lines.push(`step ${s.label}: ${s.name} (${waits}${timeout})`);
    if (s.entrypoint !== undefined) lines.push(`  entrypoint ${s.entrypoint}`);
    if (s.dir !== undefined) lines.push(`  dir ${s.dir}`);
    for (const e of s.env) lines.push(`  env ${e}`);
    for (const v of s.volumes) lines.push(`  volume ${v.name} at ${v.path}`);
    if (s.script !== undefined) lines.push(`  script ${JSON.stringify(s.script)}`);
    for (const a of s.args) lines.push(`  arg ${JSON.stringify(a)}`);
  }
  for (const image of plan.images) lines.push(`image ${image}`);
  lines.push(`timeout ${plan.timeoutMs / 1000}s`);
  for (const n of plan.notices) lines.push(`notice: ${n}`);
  return lines.join('\n') + '\n';
}
