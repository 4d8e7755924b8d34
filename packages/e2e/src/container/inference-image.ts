import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { docker } from './docker';

/** The Dockerfile's TFJS_NODE build argument. */
export const TfjsNode = { REQUIRED: 'required', ABSENT: 'absent' } as const;
export type TfjsNode = (typeof TfjsNode)[keyof typeof TfjsNode];

const INFERENCE_DOCKERFILE = 'packages/inference-api/Dockerfile';

export interface InferenceImageOptions {
  repoRoot: string;
  tag: string;
  /** The model folder baked in as MODEL_DIR (Cloud Build's fetch-model step makes it). */
  modelDir: string;
  tfjsNode: TfjsNode;
  buildArgs?: Record<string, string>;
}

/**
 * Builds packages/inference-api/Dockerfile as Cloud Build does: the repository's files
 * (tracked and untracked-but-not-ignored, as they are on disk: the working tree) plus
 * the model in `model/`, `--build-arg MODEL_DIR=model`. Returns the build's output.
 */
export async function buildInferenceImage(o: InferenceImageOptions): Promise<string> {
  const context = mkdtempSync(join(tmpdir(), 'maskops-image-context-'));
  try {
    copyWorkingTree(o.repoRoot, context);
    if (existsSync(o.modelDir)) cpSync(o.modelDir, join(context, 'model'), { recursive: true });
    const args = Object.entries({ MODEL_DIR: 'model', TFJS_NODE: o.tfjsNode, ...o.buildArgs });
    const { stdout } = await docker(
      [
        'build',
        '--network',
        'host',
        '--force-rm',
        '--file',
        join(context, INFERENCE_DOCKERFILE),
        ...args.flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]),
        '--tag',
        o.tag,
        context,
      ],
      { timeoutMs: 1_500_000 },
    );
    return stdout;
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
}

/** Copies the files git would hand a build (tracked and new, none ignored) into DEST. */
function copyWorkingTree(repoRoot: string, dest: string): void {
  const listed = execFileSync(
    'git',
    ['ls-files', '-z', '--cached', '--others', '--exclude-standard'],
    {
      cwd: repoRoot,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  for (const file of new Set(listed.split('\0').filter(Boolean))) {
    const from = join(repoRoot, file);
    // Deleted but still tracked, or a folder (a submodule): not part of the tree on disk.
    if (!existsSync(from) || !lstatSync(from).isFile()) continue;
    mkdirSync(dirname(join(dest, file)), { recursive: true });
    copyFileSync(from, join(dest, file));
  }
}

/**
 * The build stage's image that a build made (its last step not taken from the cache), from
 * the legacy builder's output: untagged and ~2 GB, it outlives the build as the layer
 * cache. Removing it (`docker image rm ID`) takes its untagged parents with it. Empty when
 * every step of the stage came from the cache (the image then is an earlier build's).
 */
export function newBuildStageImages(output: string): string[] {
  const stages = output.split(/^Step \d+\/\d+ : FROM /m);
  // [before the first FROM, the build stage, the runtime stage]; one stage has no build stage.
  if (stages.length < 3) return [];
  const build = stages[1];
  const steps = build.split(/^Step \d+\/\d+ : /m).slice(1);
  const last = steps.at(-1) ?? '';
  if (/^ ---> Using cache$/m.test(last)) return [];
  const id = [...last.matchAll(/^ ---> ([0-9a-f]{12,64})$/gm)].at(-1)?.[1];
  return id ? [id] : [];
}
