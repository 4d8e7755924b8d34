import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join, relative } from 'node:path';

/**
 * Local "container images": no Docker here, so an image is the built
 * inference-api package tree (dist, public, models, package.json) plus the env the
 * Dockerfile would bake in, stored under its content digest. Images live inside
 * packages/inference-api so Node resolves their dependencies from its node_modules.
 */
export interface LocalImage {
  repository: string;
  digest: string; // sha256:<hex>
  tag: string;
  dir: string;
  env: Record<string, string>;
}

const IMAGE_PARTS = ['dist', 'public', 'models', 'package.json'];

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

function imageStoreDir(packageDir: string): string {
  return join(packageDir, '.images');
}

/** Snapshots `packageDir` (a built inference-api) as an image stamped with the build. */
export function buildLocalImage(opts: {
  packageDir: string;
  repository: string;
  tag: string;
  env: Record<string, string>;
}): LocalImage {
  const store = imageStoreDir(opts.packageDir);
  const staging = join(store, `.staging-${process.pid}-${Date.now()}`);
  mkdirSync(staging, { recursive: true });
  for (const part of IMAGE_PARTS) {
    const src = join(opts.packageDir, part);
    if (existsSync(src)) cpSync(src, join(staging, part), { recursive: true });
  }
  if (!existsSync(join(staging, 'dist', 'main.js'))) {
    rmSync(staging, { recursive: true, force: true });
    throw new Error(`${opts.packageDir} is not built (dist/main.js missing): run pnpm build`);
  }
  writeFileSync(join(staging, 'image-env.json'), JSON.stringify(opts.env, null, 2) + '\n');
  const hash = createHash('sha256');
  for (const file of walk(staging)) {
    hash.update(relative(staging, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  const digest = `sha256:${hash.digest('hex')}`;
  const dir = join(store, digest.replace(':', '-'));
  if (existsSync(dir)) rmSync(staging, { recursive: true, force: true });
  else renameSync(staging, dir);
  return { repository: opts.repository, digest, tag: opts.tag, dir, env: opts.env };
}

/** Finds the image for a reference `repo@sha256:…` or `repo:tag` among those built in this run. */
export class ImageRegistry {
  private readonly images: LocalImage[] = [];
  add(image: LocalImage): void {
    this.images.push(image);
  }
  /** Deletes the image trees built in this run (the store is a cache, not a record). */
  removeAll(): void {
    for (const image of this.images) rmSync(image.dir, { recursive: true, force: true });
  }

  resolve(ref: string): LocalImage | undefined {
    return this.images.find(
      (i) => ref === `${i.repository}@${i.digest}` || ref === `${i.repository}:${i.tag}`,
    );
  }
}
