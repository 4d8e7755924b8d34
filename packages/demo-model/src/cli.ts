#!/usr/bin/env node
/**
 * `maskops-demo-model --out DIR [--behaviour shapes|empty] [--samples DIR]`: writes the demo
 * models into DIR (inference-api's build hands it its own `models/`), and with `--samples`
 * the sample images of the upload page. The output folder is always
 * given: this package knows no other package's layout. The behaviour defaults to env
 * `DEMO_MODEL_BEHAVIOUR` (a build substitution reaches the build that way), else `shapes`.
 */
import { resolve } from 'node:path';
import { DemoBehaviour, generateDemoModels } from './generate';
import { writeSamples } from './samples';

function fail(error: unknown): never {
  console.error(`demo-model: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}

const USAGE = 'usage: maskops-demo-model --out DIR [--behaviour shapes|empty] [--samples DIR]';
const BEHAVIOURS: readonly string[] = Object.values(DemoBehaviour);

function option(argv: readonly string[], name: string): string | undefined {
  const at = argv.indexOf(name);
  if (at === -1) return undefined;
  const value = argv[at + 1];
  if (value === undefined || value.startsWith('--')) throw new Error(USAGE);
  return value;
}

function parseBehaviour(argv: readonly string[]): DemoBehaviour {
  const flag = option(argv, '--behaviour');
  const env = process.env.DEMO_MODEL_BEHAVIOUR?.trim();
  const value = flag ?? (env ? env : DemoBehaviour.SHAPES);
  if (!BEHAVIOURS.includes(value)) {
    const source = flag === undefined ? 'DEMO_MODEL_BEHAVIOUR' : '--behaviour';
    throw new Error(`${source} must be one of ${BEHAVIOURS.join(', ')}, got "${value}"`);
  }
  return value as DemoBehaviour;
}

try {
  const out = option(process.argv.slice(2), '--out');
  if (out === undefined) throw new Error(USAGE);
  const behaviour = parseBehaviour(process.argv.slice(2));
  if (behaviour !== DemoBehaviour.SHAPES) console.log(`demo-model: behaviour ${behaviour}`);
  const samples = option(process.argv.slice(2), '--samples');
  generateDemoModels(resolve(out), (line) => console.log(line), behaviour);
  if (samples !== undefined) {
    writeSamples(resolve(samples), (line) => console.log(line)).catch(fail);
  }
} catch (error) {
  fail(error);
}
