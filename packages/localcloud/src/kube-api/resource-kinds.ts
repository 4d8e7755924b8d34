/** The resource types the Kubernetes stand-in stores as plain objects (Deployments have their own store). */
export interface ResourceKind {
  group: string;
  version: string;
  /** Plural, as in the URL. */
  resource: string;
  kind: string;
  namespaced: boolean;
  shortNames?: string[];
}

export const RESOURCE_KINDS: readonly ResourceKind[] = [
  {
    group: '',
    version: 'v1',
    resource: 'namespaces',
    kind: 'Namespace',
    namespaced: false,
    shortNames: ['ns'],
  },
  {
    group: '',
    version: 'v1',
    resource: 'serviceaccounts',
    kind: 'ServiceAccount',
    namespaced: true,
    shortNames: ['sa'],
  },
  {
    group: '',
    version: 'v1',
    resource: 'services',
    kind: 'Service',
    namespaced: true,
    shortNames: ['svc'],
  },
  {
    group: '',
    version: 'v1',
    resource: 'configmaps',
    kind: 'ConfigMap',
    namespaced: true,
    shortNames: ['cm'],
  },
  { group: '', version: 'v1', resource: 'secrets', kind: 'Secret', namespaced: true },
  {
    group: 'autoscaling',
    version: 'v2',
    resource: 'horizontalpodautoscalers',
    kind: 'HorizontalPodAutoscaler',
    namespaced: true,
    shortNames: ['hpa'],
  },
  {
    group: 'policy',
    version: 'v1',
    resource: 'poddisruptionbudgets',
    kind: 'PodDisruptionBudget',
    namespaced: true,
    shortNames: ['pdb'],
  },
  {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    resource: 'roles',
    kind: 'Role',
    namespaced: true,
  },
  {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    resource: 'rolebindings',
    kind: 'RoleBinding',
    namespaced: true,
  },
  {
    group: 'networking.k8s.io',
    version: 'v1',
    resource: 'networkpolicies',
    kind: 'NetworkPolicy',
    namespaced: true,
    shortNames: ['netpol'],
  },
  {
    group: 'monitoring.googleapis.com',
    version: 'v1',
    resource: 'podmonitorings',
    kind: 'PodMonitoring',
    namespaced: true,
  },
  {
    group: 'gateway.networking.k8s.io',
    version: 'v1',
    resource: 'gateways',
    kind: 'Gateway',
    namespaced: true,
    shortNames: ['gtw'],
  },
  {
    group: 'gateway.networking.k8s.io',
    version: 'v1',
    resource: 'httproutes',
    kind: 'HTTPRoute',
    namespaced: true,
  },
  // GKE's policy for the Gateway's health check (setup.sh --exposure public).
  {
    group: 'networking.gke.io',
    version: 'v1',
    resource: 'healthcheckpolicies',
    kind: 'HealthCheckPolicy',
    namespaced: true,
  },
];

export function groupVersion(k: { group: string; version: string }): string {
  return k.group === '' ? k.version : `${k.group}/${k.version}`;
}

const VERBS = ['create', 'delete', 'get', 'list', 'patch', 'update'];

/** `APIResourceList` entries for one group/version. */
export function resourcesOf(group: string, version: string): Record<string, unknown>[] {
  return RESOURCE_KINDS.filter((k) => k.group === group && k.version === version).map((k) => ({
    name: k.resource,
    singularName: k.kind.toLowerCase(),
    namespaced: k.namespaced,
    kind: k.kind,
    verbs: VERBS,
    ...(k.shortNames ? { shortNames: k.shortNames } : {}),
  }));
}

/** Named groups (not core) with their one version each. */
export function namedGroups(): {
  name: string;
  versions: { groupVersion: string; version: string }[];
  preferredVersion: { groupVersion: string; version: string };
}[] {
  const names = [...new Set(RESOURCE_KINDS.filter((k) => k.group !== '').map((k) => k.group))];
  return names.map((name) => {
    const version = RESOURCE_KINDS.find((k) => k.group === name)?.version ?? 'v1';
    const gv = { groupVersion: `${name}/${version}`, version };
    return { name, versions: [gv], preferredVersion: gv };
  });
}

/** The kind a URL path names: `/api/v1/namespaces/ns/services/x`, `/apis/g/v/...`. */
export function matchResourcePath(
  path: string,
): { kind: ResourceKind; namespace?: string; name?: string } | undefined {
  const m =
    /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))(?:\/namespaces\/([^/]+))?\/([^/]+)(?:\/([^/]+))?$/.exec(
      path,
    );
  if (!m) return undefined;
  const group = m[2] ?? '';
  const version = m[1] ?? m[3] ?? '';
  let namespace = m[4] === undefined ? undefined : decodeURIComponent(m[4]);
  const name = m[6] === undefined ? undefined : decodeURIComponent(m[6]);
  const kind = RESOURCE_KINDS.find(
    (k) => k.group === group && k.version === version && k.resource === m[5],
  );
  if (!kind) return undefined;
  if (!kind.namespaced) namespace = undefined;
  if (kind.namespaced && name !== undefined && namespace === undefined) return undefined;
  const out: { kind: ResourceKind; namespace?: string; name?: string } = { kind };
  if (namespace !== undefined) out.namespace = namespace;
  if (name !== undefined) out.name = name;
  return out;
}
