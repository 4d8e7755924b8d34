import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The demo's hand-off to `maskops-replay`: the last push's Pub/Sub message is written
 * where a replay command line reads it, and with `--keep` the stand-ins stay up so that
 * line can be run against them ("what would the deployer do now?").
 */
export interface ReplayHandOff {
  repoRoot: string;
  /** The last push's Pub/Sub message. */
  message: Record<string, unknown>;
  /** The function's settings against this run's stand-ins. */
  env: Record<string, string>;
  keep: boolean;
  log: (line: string) => void;
}

/**
 * Writes the message into the repository's ignored `.localcloud/` and returns the replay
 * line, run from the repository root.
 */
function writeReplayInput(o: ReplayHandOff): string {
  const file = join('.localcloud', 'last-push.json');
  mkdirSync(join(o.repoRoot, '.localcloud'), { recursive: true });
  writeFileSync(join(o.repoRoot, file), JSON.stringify(o.message, null, 2) + '\n');
  const vars = Object.entries(o.env).map(([k, v]) => `${k}=${v}`);
  return `${vars.join(' ')} node packages/deployer-fn/dist/replay/cli.js --file ${file} --dry-run`;
}

function untilSignalled(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

/** Prints the replay line; with `keep`, returns only once the user stops the demo. */
export async function handOffReplay(o: ReplayHandOff): Promise<void> {
  const line = writeReplayInput(o);
  if (!o.keep) {
    o.log(
      '[replay] `pnpm start --keep` leaves the stand-ins running and prints the replay line for them',
    );
    return;
  }
  o.log('[replay] the local cluster stays up until Ctrl-C; what would the deployer do now?');
  o.log(`[replay] ${line}`);
  await untilSignalled();
}
