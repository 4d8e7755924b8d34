import type { DeployCandidate, LogFields, PubsubMessage } from '@maskops/shared';
import { decodeBuildMessage, normalizeTimestamp } from '@maskops/shared';
import type { Decision, HandleResult } from './decision';
import { decisionLog } from './decision';
import { isBeyond, latestTrustedTime } from './deploy/clock-skew';
import type { PatchPlan, PlanOptions } from './deploy/plan-patch';
import type { Deps } from './deps';
import { Outcome } from './outcome';
import type { StorageDecode } from './model/storage-event';
import { decodeStorageNotification } from './model/storage-event';
import type { HandleOptions } from './rollout/act';
import { act } from './rollout/act';
import { MODEL_SOURCE, modelCandidate } from './rollout/candidate';

/**
 * decode → decide → act for one Pub/Sub message, with exactly one log line
 * for the decision. Never throws: transient failures come back with ack=false.
 * A bucket's notification is a model event (handleStorageEvent); anything
 * else a build message.
 */
export async function handleMessage(
  deps: Deps,
  message: PubsubMessage,
  options: HandleOptions = {},
): Promise<HandleResult> {
  const start = deps.now();
  const { config, logger } = deps;
  const base: LogFields = {
    deployment: `${config.namespace}/${config.deployment}`,
    ...(message.messageId === undefined ? {} : { messageId: message.messageId }),
    ...options.logFields,
  };
  const storage = decodeStorageNotification(message, config.modelBucket);
  if (storage.kind !== 'not-storage') {
    return handleStorageEvent(deps, storage, { ...options, logFields: base }, start);
  }
  const log = decisionLog(deps, start, base);

  const decoded = decodeBuildMessage(message, { repository: config.image });
  if (decoded.kind === 'ignore') {
    const i = decoded.ignored;
    return log(
      {
        outcome: Outcome.IGNORED,
        reason: i.reason,
        text: `ignored: ${i.detail}`,
        fields: {
          ...(i.source === undefined ? {} : { source: i.source }),
          ...(i.status === undefined ? {} : { status: i.status }),
        },
      },
      i.buildId === undefined ? {} : { buildId: i.buildId },
    );
  }
  const candidate = decoded.candidate;
  const about = { buildId: candidate.buildId, image: candidate.image };
  const fields = candidateFields(candidate);
  const withFields = (d: Decision): HandleResult =>
    log({ ...d, fields: { ...fields, ...d.fields } }, about);
  const latestTrusted = latestTrustedTime(start, config.maxClockSkewSeconds);
  if (isBeyond(candidate.finishTime, latestTrusted)) {
    // Acknowledged (redelivery cannot fix the timestamp) but loud: a real build was lost.
    return withFields({
      outcome: Outcome.IGNORED,
      reason: 'FUTURE_BUILD',
      severity: 'ERROR',
      text:
        `ignored: build ${candidate.buildId} finished at ${candidate.finishTime}, more than ` +
        `MAX_CLOCK_SKEW_SECONDS=${config.maxClockSkewSeconds} ahead of this clock`,
    });
  }
  const planOptions: PlanOptions = {
    latestTrusted,
    ...(options.force ? { force: { at: new Date(start).toISOString() } } : {}),
  };
  const warnDistrusted = (plan: PatchPlan): void => {
    if (plan.distrustedFinishTime === undefined) return;
    logger.warn(
      `deployed build-finish-time ${plan.distrustedFinishTime} is more than ` +
        `MAX_CLOCK_SKEW_SECONDS=${config.maxClockSkewSeconds} in the future; treated as absent`,
      { ...base, buildId: candidate.buildId, distrustedFinishTime: plan.distrustedFinishTime },
    );
  };
  return act(deps, options, planOptions, () => candidate, withFields, warnDistrusted);
}

/**
 * A Cloud Storage event, from a bucket's Pub/Sub notification or Eventarc:
 * the finalize of a `maskops-model.json` under MODEL_BUCKET rolls that model
 * out through the same lifecycle as a build; anything else is one INFO line.
 */
export async function handleStorageEvent(
  deps: Deps,
  decoded: Exclude<StorageDecode, { kind: 'not-storage' }>,
  options: HandleOptions = {},
  start = deps.now(),
): Promise<HandleResult> {
  const { config } = deps;
  const log = decisionLog(deps, start, {
    deployment: `${config.namespace}/${config.deployment}`,
    ...options.logFields,
  });
  if (decoded.kind === 'ignore') {
    return log({
      outcome: Outcome.IGNORED,
      reason: decoded.reason,
      text: `ignored: ${decoded.detail}`,
      fields: { source: MODEL_SOURCE },
    });
  }
  const { model } = decoded;
  const fields: LogFields = {
    source: MODEL_SOURCE,
    form: model.form,
    model: model.uri,
    generation: model.generation,
  };
  const at = new Date(start).toISOString();
  const planOptions: PlanOptions = options.force ? { force: { at } } : {};
  return act(
    deps,
    options,
    planOptions,
    (stable) => modelCandidate(model, stable, config, normalizeTimestamp(at) ?? at),
    (d, c) =>
      log(
        { ...d, fields: { ...fields, ...d.fields } },
        c === undefined
          ? { buildId: `model-${model.generation}` }
          : { buildId: c.buildId, image: c.image },
      ),
  );
}

function candidateFields(c: DeployCandidate): LogFields {
  return {
    source: c.source,
    finishTime: c.finishTime,
    ...(c.commitSha === undefined ? {} : { commitSha: c.commitSha }),
    ...(c.digest === undefined ? {} : { digest: c.digest }),
  };
}
