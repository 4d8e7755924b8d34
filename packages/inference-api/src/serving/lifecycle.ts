import { notReady, RejectReason } from '../errors';
import type { InferenceEngine } from '../inference/types';
import { OutputHealth } from './output-health';

/**
 * Readiness and drain state of one server. /readyz is 200 only in `ready`;
 * main.ts moves it to `draining` on SIGTERM and `closing` once it stops accepting.
 */
export const Phase = {
  STARTING: 'starting',
  READY: 'ready',
  DRAINING: 'draining',
  CLOSING: 'closing',
  FAILED: 'failed',
} as const;
export type Phase = (typeof Phase)[keyof typeof Phase];

export class Lifecycle {
  private current: Phase = Phase.STARTING;
  private loaded: InferenceEngine | undefined;
  private failure: unknown;

  /** The model's recent outputs: a rate of non-finite ones turns /readyz to 503. */
  readonly outputs = new OutputHealth();

  /** Resolves when the engine is usable (or has failed to load). */
  readonly settled: Promise<void>;

  constructor(engine: InferenceEngine | Promise<InferenceEngine>) {
    this.settled = Promise.resolve(engine).then(
      (e) => {
        this.loaded = e;
        if (this.current === Phase.STARTING) this.current = Phase.READY;
      },
      (err: unknown) => {
        this.failure = err;
        this.current = Phase.FAILED;
      },
    );
  }

  get phase(): Phase {
    return this.current;
  }

  get ready(): boolean {
    return this.current === Phase.READY;
  }

  /** Why /readyz is 503, or undefined when it is 200. */
  get notReadyReason(): string | undefined {
    if (this.current !== Phase.READY) return `not ready: ${this.current}`;
    const problem = this.outputs.problem;
    return problem === undefined ? undefined : `not ready: ${problem}`;
  }

  get loadError(): unknown {
    return this.failure;
  }

  /** The engine, if loaded; undefined while starting or after a failed load. */
  get engineIfLoaded(): InferenceEngine | undefined {
    return this.loaded;
  }

  /** The engine for a request, or NOT_READY (503) when there is none to use. */
  engine(): InferenceEngine {
    if (this.loaded && this.current !== Phase.FAILED) return this.loaded;
    throw notReady(
      this.current === Phase.FAILED ? 'the model failed' : 'the model is still loading',
      {
        reason: RejectReason.NOT_READY,
        retryAfterSeconds: 5,
      },
    );
  }

  /** SIGTERM: stop advertising readiness, keep serving. */
  drain(): void {
    if (this.current !== Phase.FAILED && this.current !== Phase.CLOSING) {
      this.current = Phase.DRAINING;
    }
  }

  /** Stop accepting: new requests on kept-alive connections get 503. */
  close(): void {
    if (this.current !== Phase.FAILED) this.current = Phase.CLOSING;
  }

  /** The engine died under us (worker exit): readiness fails so the pod is replaced. */
  fail(err: unknown): void {
    this.failure = err;
    this.current = Phase.FAILED;
  }
}
