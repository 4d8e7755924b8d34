import { createHash, randomUUID } from 'node:crypto';
import { deepCopy } from '../kube-api/json-value';
import { alreadyExists, notFound } from './api-error';
import { PolicyStore } from './iam-policy';
import { TopicMessages } from './topic-messages';

type Resource = Record<string, unknown>;

/**
 * Everything the REST stand-ins know, keyed by full resource name
 * (`projects/P/topics/T`): one map for all APIs, because one call may create
 * resources of another API (a function deploy creates its trigger and subscription).
 */
export class CloudState {
  private readonly resources = new Map<string, Resource>();
  private readonly operations = new Map<string, Resource>();
  readonly policies = new PolicyStore();
  /** Messages published to the Pub/Sub topics (by publish calls and storage notifications). */
  readonly messages = new TopicMessages();
  /** `api/service` names enabled per project (serviceusage). */
  readonly enabledServices = new Map<string, Set<string>>();

  /** A stable 12-digit project number derived from the id, as the real one is fixed. */
  projectNumber(project: string): string {
    const digits = BigInt(`0x${createHash('sha256').update(project).digest('hex').slice(0, 12)}`);
    return String(100_000_000_000n + (digits % 899_999_999_999n));
  }

  get(name: string): Resource | undefined {
    return deepCopy(this.resources.get(name));
  }

  require(name: string): Resource {
    const found = this.get(name);
    if (!found) throw notFound(name);
    return found;
  }

  /** Creates `name`; 409 ALREADY_EXISTS when it is there. */
  create(name: string, resource: Resource): Resource {
    if (this.resources.has(name)) throw alreadyExists(name);
    this.resources.set(name, deepCopy(resource));
    return deepCopy(resource);
  }

  put(name: string, resource: Resource): Resource {
    this.resources.set(name, deepCopy(resource));
    return deepCopy(resource);
  }

  delete(name: string): void {
    if (!this.resources.delete(name)) throw notFound(name);
  }

  /** Resources whose name starts with `prefix` (a collection such as `projects/P/topics/`). */
  list(prefix: string): Resource[] {
    return [...this.resources.entries()]
      .filter(([name]) => name.startsWith(prefix) && !name.slice(prefix.length).includes('/'))
      .map(([, r]) => deepCopy(r));
  }

  /** Resources whose full name matches `pattern`. */
  matching(pattern: RegExp): Resource[] {
    return [...this.resources.entries()]
      .filter(([name]) => pattern.test(name))
      .map(([, r]) => deepCopy(r));
  }

  /**
   * A finished long-running operation (every stand-in completes its work at once),
   * kept so that polling it answers the same. `parent` is where the API keeps its
   * operations, e.g. `projects/P/locations/L`.
   */
  operation(parent: string, fields: Resource): Resource {
    const name = `${parent}${parent ? '/' : ''}operations/operation-${randomUUID()}`;
    const op = { name, done: true, ...fields };
    this.operations.set(name, deepCopy(op));
    return op;
  }

  requireOperation(name: string): Resource {
    const found = this.operations.get(name);
    if (!found) throw notFound(name);
    return deepCopy(found);
  }
}
