import { isObj } from '@maskops/shared';
import { GoogleApiError, invalidArgument } from './api-error';

export interface Binding {
  role: string;
  members: string[];
  condition?: Record<string, unknown>;
}

export interface Policy {
  version: number;
  etag: string;
  bindings?: Binding[];
}

const EMPTY_ETAG = 'ACAB';

function etagOf(revision: number): string {
  return Buffer.from(`lc-${revision}`).toString('base64');
}

function checkBindings(value: unknown): Binding[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw invalidArgument('policy.bindings must be a list');
  return value.map((b: unknown) => {
    if (!isObj(b) || typeof b.role !== 'string' || !Array.isArray(b.members)) {
      throw invalidArgument('a binding needs a role and members');
    }
    if (!/^(roles|projects\/[^/]+\/roles|organizations\/[^/]+\/roles)\/[\w.]+$/.test(b.role)) {
      throw invalidArgument(`Role ${b.role} is not a valid role name.`);
    }
    for (const m of b.members) {
      if (
        typeof m !== 'string' ||
        !/^(user|serviceAccount|group|domain|principal\w*):.+|allUsers|allAuthenticatedUsers$/.test(
          m,
        )
      ) {
        throw invalidArgument(`Invalid member: ${String(m)}`);
      }
    }
    const binding: Binding = { role: b.role, members: [...(b.members as string[])].sort() };
    if (isObj(b.condition)) binding.condition = b.condition;
    return binding;
  });
}

/**
 * IAM policies of any resource, read-modify-write as IAM does it: every write gets
 * a new etag, and a write carrying an older etag is refused (409 ABORTED), so
 * read-modify-write cycles that raced are detected.
 */
export class PolicyStore {
  private readonly policies = new Map<
    string,
    { revision: number; version: number; bindings: Binding[] }
  >();
  private revision = 0;

  get(resource: string): Policy {
    const found = this.policies.get(resource);
    if (!found) return { version: 1, etag: EMPTY_ETAG };
    const policy: Policy = { version: found.version, etag: etagOf(found.revision) };
    if (found.bindings.length > 0)
      policy.bindings = found.bindings.map((b) => ({ ...b, members: [...b.members] }));
    return policy;
  }

  set(resource: string, input: unknown): Policy {
    if (!isObj(input)) throw invalidArgument('policy is required');
    const current = this.get(resource);
    if (input.etag !== undefined && input.etag !== current.etag) {
      throw new GoogleApiError(
        409,
        'There were concurrent policy changes. Please retry the whole read-modify-write with exponential backoff.',
        'ABORTED',
      );
    }
    const bindings = checkBindings(input.bindings).filter((b) => b.members.length > 0);
    const version = bindings.some((b) => b.condition)
      ? 3
      : typeof input.version === 'number'
        ? input.version
        : 1;
    this.revision += 1;
    this.policies.set(resource, { revision: this.revision, version, bindings });
    return this.get(resource);
  }

  /** Members granted `role` on `resource` (for tests). */
  members(resource: string, role: string): string[] {
    return this.policies.get(resource)?.bindings.find((b) => b.role === role)?.members ?? [];
  }
}
