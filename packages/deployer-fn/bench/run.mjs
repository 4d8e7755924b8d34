// Deployer benchmark (not a test): cold start of the built function under the
// functions-framework binary, and per-message decision+patch latency for a mixed
// stream of N messages against localcloud, with a correctness check (wrong deploys).
// Usage: pnpm --filter @maskops/deployer-fn build && node bench/run.mjs [N] [concurrency]
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const PKG = join(dirname(fileURLToPath(import.meta.url)), '..');
const lc = require('@maskops/localcloud');

const N = Number(process.argv[2] ?? 1000);
const CONCURRENCY = Number(process.argv[3] ?? 8);
const COLD_RUNS = 5;
const REPO = 'us-central1-docker.pkg.dev/bench-proj/maskops/inference-api';
const NS = 'default';

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN;
};
const p95 = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil(s.length * 0.95) - 1)] : NaN;
};
const fmt = (x) => (Number.isFinite(x) ? x.toFixed(1) : '-');

const { seededRandom } = require('@maskops/shared');

// Same token for metadata, Container API and Kubernetes, as in one GKE project.
const startCloud = () =>
  lc.startLocalCloud({ project: 'bench-proj', location: 'us-central1-a', rolloutStepMs: 5 });

async function serve(env) {
  const t0 = performance.now();
  const lines = [];
  const fn = await lc.FunctionProcess.spawn({
    sourceDir: PKG,
    target: 'onNewImage',
    signatureType: lc.SignatureType.CLOUDEVENT,
    env,
    onLog: (l) => l.startsWith('{') && lines.push(l),
  });
  return { url: fn.url, t0, lines, stop: () => fn.stop() };
}

async function post(url, req) {
  const res = await fetch(url, { method: 'POST', headers: req.headers, body: req.body });
  await res.arrayBuffer();
  return res.status;
}

async function postUntilUp(url, req) {
  for (;;) {
    try {
      return await post(url, req);
    } catch {
      await new Promise((r) => setTimeout(r, 5));
    }
  }
}

const build = (id, finishTime, digest, over = {}) => ({
  id,
  status: 'SUCCESS',
  finishTime,
  images: [`${REPO}:${id}`],
  results: { images: [{ name: `${REPO}:${id}`, digest }] },
  substitutions: { COMMIT_SHA: 'abcdef0123456789' },
  ...over,
});
const digestOf = (i) => `sha256:${i.toString(16).padStart(64, '0')}`;

async function coldStart(cloud) {
  const ignoredMsg = lc.cloudEventBinary(
    lc.pubsubMessage(build('cold', '2026-01-01T00:00:00Z', digestOf(1), { status: 'FAILURE' })),
  );
  const first = [];
  const firstDeploy = [];
  for (let i = 0; i < COLD_RUNS; i++) {
    const name = `cold-${i}`;
    cloud.kube.putDeployment(lc.deploymentFixture({ name, image: `${REPO}:v0` }));
    const env = { ...cloud.env, DEPLOYMENT: name, IMAGE: REPO, ROLLOUT_TIMEOUT_SECONDS: '0' };
    const fn = await serve(env);
    const status = await postUntilUp(fn.url, ignoredMsg);
    first.push(performance.now() - fn.t0);
    const t1 = performance.now();
    const deploy = lc.cloudEventBinary(
      lc.pubsubMessage(build(`cold-${i}`, '2026-01-01T00:00:01Z', digestOf(2))),
    );
    const s2 = await post(fn.url, deploy);
    firstDeploy.push(performance.now() - t1);
    await fn.stop();
    if (status !== 204 || s2 !== 204)
      throw new Error(`cold start run ${i}: statuses ${status}, ${s2}`);
  }
  return { first, firstDeploy };
}

/** A deterministic mixed stream; returns messages plus the build that must end up deployed. */
function mixedStream(n, rand, ordered) {
  const builds = [];
  const msgs = [];
  const base = Date.parse('2026-03-01T00:00:00Z');
  const nBuilds = Math.round(n * 0.3);
  for (let i = 0; i < nBuilds; i++) {
    const finishTime = new Date(base + i * 1000).toISOString();
    builds.push({ id: `b-${String(i).padStart(5, '0')}`, finishTime, digest: digestOf(1000 + i) });
  }
  for (const b of builds)
    msgs.push({ kind: 'new-build', data: build(b.id, b.finishTime, b.digest) });
  while (msgs.length < n) {
    const r = rand();
    const b = builds[Math.floor(rand() * builds.length)];
    if (r < 0.3) msgs.push({ kind: 'duplicate', data: build(b.id, b.finishTime, b.digest) });
    else if (r < 0.45)
      msgs.push({
        kind: 'other-repo',
        data: build(`o-${msgs.length}`, new Date(base + 9e9).toISOString(), digestOf(7), {
          images: ['gcr.io/x/other:1'],
          results: { images: [{ name: 'gcr.io/x/other:1', digest: digestOf(7) }] },
        }),
      });
    else if (r < 0.65) {
      const status = [
        'QUEUED',
        'WORKING',
        'FAILURE',
        'INTERNAL_ERROR',
        'TIMEOUT',
        'CANCELLED',
        'EXPIRED',
        'PENDING',
        'STATUS_UNKNOWN',
      ][Math.floor(rand() * 9)];
      msgs.push({
        kind: 'status',
        data: build(`s-${msgs.length}`, new Date(base + 9e9).toISOString(), digestOf(8), {
          status,
        }),
      });
    } else if (r < 0.8)
      msgs.push({
        kind: 'ar-same-digest',
        data: { action: 'INSERT', digest: `${REPO}@${b.digest}`, tag: `${REPO}:${b.id}` },
        publishTime: b.finishTime,
      });
    else if (r < 0.88)
      msgs.push({ kind: 'ar-delete', data: { action: 'DELETE', digest: `${REPO}@${b.digest}` } });
    else msgs.push({ kind: 'malformed', raw: rand() < 0.5 ? 'not json at all' : '{"id": 1' });
  }
  // Shuffle: delivery order is arbitrary, as with Pub/Sub.
  for (let i = msgs.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [msgs[i], msgs[j]] = [msgs[j], msgs[i]];
  }
  if (ordered) {
    // Realistic order: each message arrives around the time of the build it is
    // about (duplicates and Artifact Registry echoes a little later), so most
    // builds patch; the rest is spread evenly.
    const index = new Map(builds.map((b, k) => [b.id, k]));
    const at = (m) => {
      const id = m.data?.id ?? m.data?.tag?.split(':').pop();
      const k = index.get(id);
      if (k === undefined) return rand() * builds.length;
      return m.kind === 'new-build' ? k : k + 0.5 + rand() * 5;
    };
    const keyed = msgs.map((m) => [at(m), m]).sort((a, b) => a[0] - b[0]);
    msgs.splice(0, msgs.length, ...keyed.map(([, m]) => m));
  }
  return { msgs, newest: builds[builds.length - 1] };
}

async function stream(cloud, concurrency, ordered) {
  const name = `stream-c${concurrency}-${ordered ? 'ordered' : 'shuffled'}`;
  cloud.kube.putDeployment(lc.deploymentFixture({ name, image: `${REPO}:v0` }));
  const fn = await serve({
    ...cloud.env,
    DEPLOYMENT: name,
    IMAGE: REPO,
    ROLLOUT_TIMEOUT_SECONDS: '0',
  });
  const warm = lc.cloudEventBinary(
    lc.pubsubMessage(build('warm', '2000-01-01T00:00:00Z', digestOf(3))),
  );
  await postUntilUp(fn.url, warm);
  const { msgs, newest } = mixedStream(N, seededRandom(42), ordered);
  const byKind = new Map();
  let redeliveries = 0;
  let next = 0;
  const worker = async () => {
    while (next < msgs.length) {
      const m = msgs[next++];
      const message =
        m.raw !== undefined
          ? lc.pubsubMessage(m.raw)
          : lc.pubsubMessage(m.data, m.publishTime ? { publishTime: m.publishTime } : {});
      const req = lc.cloudEventBinary(message);
      // Like Pub/Sub: a non-2xx answer means redelivery.
      for (let attempt = 0; ; attempt++) {
        const t = performance.now();
        const status = await post(fn.url, req);
        const ms = performance.now() - t;
        if (!byKind.has(m.kind)) byKind.set(m.kind, []);
        byKind.get(m.kind).push(ms);
        if (status < 300) break;
        redeliveries += 1;
        if (attempt > 20) throw new Error(`message kept failing: ${status}`);
      }
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const wallMs = performance.now() - t0;
  await fn.stop();

  // Correctness: the final state is the newest build, and no patch ever moved backwards.
  const d = cloud.kube.getDeployment(NS, name);
  const finalImage = d.spec.template.spec.containers[0].image;
  const finalOk = finalImage === `${REPO}@${newest.digest}`;
  let regressions = 0;
  let last = '';
  for (const r of cloud.kube.requests) {
    if (r.method !== 'PATCH' || !r.path.endsWith(`/deployments/${name}`) || r.status >= 300)
      continue;
    const t = r.body?.metadata?.annotations?.['maskops.dev/build-finish-time'];
    if (t === undefined) continue;
    if (t < last) regressions += 1;
    last = t;
  }
  const outcomes = {};
  const serverMs = new Map();
  let conflicts = 0;
  for (const l of fn.lines) {
    let line;
    try {
      line = JSON.parse(l);
    } catch {
      continue;
    }
    if (!line.outcome) continue;
    outcomes[line.outcome] = (outcomes[line.outcome] ?? 0) + 1;
    if (!serverMs.has(line.outcome)) serverMs.set(line.outcome, []);
    serverMs.get(line.outcome).push(line.durations?.totalMs ?? NaN);
    if (line.attempts > 1) conflicts += line.attempts - 1;
  }
  return {
    byKind,
    serverMs,
    conflicts,
    wallMs,
    finalOk,
    regressions,
    redeliveries,
    outcomes,
    wrong: (finalOk ? 0 : 1) + regressions,
  };
}

const cloud = await startCloud();
try {
  const cold = await coldStart(cloud);
  console.log(
    `cold start (spawn functions-framework → first request answered), ${COLD_RUNS} runs: median ${fmt(median(cold.first))} ms, p95 ${fmt(p95(cold.first))} ms`,
  );
  console.log(
    `first deploy on a fresh instance (token + Container API + TLS + read + patch): median ${fmt(median(cold.firstDeploy))} ms`,
  );
  const runs = [
    [1, false],
    [1, true],
    [CONCURRENCY, false],
    [CONCURRENCY, true],
  ];
  for (const [c, ordered] of runs) {
    const r = await stream(cloud, c, ordered);
    const all = [...r.byKind.values()].flat();
    const order = ordered ? 'builds in finish order' : 'shuffled';
    console.log(
      `\n${N} mixed messages (${order}), concurrency ${c}, ROLLOUT_TIMEOUT_SECONDS=0: wall ${fmt(r.wallMs)} ms, ${fmt((N / r.wallMs) * 1000)} msg/s`,
    );
    console.log(
      `  client round trip per message: median ${fmt(median(all))} ms, p95 ${fmt(p95(all))} ms`,
    );
    for (const [kind, xs] of [...r.byKind.entries()].sort()) {
      console.log(
        `    ${kind.padEnd(16)} n=${String(xs.length).padStart(4)}  median ${fmt(median(xs)).padStart(6)} ms  p95 ${fmt(p95(xs)).padStart(6)} ms`,
      );
    }
    console.log('  in-function decision time (durations.totalMs) by outcome:');
    for (const [outcome, xs] of [...r.serverMs.entries()].sort()) {
      console.log(
        `    ${outcome.padEnd(16)} n=${String(xs.length).padStart(4)}  median ${fmt(median(xs)).padStart(6)} ms  p95 ${fmt(p95(xs)).padStart(6)} ms`,
      );
    }
    console.log(
      `  409 conflicts retried in-function: ${r.conflicts}; redeliveries after non-2xx: ${r.redeliveries}`,
    );
    console.log(
      `  wrong deploys: ${r.wrong} (final state is the newest build: ${r.finalOk ? 'yes' : 'NO'}, backwards patches: ${r.regressions})`,
    );
    if (r.wrong !== 0) process.exitCode = 1;
  }
} finally {
  await cloud.close();
}
