import { namedGroups, resourcesOf } from './resource-kinds';
/** Discovery documents: what kubectl reads before it will touch a deployment. */

export function versionInfo(): Record<string, string> {
  return {
    major: '1',
    minor: '32',
    gitVersion: 'v1.32.4-localcloud',
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2025-01-01T00:00:00Z',
    goVersion: 'go1.23.6',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}

export function coreVersions(serverAddress: string): Record<string, unknown> {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

export function coreResources(): Record<string, unknown> {
  return {
    kind: 'APIResourceList',
    groupVersion: 'v1',
    resources: resourcesOf('', 'v1'),
  };
}

const APPS_GROUP = {
  name: 'apps',
  versions: [{ groupVersion: 'apps/v1', version: 'v1' }],
  preferredVersion: { groupVersion: 'apps/v1', version: 'v1' },
};

export function groupList(): Record<string, unknown> {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: [APPS_GROUP, ...namedGroups()] };
}

export function appsGroup(): Record<string, unknown> {
  return { kind: 'APIGroup', apiVersion: 'v1', ...APPS_GROUP };
}

export function appsResources(): Record<string, unknown> {
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: 'apps/v1',
    resources: [
      {
        name: 'deployments',
        singularName: 'deployment',
        namespaced: true,
        kind: 'Deployment',
        verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
        shortNames: ['deploy'],
        categories: ['all'],
      },
      {
        name: 'deployments/status',
        singularName: '',
        namespaced: true,
        kind: 'Deployment',
        verbs: ['get'],
      },
    ],
  };
}

/** `/apis/{group}` and `/apis/{group}/{version}` of the groups in RESOURCE_KINDS. */
export function namedGroupDocument(path: string): Record<string, unknown> | undefined {
  const m = /^\/apis\/([^/]+)(?:\/([^/]+))?$/.exec(path);
  const group = namedGroups().find((g) => g.name === m?.[1]);
  if (!m || !group) return undefined;
  if (m[2] === undefined) return { kind: 'APIGroup', apiVersion: 'v1', ...group };
  if (!group.versions.some((v) => v.version === m[2])) return undefined;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: `${group.name}/${m[2]}`,
    resources: resourcesOf(group.name, m[2]),
  };
}
