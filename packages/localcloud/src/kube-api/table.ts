import type { Deployment } from './deployment-object';
import { isObj } from '@maskops/shared';

/**
 * The meta.k8s.io Table version the client asked for in `Accept` (kubectl does, for
 * `kubectl get` without `-o`), or undefined to answer the plain object.
 */
export function requestedTableVersion(accept: string | undefined): string | undefined {
  for (const part of (accept ?? '').split(',')) {
    const params = part.split(';').map((p) => p.trim());
    if (params[0] !== 'application/json') continue;
    const get = (k: string) => params.find((p) => p.startsWith(`${k}=`))?.slice(k.length + 1);
    if (get('as') === 'Table' && get('g') === 'meta.k8s.io') {
      const version = get('v');
      if (version === 'v1' || version === 'v1beta1') return `meta.k8s.io/${version}`;
    }
  }
  return undefined;
}

function age(created: unknown): string {
  const seconds = Math.max(0, Math.floor((Date.now() - Date.parse(String(created))) / 1000));
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 172800) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86400)}d`;
}

const COLUMNS = [
  ['Name', 'string', 0, 'name'],
  ['Ready', 'string', 0, ''],
  ['Up-to-date', 'integer', 0, ''],
  ['Available', 'integer', 0, ''],
  ['Age', 'string', 0, ''],
  ['Containers', 'string', 1, ''],
  ['Images', 'string', 1, ''],
  ['Selector', 'string', 1, ''],
] as const;

/** The server-side printout of Deployments, columns as the API server prints them. */
export function deploymentTable(
  items: Deployment[],
  apiVersion: string,
  resourceVersion: string,
): Record<string, unknown> {
  const rows = items.map((d) => {
    const status = d.status ?? {};
    const spec = isObj(d.spec.template.spec) ? d.spec.template.spec : {};
    const containers = (Array.isArray(spec.containers) ? spec.containers : []).filter(isObj);
    const selector = isObj(d.spec.selector) ? d.spec.selector.matchLabels : undefined;
    const labels = isObj(selector)
      ? Object.entries(selector).map(([k, v]) => `${k}=${String(v)}`)
      : [];
    const { managedFields: _managed, ...metadata } = d.metadata;
    return {
      cells: [
        d.metadata.name,
        `${Number(status.readyReplicas ?? 0)}/${d.spec.replicas}`,
        Number(status.updatedReplicas ?? 0),
        Number(status.availableReplicas ?? 0),
        age(d.metadata.creationTimestamp),
        containers.map((c) => String(c.name)).join(','),
        containers.map((c) => String(c.image)).join(','),
        labels.join(','),
      ],
      object: { kind: 'PartialObjectMetadata', apiVersion, metadata },
    };
  });
  return {
    kind: 'Table',
    apiVersion,
    metadata: { resourceVersion },
    columnDefinitions: COLUMNS.map(([name, type, priority, format]) => ({
      name,
      type,
      format,
      description: '',
      priority,
    })),
    rows,
  };
}
