// Canary verdict simulator (a bench, not a test): for each scenario, 1000 analyses
// with fixed seeds of a canary beside stable at the default settings (10 % weight,
// 180 s, a look every 30 s, 15 s scrapes), through the deployer's real queries over
// the Prometheus stand-in's evaluator and its real verdict. Prints false aborts of
// identical builds and, per bad build, detection and the median time to abort.
// Usage: pnpm build && pnpm --filter @maskops/deployer-fn bench:canary
//        [--runs N] [--only TEXT] [--sizing]
import { createRequire } from 'node:module';
import { seededRandom } from '@maskops/shared';
import { HEALTHY, simulateAnalysis } from './canary/analysis.mjs';

const require = createRequire(import.meta.url);
const api = require('../dist/api.js');
const { createPromqlEngine } = require('@maskops/localcloud');

const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
};
const RUNS = Number(option('--runs', flag('--sizing') ? 300 : 1000));
const ONLY = option('--only', '');

const REQUIRED = {
  ROLLOUT_STRATEGY: 'canary',
  PROMETHEUS_QUERY_URL: 'http://127.0.0.1:1',
  CANARY_TASKS_QUEUE: 'projects/bench-project/locations/us-central1/queues/q',
  FUNCTION_URL: 'http://127.0.0.1:1',
  CANARY_TASKS_SERVICE_ACCOUNT: 'bench-sa@bench-project.iam.gserviceaccount.com',
};
const settingsFor = (env = {}) => api.readCanaryConfig({ ...REQUIRED, ...env });

const BAD = {
  identical: {},
  empty: { empty: true },
  'errors +2%': { errorRate: HEALTHY.errorRate + 0.02 },
  'errors +5%': { errorRate: HEALTHY.errorRate + 0.05 },
  'p95 ×1.5': { latencyMedian: HEALTHY.latencyMedian * 1.5 },
  'p95 ×3': { latencyMedian: HEALTHY.latencyMedian * 3 },
  'instances −30%': { instancesMean: HEALTHY.instancesMean * 0.7 },
  'top score −0.15': { scoreMean: HEALTHY.scoreMean - 0.15 },
  // The same build, but a fresh pod's first 20 answers take twice as long (JIT, caches).
  'cold start': { coldAnswers: 20, coldFactor: 2 },
};

const scenario = (build, rate, env = {}, goal = '') => ({ build, rate, env, goal });
// The default tolerances (0.5 relative, 0.2 absolute) let these smaller behaviour shifts
// through by design; these rows show what tighter ones catch.
const TIGHT = { CANARY_MAX_BEHAVIOUR_SHIFT: '0.2', CANARY_MAX_SCORE_SHIFT: '0.1' };
const WARM = { CANARY_WARMUP_SECONDS: '30' };
const DEFAULT_SCENARIOS = [
  scenario('identical', 0.5),
  scenario('identical', 2, {}, '≤ 1 %'),
  scenario('identical', 10, {}, '≤ 1 %'),
  scenario('identical', 50, {}, '≤ 1 %'),
  scenario('empty', 2, {}, '≥ 99 %'),
  scenario('empty', 10),
  scenario('errors +2%', 10),
  scenario('errors +2%', 50),
  scenario('errors +5%', 2),
  scenario('errors +5%', 10, {}, '≥ 99 %'),
  scenario('p95 ×1.5', 2),
  scenario('p95 ×1.5', 10),
  scenario('p95 ×3', 2),
  scenario('p95 ×3', 10, {}, '≥ 95 %'),
  scenario('instances −30%', 2, TIGHT),
  scenario('instances −30%', 10, TIGHT),
  scenario('top score −0.15', 2, TIGHT),
  scenario('top score −0.15', 10, TIGHT),
  // What CANARY_WARMUP_SECONDS buys against a cold start, and what it costs in detection.
  scenario('cold start', 10),
  scenario('cold start', 10, WARM, '≤ 1 %'),
  scenario('cold start', 50),
  scenario('cold start', 50, WARM, '≤ 1 %'),
  scenario('identical', 2, WARM, '≤ 1 %'),
  scenario('empty', 2, WARM, '≥ 99 %'),
  scenario('p95 ×3', 10, WARM, '≥ 95 %'),
];
// How detection of the smaller shifts grows with traffic, weight and analysis length.
const SIZING_SCENARIOS = [];
for (const build of ['identical', 'errors +2%', 'p95 ×1.5', 'instances −30%']) {
  for (const rate of [2, 10, 50]) {
    for (const env of [
      {},
      { CANARY_WEIGHT_PERCENT: '25' },
      { CANARY_ANALYSIS_SECONDS: '600' },
      { CANARY_WEIGHT_PERCENT: '25', CANARY_ANALYSIS_SECONDS: '600' },
    ]) {
      // Instances at the default tolerance (0.5) let a −30 % shift through at any traffic.
      const tolerance = build === 'instances −30%' ? TIGHT : {};
      SIZING_SCENARIOS.push(scenario(build, rate, { ...tolerance, ...env }));
    }
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN;
};
const pct = (k, n) => `${((100 * k) / n).toFixed(1)} %`;

async function runScenario(sc, index) {
  const settings = settingsFor(sc.env);
  const canary = { ...HEALTHY, ...BAD[sc.build] };
  const aborts = [];
  const reasons = new Map();
  let inconclusive = 0;
  for (let run = 0; run < RUNS; run += 1) {
    const out = await simulateAnalysis({
      uniform: seededRandom(((index + 1) * 1_000_003 + run * 7919) >>> 0),
      rate: sc.rate,
      weight: settings.weightPercent / 100,
      stable: HEALTHY,
      canary,
      settings,
      scrapeSeconds: settings.scrapeIntervalSeconds,
      stablePods: 3,
      historySeconds: 120,
      engine: createPromqlEngine,
      api,
    });
    if (out.decision === 'abort') {
      aborts.push(out.elapsed);
      const key = out.test ?? out.reason;
      reasons.set(key, (reasons.get(key) ?? 0) + 1);
    } else if (out.reason === 'INCONCLUSIVE') inconclusive += 1;
    if (run % 50 === 49)
      process.stderr.write(`\r  ${sc.build} @ ${sc.rate} req/s: ${run + 1}/${RUNS}   `);
  }
  process.stderr.write('\r' + ' '.repeat(60) + '\r');
  const top = [...reasons.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([r, k]) => `${r} ${k}`)
    .join(', ');
  return {
    scenario: sc.build,
    'req/s': sc.rate,
    weight: `${settings.weightPercent} %`,
    analysis: `${settings.analysisSeconds} s`,
    'warm-up': `${settings.warmupSeconds} s`,
    // What sizes a canary: the requests it sees over one analysis.
    'canary requests': Math.round(
      (sc.rate * settings.weightPercent * settings.analysisSeconds) / 100,
    ),
    aborted: pct(aborts.length, RUNS),
    goal: sc.goal,
    'median s to abort': aborts.length ? median(aborts) : '-',
    inconclusive: pct(inconclusive, RUNS),
    'aborted on': top,
  };
}

function printRow(row, widths) {
  console.log(
    '| ' +
      Object.keys(widths)
        .map((k) => String(row[k]).padEnd(widths[k]))
        .join(' | ') +
      ' |',
  );
}

const scenarios = (flag('--sizing') ? SIZING_SCENARIOS : DEFAULT_SCENARIOS).filter((s) =>
  `${s.build} ${s.rate}`.includes(ONLY),
);
const widths = {
  scenario: 16,
  'req/s': 5,
  weight: 6,
  analysis: 8,
  'warm-up': 7,
  'canary requests': 15,
  aborted: 7,
  goal: 6,
  'median s to abort': 17,
  inconclusive: 12,
  'aborted on': 40,
};
console.log(
  `canary simulator: ${RUNS} runs per scenario, seeds fixed; healthy build: ` +
    `${HEALTHY.errorRate * 100} % errors, latency log-normal (median ${HEALTHY.latencyMedian} s, ` +
    `σ ${HEALTHY.latencySigma}), instances NB(mean ${HEALTHY.instancesMean}, size ${HEALTHY.instancesSize}), ` +
    `top score ${HEALTHY.scoreMean} ± ${HEALTHY.scoreSd}; 3 stable pods, 1 canary pod`,
);
printRow(Object.fromEntries(Object.keys(widths).map((k) => [k, k])), widths);
printRow(Object.fromEntries(Object.keys(widths).map((k) => [k, '-'.repeat(widths[k])])), widths);
const t0 = performance.now();
for (const [i, sc] of scenarios.entries()) {
  const index = (flag('--sizing') ? 100 : 0) + i;
  printRow(await runScenario(sc, index), widths);
}
console.log(`(${((performance.now() - t0) / 1000).toFixed(0)} s)`);
