import { RESOURCE_KINDS, groupVersion } from './resource-kinds';

/**
 * OpenAPI v3 as kubectl reads it before it applies: one document per group/version.
 * Each kind's PATCH operation declares the `fieldValidation` parameter, so kubectl
 * leaves validation to the server (`fieldValidation=Strict`, see field-validation.ts)
 * instead of fetching OpenAPI v2 schemas for client-side validation. The schemas name
 * their kinds and accept any fields: localcloud has no schemas below the top level.
 */
const KINDS = [
  ...RESOURCE_KINDS,
  { group: 'apps', version: 'v1', resource: 'deployments', kind: 'Deployment', namespaced: true },
];

const FIELD_PARAMETERS = ['dryRun', 'fieldManager', 'fieldValidation', 'force'].map((name) => ({
  name,
  in: 'query',
  schema: { type: name === 'force' ? 'boolean' : 'string' },
}));

function urlPath(gv: string): string {
  return gv.includes('/') ? `apis/${gv}` : `api/${gv}`;
}

export function openApiRoot(): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  for (const k of KINDS)
    paths[urlPath(groupVersion(k))] = {
      serverRelativeURL: `/openapi/v3/${urlPath(groupVersion(k))}?hash=localcloud`,
    };
  return { paths };
}

export function openApiDocument(path: string): Record<string, unknown> | undefined {
  const kinds = KINDS.filter((k) => `/openapi/v3/${urlPath(groupVersion(k))}` === path);
  if (kinds.length === 0) return undefined;
  const schemas: Record<string, unknown> = {};
  const paths: Record<string, unknown> = {};
  for (const k of kinds) {
    const gvk = { group: k.group, version: k.version, kind: k.kind };
    const scope = k.namespaced ? '/namespaces/{namespace}' : '';
    paths[`/${urlPath(groupVersion(k))}${scope}/${k.resource}/{name}`] = {
      patch: {
        operationId: `patch${k.kind}`,
        'x-kubernetes-action': 'patch',
        'x-kubernetes-group-version-kind': gvk,
        parameters: FIELD_PARAMETERS,
      },
    };
    schemas[`io.k8s.api.${k.group || 'core'}.${k.version}.${k.kind}`] = {
      type: 'object',
      properties: {
        apiVersion: { type: 'string' },
        kind: { type: 'string' },
        metadata: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
      },
      'x-kubernetes-group-version-kind': [{ group: k.group, version: k.version, kind: k.kind }],
      'x-kubernetes-preserve-unknown-fields': true,
    };
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.32.4' },
    paths,
    components: { schemas },
  };
}
