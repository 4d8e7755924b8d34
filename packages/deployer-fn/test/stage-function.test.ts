/**
 * infra/gcp/stage-function.mjs prepares the directory `gcloud functions deploy
 * --source` uploads; Cloud Functions then installs it with `npm ci`. These tests
 * stage it for real (pnpm + the npm registry for the lock), check that the lock pins
 * what the workspace installed and tested, then do what the Cloud Functions build
 * does — `npm ci` in a clean folder — and serve the result with its own
 * functions-framework against the localcloud stand-ins.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  cloudEventBinary,
  deploymentFixture,
  FunctionProcess,
  pubsubMessage,
  SignatureType,
} from '@maskops/localcloud';
import { parse } from 'yaml';
import { cloudBuild, digest, REPO, startCloud } from './helpers/cloud';

jest.setTimeout(240_000);

/** The fields of pnpm-lock.yaml, the staged package.json and package-lock.json read here. */
interface PnpmLock {
  importers: Record<string, { dependencies: Record<string, { version: string }> }>;
  packages: Record<string, unknown>;
}
interface StagedPackage {
  main: string;
  engines: { node: string };
  dependencies: Record<string, string>;
  devDependencies?: Record<string, string>;
  overrides: Overrides;
}
interface Overrides {
  [name: string]: string | Overrides;
}
interface NpmLock {
  lockfileVersion: number;
  packages: Record<string, { name?: string; version: string; link?: boolean }>;
}

const root = join(__dirname, '..', '..', '..');
const stageScript = join(root, 'infra', 'gcp', 'stage-function.mjs');
const hasPnpm = spawnSync('pnpm', ['--version']).status === 0;
const progress = (msg: string): void => {
  process.stderr.write(`[stage-function.test] ${msg}\n`);
};

const pnpmLock = parse(readFileSync(join(root, 'pnpm-lock.yaml'), 'utf8')) as PnpmLock;
const workspace = parse(readFileSync(join(root, 'pnpm-workspace.yaml'), 'utf8')) as {
  overrides: Record<string, string>;
};
/** Versions pnpm installed for deployer-fn's direct dependencies (peer suffixes cut). */
const installed = Object.fromEntries(
  Object.entries(pnpmLock.importers['packages/deployer-fn'].dependencies).map(([name, d]) => [
    name,
    d.version.replace(/\(.*$/, ''),
  ]),
);
/** name → every version in pnpm-lock.yaml. */
const lockedVersions = new Map<string, Set<string>>();
for (const key of Object.keys(pnpmLock.packages)) {
  const at = key.lastIndexOf('@');
  const name = key.slice(0, at);
  lockedVersions.set(name, (lockedVersions.get(name) ?? new Set()).add(key.slice(at + 1)));
}

(hasPnpm || process.env.CI === 'true' ? describe : describe.skip)(
  'infra/gcp/stage-function.mjs',
  () => {
    let out: string;
    let pkg: StagedPackage;
    beforeAll(() => {
      out = mkdtempSync(join(tmpdir(), 'stage-'));
      progress('staging (pnpm list + npm install --package-lock-only)…');
      execFileSync('node', [stageScript, out], { stdio: ['ignore', 'ignore', 'inherit'] });
      pkg = JSON.parse(readFileSync(join(out, 'package.json'), 'utf8')) as StagedPackage;
    });
    afterAll(() => rmSync(out, { recursive: true, force: true }));

    it('vendors the workspace packages for npm and keeps only production dependencies', () => {
      expect(JSON.stringify(pkg)).not.toContain('workspace:');
      expect(pkg.dependencies['@maskops/shared']).toBe('file:./vendor/maskops-shared');
      expect(pkg.devDependencies).toBeUndefined();
      expect(existsSync(join(out, pkg.main))).toBe(true);
      expect(existsSync(join(out, 'vendor', 'maskops-shared', 'dist', 'index.js'))).toBe(true);
    });

    it('pins every dependency to the version the workspace installed, on Node 24', () => {
      for (const [name, version] of Object.entries(installed)) {
        if (version.startsWith('link:')) continue;
        expect([name, pkg.dependencies[name]]).toEqual([name, version]);
      }
      // The runtime setup.sh deploys (nodejs24); staging checked every locked package against it.
      expect(pkg.engines.node).toBe('24.x');
    });

    it("carries the workspace's pnpm overrides as npm overrides", () => {
      for (const [selector, spec] of Object.entries(workspace.overrides)) {
        const path = selector.split('>');
        let node: Overrides = pkg.overrides;
        for (const p of path.slice(0, -1)) node = node[p] as Overrides;
        expect([selector, node[path[path.length - 1]]]).toEqual([selector, spec]);
      }
    });

    it('locks nothing the workspace did not install', () => {
      const lock = JSON.parse(readFileSync(join(out, 'package-lock.json'), 'utf8')) as NpmLock;
      expect(lock.lockfileVersion).toBe(3);
      const foreign: string[] = [];
      let count = 0;
      for (const [path, entry] of Object.entries(lock.packages)) {
        if (!path.includes('node_modules/') || entry.link) continue;
        const name = entry.name ?? path.slice(path.lastIndexOf('node_modules/') + 13);
        count++;
        if (!lockedVersions.get(name)?.has(entry.version)) foreign.push(`${name}@${entry.version}`);
      }
      expect(count).toBeGreaterThan(100);
      expect(foreign).toEqual([]);
      for (const [name, version] of Object.entries(installed)) {
        if (!version.startsWith('link:')) {
          expect(lock.packages[`node_modules/${name}`].version).toBe(version);
        }
      }
    });

    it('installs with `npm ci` in a clean folder and serves onNewImage with functions-framework', async () => {
      const clean = mkdtempSync(join(tmpdir(), 'function-source-'));
      const cloud = await startCloud();
      try {
        cpSync(out, clean, { recursive: true });
        progress('npm ci in a clean folder…');
        execFileSync('npm', ['ci', '--no-audit', '--no-fund'], {
          cwd: clean,
          stdio: ['ignore', 'ignore', 'inherit'],
        });
        progress('starting functions-framework --target=onNewImage --signature-type=cloudevent…');
        cloud.kube.putDeployment(deploymentFixture({ name: 'inference-api', image: `${REPO}:v0` }));
        const fn = await FunctionProcess.start({
          sourceDir: clean,
          target: 'onNewImage',
          signatureType: SignatureType.CLOUDEVENT,
          env: {
            PROJECT: 'local-project',
            ZONE: 'us-central1',
            CLUSTER: 'maskops',
            DEPLOYMENT: 'inference-api',
            IMAGE: REPO,
            ROLLOUT_TIMEOUT_SECONDS: '0',
            ...cloud.env,
          },
        });
        try {
          const req = cloudEventBinary(pubsubMessage(cloudBuild()));
          expect(await fn.deliver(req)).toBe(204);
          const d = cloud.kube.getDeployment('default', 'inference-api')!;
          expect(d.spec.template.spec.containers[0].image).toBe(`${REPO}@${digest('1')}`);
        } finally {
          await fn.stop();
        }
      } finally {
        await cloud.close();
        rmSync(clean, { recursive: true, force: true });
      }
    });
  },
);
