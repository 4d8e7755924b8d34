#!/usr/bin/env node
// Stages packages/deployer-fn for `gcloud functions deploy --source DIR`. Cloud
// Functions installs dependencies with npm, which does not understand pnpm's
// `workspace:` protocol, so workspace packages are vendored as `file:` dependencies.
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const out = resolve(process.argv[2] ?? join(root, '.build', 'deployer-fn'));
const pkgDir = (name) => join(root, 'packages', name.replace('@maskops/', ''));
const readPkg = (dir) => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));

function stage(dir, target) {
  if (!existsSync(join(dir, 'dist'))) {
    throw new Error(`${dir}/dist is missing: run \`pnpm build\` first`);
  }
  mkdirSync(target, { recursive: true });
  cpSync(join(dir, 'dist'), join(target, 'dist'), { recursive: true });
  const pkg = readPkg(dir);
  const deps = {};
  for (const [name, spec] of Object.entries(pkg.dependencies ?? {})) {
    if (String(spec).startsWith('workspace:')) {
      const vendored = `vendor/${name.replace('@maskops/', 'maskops-')}`;
      stage(pkgDir(name), join(out, vendored));
      deps[name] = `file:./${vendored}`;
    } else {
      deps[name] = spec;
    }
  }
  const staged = {
    name: pkg.name,
    version: pkg.version,
    private: true,
    main: pkg.main,
    ...(pkg.bin ? { bin: pkg.bin } : {}),
    engines: { node: '>=20' },
    dependencies: deps,
  };
  // Vendored packages resolve their own workspace deps relative to the staging root.
  if (target !== out) {
    for (const [name, spec] of Object.entries(deps)) {
      if (spec.startsWith('file:')) deps[name] = `file:${join('..', '..', spec.slice(5))}`;
    }
  }
  writeFileSync(join(target, 'package.json'), JSON.stringify(staged, null, 2) + '\n');
}

rmSync(out, { recursive: true, force: true });
stage(pkgDir('@maskops/deployer-fn'), out);
process.stdout.write(`staged deployer-fn into ${out}\n`);
