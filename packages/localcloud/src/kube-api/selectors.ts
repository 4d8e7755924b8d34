import type { Deployment } from './deployment-object';
import { isObj } from '@maskops/shared';
import { KubeApiError } from './status';

export type Selector = (d: Deployment) => boolean;

interface Requirement {
  key: string;
  op: '=' | '!=' | 'exists' | '!exists';
  value?: string;
}

function parse(selector: string, kind: string): Requirement[] {
  return selector
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => {
      const m = /^([^=!\s]+)\s*(==|=|!=)\s*(.*)$/.exec(part);
      if (m) {
        const [, key, op, value] = m as unknown as [string, string, string, string];
        return { key, op: op === '!=' ? '!=' : '=', value: value.trim() };
      }
      if (/^!?[A-Za-z0-9./_-]+$/.test(part) && kind === 'label') {
        return part.startsWith('!')
          ? { key: part.slice(1), op: '!exists' }
          : { key: part, op: 'exists' };
      }
      throw new KubeApiError(400, `unable to parse requirement: ${kind} selector "${part}"`);
    });
}

function test(req: Requirement, actual: string | undefined): boolean {
  switch (req.op) {
    case '=':
      return actual === req.value;
    case '!=':
      return actual !== req.value;
    case 'exists':
      return actual !== undefined;
    case '!exists':
      return actual === undefined;
  }
}

const FIELDS: Record<string, (d: Deployment) => string | undefined> = {
  'metadata.name': (d) => d.metadata.name,
  'metadata.namespace': (d) => d.metadata.namespace,
};

/** `fieldSelector` (metadata.name / metadata.namespace) and equality-based `labelSelector`. */
export function compileSelectors(fieldSelector?: string, labelSelector?: string): Selector {
  const fields = parse(fieldSelector ?? '', 'field');
  for (const req of fields) {
    if (!(req.key in FIELDS)) {
      throw new KubeApiError(
        400,
        `"${req.key}" is not a known field selector: only "metadata.name", "metadata.namespace"`,
      );
    }
  }
  const labels = parse(labelSelector ?? '', 'label');
  return (d) => {
    const objectLabels = isObj(d.metadata.labels) ? d.metadata.labels : {};
    return (
      fields.every((req) => test(req, FIELDS[req.key]?.(d))) &&
      labels.every((req) => {
        const v = objectLabels[req.key];
        return test(req, typeof v === 'string' ? v : undefined);
      })
    );
  };
}
