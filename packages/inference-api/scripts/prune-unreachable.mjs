#!/usr/bin/env node
// Removes from a deployed tree (`pnpm deploy`) every package that nothing in it can
// require: reached neither from the top-level node_modules nor, transitively, through
// the declared dependencies of a package that is. pnpm keeps the dependencies of an
// optional dependency whose install failed, or that the build unlinked: without
// @tensorflow/tfjs-node that is the @tensorflow/tfjs umbrella with tfjs-layers,
// tfjs-data, tfjs-backend-webgl and core-js, ≈ 190 MB that never run.
// Usage: prune-unreachable.mjs DEPLOYED_DIR
import { existsSync, lstatSync, readdirSync, realpathSync, rmSync, statSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';

const root = resolve(process.argv[2] ?? '.');
const store = join(root, 'node_modules', '.pnpm');
if (!existsSync(store)) {
  process.stderr.write(`prune-unreachable: ${store} is missing (not a pnpm-deployed tree)\n`);
  process.exit(1);
}

/** The package folders linked in a node_modules folder (scoped ones expanded). */
function linkedPackages(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => !name.startsWith('.'))
    .flatMap((name) =>
      name.startsWith('@')
        ? readdirSync(join(dir, name)).map((n) => join(dir, name, n))
        : [join(dir, name)],
    );
}

/** The node_modules folder holding a package's dependencies, and its store entry. */
function locate(pkgDir) {
  let real;
  try {
    real = realpathSync(pkgDir);
  } catch {
    return undefined; // a dangling link: the package it named is not installed
  }
  if (!real.startsWith(store + sep)) return { entry: undefined, deps: join(real, 'node_modules') };
  const entry = real.slice(store.length + 1).split(sep)[0];
  return { entry, deps: join(store, entry, 'node_modules') };
}

const kept = new Set();
const seen = new Set();
const queue = linkedPackages(join(root, 'node_modules'));
while (queue.length > 0) {
  const found = locate(queue.pop());
  if (!found || seen.has(found.deps)) continue;
  seen.add(found.deps);
  if (found.entry) kept.add(found.entry);
  queue.push(...linkedPackages(found.deps));
}

const removed = [];
for (const entry of readdirSync(store)) {
  const path = join(store, entry);
  if (entry === 'node_modules' || kept.has(entry) || !statSync(path).isDirectory()) continue;
  rmSync(path, { recursive: true, force: true });
  removed.push(entry);
}
// pnpm's hoisted links (.pnpm/node_modules) to what was just removed.
for (const link of linkedPackages(join(store, 'node_modules'))) {
  if (lstatSync(link).isSymbolicLink() && !existsSync(link)) rmSync(link);
}
process.stdout.write(
  `prune-unreachable: kept ${kept.size} packages, removed ${removed.length}` +
    (removed.length ? `: ${removed.join(', ')}` : '') +
    '\n',
);
