import { isObj } from '@maskops/shared';
import { invalidArgument } from '../google-apis/api-error';

const LIFECYCLE_ACTIONS = new Set(['Delete', 'SetStorageClass', 'AbortIncompleteMultipartUpload']);

/** A bucket's `lifecycle` as the JSON API accepts it: `{rule: [{action: {type}, condition}]}`. */
export function checkLifecycle(lifecycle: unknown): void {
  if (lifecycle === undefined || lifecycle === null) return;
  const rules = isObj(lifecycle) ? lifecycle.rule : undefined;
  if (!Array.isArray(rules))
    throw invalidArgument('Invalid argument: lifecycle.rule must be a list.');
  for (const rule of rules as unknown[]) {
    const action = isObj(rule) ? rule.action : undefined;
    const type = isObj(action) ? action.type : undefined;
    if (typeof type !== 'string' || !LIFECYCLE_ACTIONS.has(type)) {
      throw invalidArgument(`Invalid argument: lifecycle action ${String(type)}.`);
    }
    if (!isObj(rule) || !isObj(rule.condition) || Object.keys(rule.condition).length === 0) {
      throw invalidArgument('Invalid argument: a lifecycle rule needs a condition.');
    }
  }
}
