/** A scripted failure: the next `times` requests matching method/path are delayed and/or answered with `status`. */
export interface Fault {
  method?: string;
  path?: string | RegExp;
  status?: number;
  /** Default 1; `Infinity` keeps the fault until `clearFaults()`. */
  times?: number;
  delayMs?: number;
  /** Response body instead of the server's usual error shape. */
  body?: unknown;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: string;
  contentType?: string;
  /** The Accept header (kubectl asks for Table first), when sent. */
  accept?: string;
  body?: unknown;
  status: number;
}

interface ActiveFault extends Fault {
  remaining: number;
}

export class FaultList {
  private faults: ActiveFault[] = [];

  add(fault: Fault): void {
    this.faults.push({ ...fault, remaining: fault.times ?? 1 });
  }

  clear(): void {
    this.faults = [];
  }

  /** The first matching fault, consuming one of its uses. */
  take(method: string, path: string): Fault | undefined {
    const index = this.faults.findIndex((f) => matches(f, method, path));
    if (index < 0) return undefined;
    const fault = this.faults[index];
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.faults.splice(index, 1);
    return fault;
  }
}

function matches(fault: Fault, method: string, path: string): boolean {
  if (fault.method !== undefined && fault.method.toUpperCase() !== method.toUpperCase()) {
    return false;
  }
  if (fault.path === undefined) return true;
  if (typeof fault.path === 'string') return fault.path === path;
  fault.path.lastIndex = 0;
  return fault.path.test(path);
}
