import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, posix, resolve } from 'node:path';
import { isObj } from '@maskops/shared';
import { pushModelInvalid, pushUsage } from './push-error';

/** Files beside a model the loader reads as well (labels, display name, Matterport config). */
const COMPANIONS = ['labels.txt', 'maskops.json', 'matterport-config.json'];

export interface LocalModel {
  /** What the loader is given: the model.json or the .onnx file. */
  entry: string;
  /** The folder the object names are relative to. */
  dir: string;
  /** Object names relative to `dir` (posix), the model file first. */
  files: string[];
}

async function kind(path: string): Promise<'file' | 'dir' | 'missing'> {
  try {
    return (await stat(path)).isDirectory() ? 'dir' : 'file';
  } catch {
    return 'missing';
  }
}

/**
 * The files of a TF.js graph model (model.json, the shards its weightsManifest
 * names) or of an ONNX graph (the one .onnx), plus the companions present beside
 * it: exactly what the server reads, so what is pushed is what was opened here.
 */
export async function localModelFiles(modelPath: string): Promise<LocalModel> {
  const given = resolve(modelPath);
  const k = await kind(given);
  if (k === 'missing') throw pushUsage(`${modelPath} does not exist`);
  let entry = given;
  if (k === 'dir') {
    const found = (
      await Promise.all(
        ['model.json', 'model.onnx'].map(async (n) =>
          (await kind(join(given, n))) === 'file' ? join(given, n) : undefined,
        ),
      )
    ).find((p) => p !== undefined);
    if (!found) {
      throw pushModelInvalid(
        `${modelPath} holds no model.json (TF.js graph model) or model.onnx; push takes one of these (convert a SavedModel with tensorflowjs_converter first)`,
      );
    }
    entry = found;
  } else if (!entry.endsWith('.json') && !entry.endsWith('.onnx')) {
    throw pushModelInvalid(
      `${modelPath} is neither a TF.js model.json nor an .onnx file; push takes one of these`,
    );
  }
  const dir = dirname(entry);
  const files = [basename(entry)];
  if (entry.endsWith('.json')) files.push(...(await weightPaths(entry)));
  for (const c of COMPANIONS) {
    if (!files.includes(c) && (await kind(join(dir, c))) === 'file') files.push(c);
  }
  return { entry, dir, files };
}

/** The shard paths of a model.json, relative to its folder; each must stay inside it. */
async function weightPaths(modelJson: string): Promise<string[]> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(modelJson, 'utf8'));
  } catch (err) {
    throw pushModelInvalid(`${modelJson} is not JSON`, err);
  }
  const groups = isObj(value) && Array.isArray(value.weightsManifest) ? value.weightsManifest : [];
  const paths: string[] = [];
  for (const group of groups) {
    const list: unknown = isObj(group) ? group.paths : undefined;
    if (!Array.isArray(list)) continue;
    for (const p of list) {
      const name = typeof p === 'string' ? posix.normalize(p) : '';
      if (name === '' || name.startsWith('..') || posix.isAbsolute(name)) {
        throw pushModelInvalid(
          `${modelJson} names a weights file outside its folder: ${String(p)}`,
        );
      }
      if (!paths.includes(name)) paths.push(name);
    }
  }
  return paths;
}
