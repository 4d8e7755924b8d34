import { encodeShapesImage, paintShapes } from '@maskops/demo-model';

/**
 * Keeps POSTing generated shape images to the Service while rollouts happen and
 * counts every failure: a non-200, a network error, or an answer with the wrong
 * number of instances.
 */
export interface LoadReport {
  sent: number;
  ok: number;
  failed: number;
  wrong: number;
  byPod: Record<string, number>;
  /** Wrong answers by the pod that gave them (a canary's bad model shows here). */
  wrongByPod: Record<string, number>;
  latenciesMs: number[];
  failures: string[];
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export class LoadClient {
  private running = false;
  private loops: Promise<void>[] = [];
  readonly report: LoadReport = {
    sent: 0,
    ok: 0,
    failed: 0,
    wrong: 0,
    byPod: {},
    wrongByPod: {},
    latenciesMs: [],
    failures: [],
  };
  private images: Array<{ body: Buffer; count: number }> = [];

  constructor(
    private readonly url: string,
    private readonly concurrency = 2,
    /** Sent with every request (a bearer token when the pods ask for one). */
    private readonly headers: Record<string, string> = {},
  ) {}

  /**
   * A fixed, seeded set of images, cycled in order. Every image holds the same
   * number of shapes: the Service's round robin decides which pod answers which
   * image, and the canary verdict compares the tracks' mean instances per image,
   * so with mixed counts a track's first requests could draw mostly 4-shape
   * images and the other's mostly 1-shape ones. With equal counts, stable and
   * canary see the same distribution from their first requests (the shapes, colours,
   * places and backgrounds still differ per seed), and only a model change moves it.
   */
  async prepare(n = 6, shapesPerImage = 3): Promise<void> {
    for (let seed = 1; seed <= n; seed++) {
      const painted = paintShapes({ width: 640, height: 480, seed, count: shapesPerImage });
      this.images.push({
        body: await encodeShapesImage(painted, 'jpeg'),
        count: painted.shapes.length,
      });
    }
  }

  start(): void {
    this.running = true;
    for (let i = 0; i < this.concurrency; i++) this.loops.push(this.loop(i));
  }

  async stop(): Promise<LoadReport> {
    this.running = false;
    await Promise.all(this.loops);
    this.report.latenciesMs.sort((a, b) => a - b);
    return this.report;
  }

  private async loop(worker: number): Promise<void> {
    let i = worker;
    while (this.running) {
      const img = this.images[i++ % this.images.length];
      const t0 = performance.now();
      this.report.sent += 1;
      try {
        const res = await fetch(`${this.url}/predict`, {
          method: 'POST',
          headers: { ...this.headers, 'content-type': 'image/jpeg' },
          body: img.body,
          signal: AbortSignal.timeout(30000),
        });
        const text = await res.text();
        this.report.latenciesMs.push(performance.now() - t0);
        if (res.status !== 200) {
          this.report.failed += 1;
          this.report.failures.push(`${res.status} ${text.slice(0, 200)}`);
          continue;
        }
        const body = JSON.parse(text) as { instances: unknown[] };
        const pod = res.headers.get('x-pod') ?? 'unknown';
        if (body.instances.length !== img.count) {
          this.report.wrong += 1;
          this.report.wrongByPod[pod] = (this.report.wrongByPod[pod] ?? 0) + 1;
        } else this.report.ok += 1;
        this.report.byPod[pod] = (this.report.byPod[pod] ?? 0) + 1;
      } catch (err) {
        this.report.failed += 1;
        // fetch's "fetch failed" says nothing; its cause names the socket error.
        const cause =
          err instanceof Error && err.cause instanceof Error ? ` (${err.cause.message})` : '';
        this.report.failures.push(`${String(err)}${cause}`);
      }
    }
  }
}
