/**
 * The Dockerfile and cloudbuild.yaml against the manifests and setup.sh: the image
 * runs as the pod expects, and the build pushes what the deployer deploys.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { env, type Obj, pod, read, root, setupSh, shellVar } from '../helpers/infra-files';

describe('Dockerfile', () => {
  const dockerfile = read('packages', 'inference-api', 'Dockerfile');
  it('runs as the pod user, exposes the container port and has no HEALTHCHECK', () => {
    expect(dockerfile).toMatch(new RegExp(`^USER ${pod.securityContext.runAsUser}:`, 'm'));
    expect(dockerfile).toMatch(new RegExp(`^EXPOSE ${env.PORT}$`, 'm'));
    expect(dockerfile).not.toMatch(/^HEALTHCHECK/m);
    expect(dockerfile).toMatch(new RegExp(`MODEL_PATH=${env.MODEL_PATH}`));
    expect(dockerfile).toMatch(/MASKOPS_BUILD_ID=\$\{BUILD_ID\}/);
    expect(dockerfile).toMatch(/MASKOPS_COMMIT_SHA=\$\{COMMIT_SHA\}/);
  });
  it('copies every workspace manifest so the frozen lockfile resolves', () => {
    for (const pkg of readdirSync(join(root, 'packages'))) {
      expect(dockerfile).toContain(`COPY packages/${pkg}/package.json packages/${pkg}/`);
    }
  });
  it("copies the source of every workspace package inference-api's build needs, dev ones included", () => {
    const manifest = (dir: string): Obj => JSON.parse(read('packages', dir, 'package.json')) as Obj;
    const dirOf = new Map(
      readdirSync(join(root, 'packages')).map((dir) => [manifest(dir).name as string, dir]),
    );
    // Test-only devDependencies the Dockerfile leaves out of its install and build.
    const excluded = new Set(
      [...dockerfile.matchAll(/--filter '!(@maskops\/[a-z-]+)'/g)].map((m) => dirOf.get(m[1])),
    );
    expect([...excluded]).toEqual(['localcloud']);
    expect(Object.keys(manifest('inference-api').dependencies as Obj)).not.toContain(
      '@maskops/localcloud',
    );
    const needed = new Set<string>();
    const visit = (dir: string): void => {
      if (needed.has(dir) || excluded.has(dir)) return;
      needed.add(dir);
      const m = manifest(dir);
      for (const name of Object.keys({ ...m.dependencies, ...m.devDependencies })) {
        const dep = dirOf.get(name);
        if (dep !== undefined) visit(dep);
      }
    };
    visit('inference-api');
    expect([...needed].sort()).toEqual(['demo-model', 'inference-api', 'shared']);
    for (const dir of needed) {
      expect(dockerfile).toMatch(new RegExp(`^COPY packages/${dir} packages/${dir}$`, 'm'));
    }
  });
});

describe('cloudbuild.yaml', () => {
  const cloudbuild = parse(read('cloudbuild.yaml')) as Obj;
  const text = read('cloudbuild.yaml');
  it('declares every user substitution it uses', () => {
    const used = new Set([...text.matchAll(/\$\{(_[A-Z0-9_]+)/g)].map((m) => m[1]));
    expect([...used].filter((u) => !(u in cloudbuild.substitutions))).toEqual([]);
  });
  it('pushes the tagged image through `images`, so results.images carries the digest', () => {
    expect(cloudbuild.images).toEqual(['${_IMAGE}:${_IMAGE_TAG}']);
    const build = cloudbuild.steps.find((s: Obj) => s.id === 'image');
    expect(build.args).toContain('--tag=${_IMAGE}:${_IMAGE_TAG}');
    const file = (build.args as string[])
      .find((a) => a.startsWith('--file='))!
      .slice('--file='.length);
    expect(existsSync(join(root, file))).toBe(true);
    expect(build.args).toContain('--build-arg=BUILD_ID=${BUILD_ID}');
  });
  it("leaves notifications to Cloud Build's own cloud-builds topic, the one the function listens to", () => {
    expect(cloudbuild.options.pubsubTopic).toBeUndefined();
    expect(text).not.toContain('_NOTIFY_TOPIC');
    expect(shellVar('TOPIC')).toBe('cloud-builds');
    expect(setupSh).toContain('--trigger-topic "$TOPIC"');
  });
  it('gives builds without a trigger (no SHORT_SHA, no COMMIT_SHA) a valid image name', () => {
    // Built-ins every build has; the trigger-only ones are empty on `gcloud builds submit`.
    const always: Record<string, string> = {
      PROJECT_ID: 'demo-proj-1',
      BUILD_ID: '2f1c1c4e-6a43-4e0a-a0c4-8b7bd3f4b1a2',
      PROJECT_NUMBER: '123456789012',
      LOCATION: 'us-central1',
    };
    const substitute = (v: string): string =>
      v.replace(/\$\{(\w+)\}/g, (_all, name: string) =>
        name.startsWith('_')
          ? substitute(String(cloudbuild.substitutions[name]))
          : (always[name] ?? ''),
      );
    const image = substitute(cloudbuild.images[0]);
    // Docker reference: host/path:tag, tag [\w][\w.-]{0,127}.
    expect(image).toMatch(/^[a-z0-9.-]+\/[a-z0-9._/-]+:[\w][\w.-]{0,127}$/);
    // User-specified build service accounts need logs to go somewhere other than the default bucket.
    expect(cloudbuild.options.logging).toBe('CLOUD_LOGGING_ONLY');
  });
  it('builds the image repository that setup.sh configures the deployer with', () => {
    expect(cloudbuild.substitutions._IMAGE).toBe(
      'us-central1-docker.pkg.dev/${PROJECT_ID}/maskops/inference-api',
    );
    expect(setupSh).toContain('IMAGE="${REGION}-docker.pkg.dev/${PROJECT}/${REPO}/inference-api"');
  });
});
