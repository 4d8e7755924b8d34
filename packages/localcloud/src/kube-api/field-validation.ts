import type { ServerResponse } from 'node:http';
import { isObj } from '@maskops/shared';
import { matchDeploymentPath } from './deployment-routes';
import { matchResourcePath } from './resource-kinds';
import { KubeApiError } from './status';

/**
 * The API server's `fieldValidation` query parameter: what it does with a field the
 * kind's schema lacks. Warn (a `Warning` header) is its default since 1.27; kubectl sends
 * Strict unless told `--validate=false`.
 */
const FieldValidation = { Ignore: 'Ignore', Warn: 'Warn', Strict: 'Strict' } as const;
type FieldValidation = (typeof FieldValidation)[keyof typeof FieldValidation];

const SPEC_STATUS = ['spec', 'status'];
/**
 * Each kind's top-level fields besides apiVersion, kind and metadata, from the API
 * reference. The stand-in has no schemas below that level: a misspelt field inside
 * `spec` is not caught here, one beside it is.
 */
const TOP_LEVEL: Readonly<Record<string, readonly string[]>> = {
  Namespace: SPEC_STATUS,
  ServiceAccount: ['secrets', 'imagePullSecrets', 'automountServiceAccountToken'],
  Service: SPEC_STATUS,
  ConfigMap: ['data', 'binaryData', 'immutable'],
  Secret: ['data', 'stringData', 'type', 'immutable'],
  Role: ['rules'],
  RoleBinding: ['subjects', 'roleRef'],
  Deployment: SPEC_STATUS,
  HorizontalPodAutoscaler: SPEC_STATUS,
  PodDisruptionBudget: SPEC_STATUS,
  NetworkPolicy: SPEC_STATUS,
  PodMonitoring: SPEC_STATUS,
  Gateway: SPEC_STATUS,
  HTTPRoute: SPEC_STATUS,
  HealthCheckPolicy: SPEC_STATUS,
};
const COMMON = ['apiVersion', 'kind', 'metadata'];
/** ObjectMeta's fields. */
const METADATA = new Set([
  'name',
  'generateName',
  'namespace',
  'selfLink',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
  'managedFields',
]);

function fieldValidationOf(query: URLSearchParams): FieldValidation {
  const given = query.get('fieldValidation');
  if (given === null || given === '') return FieldValidation.Warn;
  const mode = Object.values(FieldValidation).find((v) => v === given);
  if (mode === undefined) {
    throw new KubeApiError(
      400,
      `fieldValidation: Unsupported value: "${given}": supported values: "Ignore", "Strict", "Warn"`,
      'BadRequest',
    );
  }
  return mode;
}

/** The kind a write to `path` stores, if the stand-in validates it (not a subresource). */
function kindOfPath(path: string): string | undefined {
  const route = matchDeploymentPath(path);
  if (route) return route.status ? undefined : 'Deployment';
  return matchResourcePath(path)?.kind.kind;
}

/** Fields of `body` that `kind` does not declare, as dotted paths (`spec2`, `metadata.lables`). */
function unknownFields(kind: string, body: unknown): string[] {
  const declared = TOP_LEVEL[kind];
  if (declared === undefined || !isObj(body)) return [];
  const unknown = Object.keys(body).filter((k) => !COMMON.includes(k) && !declared.includes(k));
  if (isObj(body.metadata)) {
    for (const k of Object.keys(body.metadata)) if (!METADATA.has(k)) unknown.push(`metadata.${k}`);
  }
  return unknown;
}

/**
 * A create, replace or patch body held against its kind's fields, as `fieldValidation`
 * asks: Strict refuses it (400, naming each field), Warn answers with a `Warning` header
 * per field (kubectl prints them), Ignore lets it through. JSON patches are lists of
 * operations, not objects, and are not checked.
 */
export function validateFields(
  path: string,
  body: unknown,
  query: URLSearchParams,
  res: ServerResponse,
): void {
  const mode = fieldValidationOf(query);
  const kind = kindOfPath(path);
  if (mode === FieldValidation.Ignore || kind === undefined) return;
  const unknown = unknownFields(kind, body);
  if (unknown.length === 0) return;
  if (mode === FieldValidation.Strict) {
    const fields = unknown.map((f) => `unknown field "${f}"`).join(', ');
    throw new KubeApiError(400, `strict decoding error: ${fields}`, 'BadRequest');
  }
  res.setHeader(
    'Warning',
    unknown.map((f) => `299 - "unknown field \\"${f}\\""`),
  );
}
