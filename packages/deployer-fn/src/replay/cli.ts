#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { GoogleAuth } from 'google-auth-library';
import { createLogger, loadConfigOrExit } from '@maskops/shared';
import { googleTokenSource } from '../cluster/token-source';
import { readConfig } from '../config';
import { createDeps } from '../deps';
import { handleMessage } from '../handler';
import { ReplayExit } from './exit-codes';
import { ReplayError } from './replay-error';
import { modelNotification } from './model-notification';
import { readReplayMessage, type ReplaySource } from './replay-input';
import { postCloudEvent, publishToTopic, topicPath } from './replay-targets';

const USAGE = `usage: maskops-replay SOURCE TARGET [options]
Replays a Cloud Build (or Artifact Registry) notification, or a model's, by hand.

SOURCE (one):
  --build-id ID        fetch the Build from the Cloud Build API (--project, [--region])
  --file PATH          a JSON file: Build resource, AR notification, Pub/Sub message or push body
  --model URI          a published model, gs://BUCKET/PATH/maskops-model.json#GENERATION: sent
                       as the bucket's OBJECT_FINALIZE notification of that manifest generation
  (none)               the JSON of --file on stdin
TARGET (one):
  --topic T            publish to a Pub/Sub topic (name or projects/P/topics/T)
  --url URL            POST it as a CloudEvent to a function URL (--auth adds an ID token)
  --in-process         run the deployer here, configured by the same env as the function
  --dry-run            like --in-process, but only print the patch it would send
Options:
  --force              with --in-process only: deploy even if the build (or model generation)
                       is older than the deployed one (recorded in maskops.dev/forced-by-replay)
  --project P          project for --build-id and bare topic names (default env PROJECT)
  --region R           Cloud Build region of the build (builds.get without it finds only
                       global builds: a regional build answers 404)
  --cloudbuild-endpoint URL   Cloud Build API base (default https://cloudbuild.googleapis.com)
  --event-topic T      topic named in the CloudEvent source for --url (default cloud-builds)
  --timeout SECONDS    wait for --url or the Cloud Build API at most this long (default 60)
  --stdin-timeout SECONDS     wait for stdin to deliver and close (default 10)
Exit codes: 0 done, 1 failed or redelivery asked, 2 usage or input error,
  3 nothing arrived on stdin in time, 4 --url / Cloud Build API timed out.
`;

/** A positive number of seconds (at most an hour) from a flag, in milliseconds. */
function seconds(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback * 1000;
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || !(n > 0 && n <= 3600)) {
    fail(ReplayExit.USAGE, `${flag} must be a number of seconds in (0, 3600], got "${value}"`);
  }
  return n * 1000;
}

function fail(code: number, message: string): never {
  process.stderr.write(`maskops-replay: ${message}\n`);
  process.exit(code);
}

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        'build-id': { type: 'string' },
        file: { type: 'string' },
        model: { type: 'string' },
        topic: { type: 'string' },
        url: { type: 'string' },
        'in-process': { type: 'boolean', default: false },
        'dry-run': { type: 'boolean', default: false },
        force: { type: 'boolean', default: false },
        timeout: { type: 'string' },
        'stdin-timeout': { type: 'string' },
        auth: { type: 'boolean', default: false },
        project: { type: 'string' },
        region: { type: 'string' },
        'cloudbuild-endpoint': { type: 'string' },
        'event-topic': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    }));
  } catch (err) {
    return fail(ReplayExit.USAGE, `${(err as Error).message}\n${USAGE}`);
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const targets = [
    values.topic,
    values.url,
    values['in-process'] || undefined,
    values['dry-run'] || undefined,
  ].filter(Boolean);
  if (targets.length !== 1)
    fail(
      ReplayExit.USAGE,
      `choose exactly one of --topic, --url, --in-process, --dry-run\n${USAGE}`,
    );
  if ([values['build-id'], values.file, values.model].filter(Boolean).length > 1)
    fail(ReplayExit.USAGE, 'choose one source: --build-id, --file or --model (or stdin)');
  // A flag, never a message field: whoever can publish to the topic must not skip the guard.
  if (values.force && !values['in-process'])
    fail(ReplayExit.USAGE, `--force works only with --in-process\n${USAGE}`);
  if (!values['build-id'] && !values.file && !values.model && process.stdin.isTTY)
    fail(
      ReplayExit.USAGE,
      `no input: stdin is a terminal; give --build-id, --file or --model, or pipe the JSON in\n${USAGE}`,
    );
  const timeoutMs = seconds('--timeout', values.timeout, 60);
  const stdinTimeoutMs = seconds('--stdin-timeout', values['stdin-timeout'], 10);

  const project = values.project ?? process.env.PROJECT;
  const tokens = googleTokenSource(project === undefined ? {} : { projectId: project });
  let source: ReplaySource;
  if (values['build-id']) {
    if (!project) fail(ReplayExit.USAGE, '--build-id needs --project (or PROJECT)');
    source = {
      kind: 'build-id',
      buildId: values['build-id'],
      project,
      ...(values.region ? { region: values.region } : {}),
      endpoint: (
        values['cloudbuild-endpoint'] ??
        process.env.CLOUDBUILD_API_ENDPOINT ??
        'https://cloudbuild.googleapis.com'
      ).replace(/\/+$/, ''),
    };
  } else if (values.file) source = { kind: 'file', path: values.file };
  else source = { kind: 'stdin' };

  const message = values.model
    ? modelNotification(values.model)
    : await readReplayMessage(source, { tokens, stdinTimeoutMs, requestTimeoutMs: timeoutMs });

  if (values.topic) {
    const id = await publishToTopic(message, topicPath(values.topic, project));
    process.stdout.write(
      JSON.stringify({ published: id, topic: topicPath(values.topic, project) }) + '\n',
    );
    return 0;
  }
  if (values.url) {
    const eventTopic = topicPath(
      values['event-topic'] ?? 'cloud-builds',
      project ?? 'replay-project',
    );
    const idToken = values.auth
      ? await (
          await new GoogleAuth().getIdTokenClient(values.url)
        ).idTokenProvider.fetchIdToken(values.url)
      : undefined;
    const res = await postCloudEvent(values.url, message, eventTopic, { idToken, timeoutMs });
    process.stdout.write(JSON.stringify({ url: values.url, status: res.status }) + '\n');
    // A non-2xx means the function asked for redelivery (or refused the request).
    return res.status >= 200 && res.status < 300 ? 0 : 1;
  }

  const config = loadConfigOrExit(() => readConfig(process.env));
  const logger = createLogger({
    base: { component: 'maskops-replay' },
    write: (l) => process.stderr.write(l + '\n'),
  });
  // With ROLLOUT_STRATEGY=canary an in-process replay starts a canary, as the function would.
  const deps = createDeps({ config, logger, tokenSource: tokens });
  const result = await handleMessage(deps, message, {
    dryRun: values['dry-run'],
    force: values.force,
  });
  const { error: _error, ...printable } = result;
  process.stdout.write(JSON.stringify(printable, null, 2) + '\n');
  return result.ack ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof ReplayError) fail(err.exitCode, `${err.code}: ${err.message}`);
    const code = (err as { code?: unknown }).code;
    fail(
      1,
      `${typeof code === 'string' ? `${code}: ` : ''}${(err as Error).message ?? String(err)}`,
    );
  },
);
