#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { ModelAdapter } from '../inference/types';
import { createStorage } from '../model/storage-client';
import { PushError, PushExit, pushUsage } from './push-error';
import { parsePushTarget, pushModel } from './push-model';

const USAGE = `usage: maskops-model push MODEL gs://BUCKET/PREFIX/NAME [--adapter ADAPTER]
Publishes a model for a rollout without a rebuild: opens MODEL here with the
server's loader and adapters, uploads its files under gs://BUCKET/PREFIX/NAME/,
writes maskops-model.json last, and prints the pinned MODEL_PATH on stdout.

MODEL               a TF.js graph model (its folder or model.json; shards, labels.txt,
                    maskops.json and matterport-config.json go with it) or an .onnx file
--adapter ADAPTER   ${Object.values(ModelAdapter).join(' | ')} (detected as the server detects it when unset)

Cloud Storage: application default credentials; STORAGE_EMULATOR_HOST for a stand-in.
Exit: 0 published, 1 upload failed, 2 usage, 3 the model does not open.
`;

function parse(argv: string[]): { model: string; target: string; adapter?: ModelAdapter } {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { adapter: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (err) {
    throw pushUsage(err instanceof Error ? err.message : String(err));
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(PushExit.OK);
  }
  const [command, model, target, ...rest] = positionals;
  if (command !== 'push' || model === undefined || target === undefined || rest.length > 0) {
    throw pushUsage('expected: push MODEL gs://BUCKET/PREFIX/NAME');
  }
  const adapter = values.adapter;
  if (adapter !== undefined && !(Object.values(ModelAdapter) as string[]).includes(adapter)) {
    throw pushUsage(`--adapter must be one of ${Object.values(ModelAdapter).join(', ')}`);
  }
  return { model, target, ...(adapter ? { adapter: adapter as ModelAdapter } : {}) };
}

async function main(): Promise<void> {
  const progress = (line: string): void => void process.stderr.write(`maskops-model: ${line}\n`);
  try {
    const args = parse(process.argv.slice(2));
    const target = parsePushTarget(args.target);
    const { uri } = await pushModel({
      modelPath: args.model,
      target,
      ...(args.adapter ? { adapter: args.adapter } : {}),
      storage: await createStorage(),
      progress,
    });
    process.stdout.write(`${uri}\n`);
  } catch (err) {
    if (!(err instanceof PushError)) throw err;
    progress(`${err.code}: ${err.message}`);
    if (err.exitCode === PushExit.USAGE) process.stderr.write(USAGE);
    process.exit(err.exitCode);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(
    `maskops-model: failed: ${err instanceof Error ? err.stack : String(err)}\n`,
  );
  process.exit(PushExit.UPLOAD_FAILED);
});
