#!/usr/bin/env node
/**
 * `maskops-demo-model --out DIR`: writes the demo models into DIR (inference-api's build
 * hands it its own `models/`). The output folder is always given: this package knows no
 * other package's layout.
 */
import { resolve } from 'node:path';
import { generateDemoModels } from './generate';

const USAGE = 'usage: maskops-demo-model --out DIR';

function parseOut(argv: readonly string[]): string {
  const at = argv.indexOf('--out');
  const value = at === -1 ? undefined : argv[at + 1];
  if (value === undefined || value.startsWith('--')) throw new Error(USAGE);
  return resolve(value);
}

try {
  generateDemoModels(parseOut(process.argv.slice(2)), (line) => console.log(line));
} catch (error) {
  console.error(`demo-model: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
