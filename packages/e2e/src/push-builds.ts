import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildLocalImage, type ImageRegistry, type LocalImage } from './image-store';
import { runLocalCloudBuild } from './local-cloud-build';
import { packageDir } from './package-dir';

/** One push's build: its image, its id, and the Cloud Build notification to deliver. */
export interface PushBuild {
  image: LocalImage;
  buildId: string;
  message: Record<string, unknown>;
}

export interface PushBuilderOptions {
  repoRoot: string;
  registry: ImageRegistry;
  repository: string;
  projectId: string;
  /** Every push through the local Cloud Build (see pipeline-demo's `fromCommit`). */
  fromCommit?: boolean;
  log: (line: string) => void;
}

function gitCommit(repoRoot: string): string {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
  } catch {
    return createHash('sha1').update(String(Date.now())).digest('hex');
  }
}

/**
 * The demo's "Cloud Build": a snapshot of the built working tree (fast), or the local
 * Cloud Build of HEAD's commit — always so when a build substitution is asked for,
 * since only a real build can change what is built.
 */
export class PushBuilder {
  readonly commit: string;
  private readonly buildDirs: string[] = [];

  constructor(private readonly o: PushBuilderOptions) {
    this.commit = gitCommit(o.repoRoot);
  }

  async build(n: number, substitutions?: Record<string, string>): Promise<PushBuild> {
    const buildId = `local-build-${n}-${Date.now().toString(36)}`;
    if (this.o.fromCommit || substitutions) return this.commitBuild(buildId, substitutions);
    const image = buildLocalImage({
      packageDir: packageDir('@maskops/inference-api'),
      repository: this.o.repository,
      tag: `${this.commit.slice(0, 7)}-${n}`,
      env: { MASKOPS_BUILD_ID: buildId, MASKOPS_COMMIT_SHA: this.commit },
    });
    this.o.registry.add(image);
    this.o.log(
      `[build] ${buildId}: image ${image.repository}@${image.digest.slice(0, 19)}… (commit ${this.commit.slice(0, 7)})`,
    );
    return { image, buildId, message: this.message(image, buildId) };
  }

  /** Removes the local Cloud Build directories of this run. */
  cleanup(): void {
    for (const dir of this.buildDirs) rmSync(dir, { recursive: true, force: true });
  }

  private async commitBuild(
    buildId: string,
    substitutions?: Record<string, string>,
  ): Promise<PushBuild> {
    const result = await runLocalCloudBuild({
      repoRoot: this.o.repoRoot,
      commit: this.commit,
      repository: this.o.repository,
      projectId: this.o.projectId,
      buildId,
      substitutions,
      log: this.o.log,
    });
    this.buildDirs.push(join(result.sourceDir, '..'));
    if (!result.image) {
      throw new Error(`local Cloud Build ${result.buildId} failed: ${result.logTail ?? ''}`);
    }
    this.o.registry.add(result.image);
    return { image: result.image, buildId: result.buildId, message: result.build };
  }

  /** The SUCCESS notification of a snapshot build, as Cloud Build publishes it. */
  private message(image: LocalImage, buildId: string): Record<string, unknown> {
    const finishTime = new Date().toISOString();
    return {
      id: buildId,
      projectId: this.o.projectId,
      status: 'SUCCESS',
      createTime: finishTime,
      finishTime,
      images: [`${image.repository}:${image.tag}`],
      results: { images: [{ name: `${image.repository}:${image.tag}`, digest: image.digest }] },
      substitutions: {
        COMMIT_SHA: this.commit,
        SHORT_SHA: this.commit.slice(0, 7),
        BRANCH_NAME: 'main',
        REPO_NAME: 'maskops',
      },
    };
  }
}
