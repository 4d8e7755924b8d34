#!/usr/bin/env node
// Stages packages/deployer-fn for `gcloud functions deploy --source DIR`.
//
// Cloud Functions installs dependencies with npm (`npm ci` when a package-lock.json
// is present, https://cloud.google.com/functions/docs/writing/specifying-dependencies-nodejs),
// which understands neither pnpm's `workspace:` protocol nor its lockfile. So:
// - workspace packages are vendored as `file:` dependencies;
// - every other dependency is pinned to the exact version the workspace resolved
//   and tested (`pnpm list --prod --json`), not the caret range of package.json;
// - so are the transitive ones, as npm `overrides` (see testedTree);
// - the workspace's pnpm `overrides` become npm `overrides` too;
// - a package-lock.json is generated from that (`npm install --package-lock-only`,
//   which needs the npm registry but installs nothing), so the deploy installs
//   exactly that tree.
// `engines.node` is 24.x, the runtime setup.sh deploys (nodejs24); staging stops if a
// locked package's own `engines.node` does not hold for all of it.
//
//   node infra/gcp/stage-function.mjs [OUT_DIR]
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import semver from 'semver';

const NODE_ENGINE = '24.x';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const out = resolve(process.argv[2] ?? join(root, '.build', 'deployer-fn'));
const pkgDir = (name) => join(root, 'packages', name.replace('@maskops/', ''));
const readPkg = (dir) => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
const pnpmJson = (cwd, ...pnpmArgs) =>
  JSON.parse(execFileSync('pnpm', pnpmArgs, { cwd, encoding: 'utf8' }) || 'null');

/** name → exact version of the production dependencies pnpm installed for DIR. */
function resolvedVersions(dir) {
  const [listed] = pnpmJson(dir, 'list', '--prod', '--json', '--depth', '0');
  return Object.fromEntries(
    Object.entries(listed?.dependencies ?? {}).map(([name, d]) => [name, d.version]),
  );
}

/** Sets overrides[key] = value, merging a version pin ("1.2.3") with nested rules ({".": "1.2.3"}). */
function addOverride(overrides, key, value) {
  const old = overrides[key];
  if (old === undefined) overrides[key] = value;
  else if (typeof old === 'string' && typeof value === 'string') overrides[key] = value;
  else {
    const asObject = (v) => (typeof v === 'string' ? { '.': v } : v);
    overrides[key] = asObject(old);
    for (const [k, v] of Object.entries(asObject(value))) addOverride(overrides[key], k, v);
  }
}

/**
 * npm `overrides` that make npm resolve DIR's production tree as pnpm did: a package
 * pnpm resolved to one version is pinned everywhere; one at several versions is
 * pinned under each of its dependents (`{"parent": {"child": "1.2.3"}}`, or
 * `"parent@1.0.0"` when the parent itself comes in several versions).
 */
function testedTree(dir) {
  const [listed] = pnpmJson(dir, 'list', '--prod', '--json', '--depth', 'Infinity');
  const edges = [];
  const versions = new Map();
  const walk = (parent, deps) => {
    for (const [alias, d] of Object.entries(deps ?? {})) {
      if (!d.version || d.version.startsWith('link:')) continue;
      // `from` is the real name of an aliased dependency (string-width-cjs → string-width).
      const child = { alias, name: d.from ?? alias, version: d.version };
      edges.push({ parent, child });
      versions.set(child.name, (versions.get(child.name) ?? new Set()).add(child.version));
      walk(child, d.dependencies);
    }
  };
  walk(undefined, listed?.dependencies);
  const single = (name) => versions.get(name).size === 1;
  const overrides = {};
  for (const { parent, child } of edges) {
    if (single(child.name)) {
      addOverride(overrides, child.name, child.version);
    } else if (parent) {
      const key = single(parent.name) ? parent.name : `${parent.name}@${parent.version}`;
      const spec =
        child.alias === child.name ? child.version : `npm:${child.name}@${child.version}`;
      addOverride(overrides, key, { [child.alias]: spec });
    }
  }
  return overrides;
}

/**
 * pnpm `overrides` ("a>b": spec, "a": spec) as npm `overrides` ({a: {b: spec}}, {a: spec}).
 * https://pnpm.io/settings#overrides, https://docs.npmjs.com/cli/configuring-npm/package-json#overrides
 */
function npmOverrides(pnpmOverrides) {
  const result = {};
  for (const [selector, spec] of Object.entries(pnpmOverrides ?? {})) {
    const path = selector.split('>');
    if (path.some((p) => !/^(@[^/@]+\/)?[^/@>]+$/.test(p))) {
      throw new Error(`pnpm override "${selector}" has no npm equivalent here: convert it by hand`);
    }
    let node = result;
    for (const parent of path.slice(0, -1)) {
      if (typeof node[parent] === 'string') node[parent] = { '.': node[parent] };
      node = node[parent] ??= {};
    }
    const leaf = path[path.length - 1];
    if (typeof node[leaf] === 'object') node[leaf]['.'] = spec;
    else node[leaf] = spec;
  }
  return result;
}

function stage(dir, target) {
  if (!existsSync(join(dir, 'dist'))) {
    throw new Error(`${dir}/dist is missing: run \`pnpm build\` first`);
  }
  mkdirSync(target, { recursive: true });
  cpSync(join(dir, 'dist'), join(target, 'dist'), { recursive: true });
  const pkg = readPkg(dir);
  const versions = resolvedVersions(dir);
  const deps = {};
  for (const [name, spec] of Object.entries(pkg.dependencies ?? {})) {
    if (String(spec).startsWith('workspace:')) {
      const vendored = `vendor/${name.replace('@maskops/', 'maskops-')}`;
      stage(pkgDir(name), join(out, vendored));
      // Vendored packages resolve their own workspace deps relative to the staging root.
      deps[name] = target === out ? `file:./${vendored}` : `file:../../${vendored}`;
    } else if (versions[name]) {
      deps[name] = versions[name];
    } else {
      throw new Error(`${name} is not installed in ${dir}: run \`pnpm install\` first`);
    }
  }
  const staged = {
    name: pkg.name,
    version: pkg.version,
    private: true,
    main: pkg.main,
    ...(pkg.bin ? { bin: pkg.bin } : {}),
    engines: { node: NODE_ENGINE },
    dependencies: deps,
  };
  if (target === out) {
    staged.overrides = testedTree(dir);
    const workspaceOverrides = npmOverrides(pnpmJson(root, 'config', 'get', 'overrides', '--json'));
    for (const [k, v] of Object.entries(workspaceOverrides)) addOverride(staged.overrides, k, v);
  }
  writeFileSync(join(target, 'package.json'), JSON.stringify(staged, null, 2) + '\n');
}

/** Every package in the lock must run on every Node version NODE_ENGINE allows. */
function checkEngines(dir) {
  const lock = JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8'));
  const unmet = [];
  for (const [path, entry] of Object.entries(lock.packages)) {
    const wanted = entry.engines?.node;
    if (!path || typeof wanted !== 'string') continue;
    if (!semver.validRange(wanted) || !semver.subset(NODE_ENGINE, wanted)) {
      unmet.push(`${path.replace(/^.*node_modules\//, '')}@${entry.version} wants node ${wanted}`);
    }
  }
  if (unmet.length > 0) {
    throw new Error(`engines.node ${NODE_ENGINE} does not satisfy: ${unmet.join('; ')}`);
  }
}

rmSync(out, { recursive: true, force: true });
stage(pkgDir('@maskops/deployer-fn'), out);
// --loglevel=error: npm would warn that the Node running this script is not 24.x;
// engines are checked for the runtime instead (checkEngines).
execFileSync(
  'npm',
  [
    'install',
    '--package-lock-only',
    '--ignore-scripts',
    '--no-audit',
    '--no-fund',
    '--loglevel=error',
  ],
  { cwd: out, stdio: ['ignore', 'ignore', 'inherit'] },
);
checkEngines(out);
process.stdout.write(`staged deployer-fn into ${out} with package-lock.json\n`);
