import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BuildStatus } from '@maskops/shared';
import { parseBuildConfig } from '../../src/cloud-build/build-config';
import { planBuild } from '../../src/cloud-build/build-plan';
import { CloudBuildConfigErrorCode } from '../../src/cloud-build/errors';
import type { LocalStepOptions } from '../../src/cloud-build/local-step-options';
import { runBuild, type BuildRun } from '../../src/cloud-build/run-build';
import { docker, removeAll, uniqueName } from '../../src/container/docker';
import { startLocalRegistry, type LocalRegistry } from '../../src/container/local-registry';
import { describeWithEngine, progress } from '../helpers/docker-engine';

jest.setTimeout(120_000);
const log = progress('run-build');

/**
 * The push tests need Debian's docker-registry (.ci/run installs it): without it they
 * skip with one NOTE line, as the engine suites do; with CI=true they run and fail.
 */
const HAS_REGISTRY = spawnSync('docker-registry', ['--version']).status === 0;
function describeWithRegistry(name: string, fn: () => void): void {
  if (!HAS_REGISTRY && process.env.CI !== 'true') {
    process.stderr.write(`\nNOTE: docker-registry is not installed: ${name} skipped\n\n`);
    describe.skip(name, fn);
    return;
  }
  describe(name, fn);
}

interface StepJson {
  id?: string;
  status: string;
  timing?: { startTime: string; endTime: string };
}

describeWithEngine('runBuild: steps as containers on the local engine', () => {
  const workspaces: string[] = [];
  afterAll(() => {
    for (const w of workspaces) rmSync(w, { recursive: true, force: true });
  });

  async function run(
    fixture: string,
    o: { buildId?: string; overrides?: Record<string, string>; local?: LocalStepOptions } = {},
  ) {
    const workspace = mkdtempSync(join(tmpdir(), 'maskops-run-build-'));
    workspaces.push(workspace);
    const buildId = o.buildId ?? uniqueName('b');
    const text = readFileSync(join(__dirname, '../fixtures/cloud-build', fixture), 'utf8');
    const plan = planBuild(parseBuildConfig(text), {
      builtins: { PROJECT_ID: 'maskops-local', BUILD_ID: buildId },
      ...(o.overrides === undefined ? {} : { overrides: o.overrides }),
    });
    const lines: string[] = [];
    const result = await runBuild({
      plan,
      workspace,
      buildId,
      projectId: 'maskops-local',
      ...(o.local === undefined ? {} : { local: o.local }),
      log: (l) => {
        lines.push(l);
        log(l);
      },
    });
    // Nothing of the build is left on the engine.
    const left = await docker([
      'ps',
      '--all',
      '--quiet',
      '--filter',
      `label=maskops.build-id=${buildId}`,
    ]);
    expect(left.stdout.trim()).toBe('');
    const volumes = await docker(['volume', 'ls', '--quiet']);
    expect(volumes.stdout).not.toContain(`maskops-build-home-${process.pid}-`);
    const steps = (result.build as { steps: StepJson[] }).steps;
    const status = (id: string) => steps.find((s) => s.id === id)?.status;
    return { result, workspace, lines, steps, status };
  }

  const build = (r: BuildRun) =>
    r.build as {
      status: string;
      statusDetail?: string;
      failureInfo?: { type: string; detail: string };
      finishTime?: string;
      timing?: object;
    };

  test('waitFor orders the steps, independent steps run at once, env/dir/entrypoint/script apply', async () => {
    const { result, workspace, lines, steps } = await run('run-graph.yaml');
    expect(result.status).toBe(BuildStatus.SUCCESS);
    expect(steps.map((s) => s.status)).toEqual(steps.map(() => BuildStatus.SUCCESS));
    for (const s of steps) expect(s.timing?.endTime).toBeDefined();
    expect(build(result).finishTime).toBeDefined();
    const order = readFileSync(join(workspace, 'order.txt'), 'utf8').split('\n');
    expect(order[0]).toBe('first');
    expect(order.slice(1, 3).sort()).toEqual(['left', 'right']);
    expect(readFileSync(join(workspace, 'sub/dir/out.txt'), 'utf8')).toBe(
      'hello from-options /workspace/sub/dir /builder/home from-first\n',
    );
    expect(readFileSync(join(workspace, 'node.txt'), 'utf8')).toBe('from-args');
    expect(readFileSync(join(workspace, 'script.txt'), 'utf8')).toBe(
      'sh ran the script in /workspace\n',
    );
    expect(lines).toContain('[env-dir] done');
  });

  test('a failing step fails the build by name; running steps are cancelled, later ones never start', async () => {
    const { result, lines, status } = await run('run-failure.yaml');
    expect(result.status).toBe(BuildStatus.FAILURE);
    // As Cloud Build words it: steps numbered from 0, named by their image.
    const detail =
      'Build step failure: build step 2 "node:24-bookworm-slim" failed: step exited with non-zero status: 3';
    expect(build(result).statusDetail).toBe(detail);
    expect(build(result).failureInfo).toEqual({ type: 'USER_BUILD_STEP', detail });
    expect([status('ok'), status('slow'), status('bad'), status('never')]).toEqual([
      BuildStatus.SUCCESS,
      BuildStatus.CANCELLED,
      BuildStatus.FAILURE,
      BuildStatus.QUEUED,
    ]);
    expect(lines).toContain('[bad] about to fail');
  });

  test('a step over its timeout is killed and the build is TIMEOUT', async () => {
    const { result, status, steps } = await run('run-timeouts.yaml');
    expect(result.status).toBe(BuildStatus.TIMEOUT);
    expect(build(result).statusDetail).toBe('hang timed out after 2s');
    expect(build(result).failureInfo).toBeUndefined();
    expect([status('hang'), status('after')]).toEqual([BuildStatus.TIMEOUT, BuildStatus.QUEUED]);
    expect(steps[1].timing).toBeUndefined();
  });

  test("the build's own timeout stops it", async () => {
    const { result, status } = await run('run-build-timeout.yaml');
    expect(result.status).toBe(BuildStatus.TIMEOUT);
    expect(build(result).statusDetail).toBe('build timed out after 3s');
    expect(status('hang')).toBe(BuildStatus.TIMEOUT);
  });

  test('local options: a low CPU weight for each step, a cache volume that outlives the build', async () => {
    const volume = uniqueName('maskops-test-cache');
    const local: LocalStepOptions = {
      cpuShares: 128,
      caches: [
        {
          image: 'node:24-bookworm-slim',
          volume,
          path: '/builder/cache',
          env: ['MY_CACHE=/builder/cache/held'],
        },
        // Not this build's image: not mounted.
        { image: 'other:1', volume: `${volume}-other`, path: '/other', env: ['OTHER=1'] },
      ],
    };
    try {
      const firstId = uniqueName('b');
      const first = await run('run-local-options.yaml', { buildId: firstId, local });
      const second = await run('run-local-options.yaml', { local });
      expect([first.result.status, second.result.status]).toEqual([
        BuildStatus.SUCCESS,
        BuildStatus.SUCCESS,
      ]);
      // cgroup v1 shows the shares; v2 maps 128 shares to weight 5 (the default is 100).
      expect(first.lines).toContainEqual(expect.stringMatching(/^\[local\] weight (128|5)$/));
      expect(first.lines).toContain('[local] cache held: nothing');
      expect(second.lines).toContain(`[local] cache held: ${firstId}`);
      const volumes = await docker(['volume', 'ls', '--quiet']);
      expect(volumes.stdout).not.toContain(`${volume}-other`);
    } finally {
      await docker(['volume', 'rm', '--force', volume]).catch(() => undefined);
    }
  });

  test('a step image missing from the engine is an error naming it; nothing runs', async () => {
    const workspace = mkdtempSync(join(tmpdir(), 'maskops-run-build-'));
    workspaces.push(workspace);
    const text = readFileSync(
      join(__dirname, '../fixtures/cloud-build/run-missing-image.yaml'),
      'utf8',
    );
    const plan = planBuild(parseBuildConfig(text), { builtins: {} });
    const lines: string[] = [];
    await expect(
      runBuild({
        plan,
        workspace,
        buildId: 'b-missing',
        projectId: 'p',
        log: (l) => lines.push(l),
      }),
    ).rejects.toMatchObject({
      code: CloudBuildConfigErrorCode.STEP_IMAGE_NOT_LOCAL,
      message: expect.stringContaining('"maskops-test/not-on-this-engine:1" (elsewhere)'),
    });
    expect(lines).toEqual([]);
  });

  describeWithRegistry('images', () => {
    let registry: LocalRegistry;
    const tagged: string[] = [];
    beforeAll(async () => {
      registry = await startLocalRegistry();
    });
    afterAll(async () => {
      await removeAll({ images: tagged });
      await registry?.stop();
    });

    test('are pushed to the local registry; results.images carries the digest it answers', async () => {
      const repo = `${registry.host}/maskops-test/tiny`;
      const buildId = uniqueName('b');
      const image = `${repo}:build-${buildId}`;
      // A one-file image: quick to push, and only this test's.
      const content = mkdtempSync(join(tmpdir(), 'maskops-tiny-image-'));
      workspaces.push(content);
      writeFileSync(join(content, 'build-id'), buildId);
      execFileSync('sh', ['-c', `tar -C "${content}" -c . | docker import - "${image}"`], {
        stdio: 'ignore',
      });
      tagged.push(image);
      const { result, lines } = await run('run-push.yaml', {
        buildId,
        overrides: { _IMAGE: repo },
      });
      expect(result.status).toBe(BuildStatus.SUCCESS);
      const b = result.build as {
        results?: { images: Array<{ name: string; digest: string }> };
        timing?: { PUSH?: object };
      };
      expect(b.results?.images).toHaveLength(1);
      const { name, digest } = b.results!.images[0];
      expect(name).toBe(image);
      // The engine recorded the same digest for the pushed image.
      const repoDigests = await docker([
        'image',
        'inspect',
        '--format',
        '{{json .RepoDigests}}',
        image,
      ]);
      expect(JSON.parse(repoDigests.stdout)).toContain(`${repo}@${digest}`);
      expect(b.timing?.PUSH).toBeDefined();
      expect(lines).toContain(`[push] ${image} ${digest}`);
    });

    test('an image the steps did not build fails the build, with no results', async () => {
      const repo = `${registry.host}/maskops-test/never-built`;
      const { result } = await run('run-push.yaml', { overrides: { _IMAGE: repo } });
      expect(result.status).toBe(BuildStatus.FAILURE);
      expect(build(result).statusDetail).toMatch(
        /^pushing .*never-built:build-\S+ failed: An image does not exist locally with the tag/,
      );
      expect(build(result).failureInfo).toEqual({
        type: 'PUSH_FAILED',
        detail: build(result).statusDetail,
      });
      expect((result.build as { results?: unknown }).results).toBeUndefined();
    });
  });
});
