/**
 * There is no Docker engine here, so the image is checked by its parts: the
 * Dockerfile's build stage (`pnpm deploy --prod` of inference-api) produces a tree
 * that starts with the Dockerfile's env and a model copied in the way
 * `COPY ${MODEL_DIR}/ /app/model/` does, serves predictions, and drains on SIGTERM.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeShapesImage, paintShapes } from '@maskops/demo-model';
import { freePort } from '@maskops/localcloud';
import { REPO_ROOT } from '../helpers/repo-root';

jest.setTimeout(180_000);

const root = REPO_ROOT;
const dockerfile = readFileSync(join(root, 'packages', 'inference-api', 'Dockerfile'), 'utf8');
const hasPnpm = spawnSync('pnpm', ['--version']).status === 0;

/** ENV of the final stage, with build args filled in. */
function imageEnv(args: Record<string, string>): Record<string, string> {
  const final = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
  const env: Record<string, string> = {};
  for (const m of final.matchAll(/^ENV ((?:.*\\\n)*.*)$/gm)) {
    for (const kv of m[1].replace(/\\\n/g, ' ').trim().split(/\s+/)) {
      const [k, v = ''] = kv.split('=');
      env[k] = v.replace(/\$\{(\w+)\}/g, (_all, name: string) => args[name] ?? '');
    }
  }
  return env;
}

(hasPnpm || process.env.CI === 'true' ? it : it.skip)(
  'the deployed inference-api tree runs with the image env and a copied-in model',
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'image-'));
    const app = join(dir, 'app');
    const model = join(dir, 'model');
    try {
      execFileSync(
        'pnpm',
        ['--filter', '@maskops/inference-api', 'deploy', '--prod', '--offline', app],
        {
          cwd: root,
          stdio: 'ignore',
        },
      );
      // The generator is a devDependency of inference-api: no part of it ships.
      expect(existsSync(join(app, 'node_modules', '@maskops', 'demo-model'))).toBe(false);
      expect(
        readdirSync(join(app, 'node_modules', '.pnpm')).filter((d) => d.includes('demo-model')),
      ).toEqual([]);
      expect(existsSync(join(app, 'models', 'shapes-tf-od-api', 'model.json'))).toBe(true);
      cpSync(join(root, 'packages', 'inference-api', 'models', 'shapes-tf-od-api'), model, {
        recursive: true,
      });
      const env = imageEnv({ BUILD_ID: 'build-42', COMMIT_SHA: 'c0ffee' });
      expect(env).toMatchObject({
        MODEL_PATH: '/app/model',
        MASKOPS_BUILD_ID: 'build-42',
        PORT: '8080',
      });
      const port = await freePort();
      const child = spawn(process.execPath, ['dist/main.js'], {
        cwd: app,
        env: {
          PATH: process.env.PATH ?? '',
          ...env,
          MODEL_PATH: model,
          PORT: String(port),
          HOST: '127.0.0.1',
        },
        stdio: 'ignore',
      });
      const exited = new Promise<number | null>((r) => child.once('exit', r));
      const url = `http://127.0.0.1:${port}`;
      try {
        let ready = false;
        for (let i = 0; i < 300 && !ready; i++) {
          ready = await fetch(`${url}/readyz`).then(
            (r) => r.status === 200,
            () => false,
          );
          if (!ready) await new Promise((r) => setTimeout(r, 100));
        }
        expect(ready).toBe(true);
        const info = (await (await fetch(`${url}/v1/info`)).json()) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
        expect(info).toMatchObject({
          buildId: 'build-42',
          commitSha: 'c0ffee',
          model: { demo: true },
        });
        const painted = paintShapes({ width: 320, height: 240, seed: 3, count: 3 });
        const res = await fetch(`${url}/predict`, {
          method: 'POST',
          headers: { 'content-type': 'image/png' },
          body: await encodeShapesImage(painted, 'png'),
        });
        expect(res.status).toBe(200);
        expect(((await res.json()) as { instances: unknown[] }).instances).toHaveLength(3);
        expect((await fetch(`${url}/`)).status).toBe(200); // public/ is in the tree
      } finally {
        child.kill('SIGTERM');
      }
      expect(await exited).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
