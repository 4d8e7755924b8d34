import { KubeApiError } from './status';
import { isObj, textOf } from '@maskops/shared';
import { deepCopy } from './json-value';
import type { JsonObject } from './json-value';

export type Deployment = JsonObject & {
  metadata: JsonObject & { name: string; namespace: string };
  spec: JsonObject & { replicas: number; template: JsonObject };
  status?: JsonObject;
};

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function invalid(name: string, message: string): KubeApiError {
  return new KubeApiError(422, `Deployment.apps "${name}" is invalid: ${message}`, 'Invalid', name);
}

/**
 * Checks what the API server's validation would reject for the fields this stand-in
 * relies on, and fills the defaults the API server adds (replicas, strategy, ...).
 */
export function normalizeDeployment(input: unknown, namespace: string): Deployment {
  if (!isObj(input)) throw new KubeApiError(400, 'Deployment body must be a JSON object');
  const obj = deepCopy(input);
  if (obj.kind !== undefined && obj.kind !== 'Deployment') {
    throw new KubeApiError(400, `kind "${textOf(obj.kind)}" is not Deployment`);
  }
  obj.apiVersion = 'apps/v1';
  obj.kind = 'Deployment';
  const metadata = isObj(obj.metadata) ? obj.metadata : {};
  obj.metadata = metadata;
  const name = metadata.name;
  if (typeof name !== 'string' || !NAME.test(name) || name.length > 253) {
    throw invalid(String(name), 'metadata.name: Required value: a lowercase RFC 1123 name');
  }
  if (metadata.namespace !== undefined && metadata.namespace !== namespace) {
    const message =
      'the namespace of the provided object does not match the namespace sent on the request';
    throw new KubeApiError(400, message, 'BadRequest', name);
  }
  metadata.namespace = namespace;
  const spec = obj.spec;
  if (!isObj(spec)) throw invalid(name, 'spec: Required value');
  if (spec.replicas === undefined) spec.replicas = 1;
  if (!Number.isInteger(spec.replicas) || (spec.replicas as number) < 0) {
    throw invalid(name, 'spec.replicas: Invalid value: must be a non-negative integer');
  }
  spec.strategy ??= {
    type: 'RollingUpdate',
    rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' },
  };
  spec.revisionHistoryLimit ??= 10;
  spec.progressDeadlineSeconds ??= 600;
  const template = spec.template;
  if (!isObj(template) || !isObj(template.spec)) {
    throw invalid(name, 'spec.template.spec: Required value');
  }
  const containers = template.spec.containers;
  if (!Array.isArray(containers) || containers.length === 0) {
    throw invalid(name, 'spec.template.spec.containers: Required value');
  }
  const seen = new Set<string>();
  containers.forEach((c: unknown, i) => {
    const field = `spec.template.spec.containers[${i}]`;
    if (!isObj(c) || typeof c.name !== 'string' || c.name === '') {
      throw invalid(name, `${field}.name: Required value`);
    }
    if (seen.has(c.name)) throw invalid(name, `${field}.name: Duplicate value: "${c.name}"`);
    seen.add(c.name);
    if (typeof c.image !== 'string' || c.image.trim() === '') {
      throw invalid(name, `${field}.image: Required value`);
    }
  });
  const labels = isObj(template.metadata) ? template.metadata.labels : undefined;
  const selector = isObj(spec.selector) ? spec.selector.matchLabels : undefined;
  if (isObj(selector) && isObj(labels)) {
    for (const [k, v] of Object.entries(selector)) {
      if (labels[k] !== v) {
        throw invalid(
          name,
          'spec.template.metadata.labels: Invalid value: `selector` does not match template `labels`',
        );
      }
    }
  }
  return obj as Deployment;
}

/** A Deployment for tests: one container per entry, selector and labels `app: name`. */
export function deploymentFixture(opts: {
  name: string;
  namespace?: string;
  image?: string;
  containers?: Array<{ name: string; image: string; [k: string]: unknown }>;
  replicas?: number;
  annotations?: Record<string, string>;
}): Record<string, unknown> {
  const containers = opts.containers ?? [
    { name: opts.name, image: opts.image ?? 'registry.example/app:1' },
  ];
  const metadata: JsonObject = {
    name: opts.name,
    namespace: opts.namespace ?? 'default',
    labels: { app: opts.name },
  };
  if (opts.annotations) metadata.annotations = { ...opts.annotations };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata,
    spec: {
      replicas: opts.replicas ?? 2,
      selector: { matchLabels: { app: opts.name } },
      template: {
        metadata: { labels: { app: opts.name } },
        spec: { containers: deepCopy(containers) },
      },
    },
  };
}
