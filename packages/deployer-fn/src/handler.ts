import type { DeployCandidate, LogFields, PubsubMessage } from '@maskops/shared';
import { decodeBuildMessage, describeError } from '@maskops/shared';
import { asCanaryDeps } from './canary/canary-deps';
import type { CanaryDecision } from './canary/canary-result';
import { canaryPlan, precheck, startCanary } from './canary/canary-start';
import { applyCandidate } from './deploy/apply-patch';
import type { DeployDeps } from './deploy/deps';
import { isBeyond, latestTrustedTime } from './deploy/clock-skew';
import type { PatchPlan, PlanOptions } from './deploy/plan-patch';
import { planPatch } from './deploy/plan-patch';
import { rollback } from './deploy/rollback';
import { watchRollout } from './deploy/watch-rollout';
import type { HandleResult } from './decision-log';
import { decisionLog, failureOf } from './decision-log';
import { Outcome } from './outcome';

export interface HandleOptions {
  /** Read and plan only: the result carries the patch, nothing is written. */
  readonly dryRun?: boolean;
  /** Extra fields for the decision log line (event id, envelope shape …). */
  readonly logFields?: LogFields;
  /**
   * Deploy even if the build is older than the deployed one (recorded in the
   * annotations). Only `maskops-replay --in-process --force` sets this; nothing
   * in a message can, or anyone able to publish to the topic could skip the guard.
   */
  readonly force?: boolean;
}

/**
 * decode → decide → act for one Pub/Sub message, with exactly one log line
 * for the decision. Never throws: transient failures come back with ack=false.
 */
export async function handleMessage(
  deps: DeployDeps,
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
  const finish = decisionLog(deps, start, base);

  const decision = decodeBuildMessage(message, { repository: config.image });
  if (decision.kind === 'ignore') {
    const i = decision.ignored;
    return finish(
      {
        outcome: Outcome.IGNORED,
        ack: true,
        reason: i.reason,
        ...(i.buildId === undefined ? {} : { buildId: i.buildId }),
      },
      `ignored: ${i.detail}`,
      {
        ...(i.source === undefined ? {} : { source: i.source }),
        ...(i.status === undefined ? {} : { status: i.status }),
      },
    );
  }
  const candidate = decision.candidate;
  const about = { buildId: candidate.buildId, image: candidate.image };
  const fields = candidateFields(candidate);
  const latestTrusted = latestTrustedTime(start, config.maxClockSkewSeconds);
  if (isBeyond(candidate.finishTime, latestTrusted)) {
    // Acknowledged (redelivery cannot fix the timestamp) but loud: a real build was lost.
    return finish(
      { outcome: Outcome.IGNORED, ack: true, reason: 'FUTURE_BUILD', ...about },
      `ignored: build ${candidate.buildId} finished at ${candidate.finishTime}, more than ` +
        `MAX_CLOCK_SKEW_SECONDS=${config.maxClockSkewSeconds} ahead of this clock`,
      fields,
      'ERROR',
    );
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

  const decided = (d: CanaryDecision, extra: Partial<HandleResult> = {}): HandleResult =>
    finish(
      {
        outcome: d.outcome,
        ack: true,
        ...(d.reason === undefined ? {} : { reason: d.reason }),
        ...about,
        ...(d.previousImage === undefined ? {} : { previousImage: d.previousImage }),
        ...extra,
      },
      d.text,
      { ...fields, ...d.fields },
      d.severity,
    );

  try {
    if (config.canary !== undefined) {
      if (!options.dryRun) {
        return decided(await startCanary(asCanaryDeps(deps), candidate, planOptions));
      }
      const stable = await deps.api.read(config.namespace, config.deployment);
      const early = precheck(deps, stable, candidate, planOptions);
      if (early) return decided({ ...early, outcome: Outcome.DRY_RUN });
      const plan = canaryPlan(config.canary, config.deployment, stable, candidate);
      return decided(
        {
          outcome: Outcome.DRY_RUN,
          text: `dry run: would start a canary of ${candidate.image} on ${plan.canaryDeployment}`,
          fields: { canaryPlan: plan },
        },
        { canaryPlan: plan },
      );
    }
    if (options.dryRun) {
      const plan = planPatch(
        await deps.api.read(config.namespace, config.deployment),
        candidate,
        config,
        planOptions,
      );
      warnDistrusted(plan);
      return plan.action === 'skip'
        ? finish(
            { outcome: Outcome.DRY_RUN, ack: true, reason: plan.outcome, ...about },
            `dry run: ${plan.reason}`,
            fields,
          )
        : finish(
            {
              outcome: Outcome.DRY_RUN,
              ack: true,
              ...about,
              previousImage: plan.previousImage,
              patch: plan.patch,
            },
            `dry run: would deploy ${candidate.image}`,
            fields,
          );
    }

    const patchStart = deps.now();
    const applied = await applyCandidate(deps, candidate, planOptions);
    const patchMs = deps.now() - patchStart;
    warnDistrusted(applied.plan);
    if (applied.kind === 'skipped') {
      const outcome = applied.plan.outcome;
      return finish(
        { outcome, ack: true, reason: applied.plan.reason, ...about, durations: { patchMs } },
        `${outcome}: ${applied.plan.reason}`,
        {
          ...fields,
          ...(applied.plan.deployedBuildId === undefined
            ? {}
            : { deployedBuildId: applied.plan.deployedBuildId }),
        },
      );
    }
    const { plan } = applied;
    const patched = { ...about, previousImage: plan.previousImage, patch: plan.patch };
    const patchedFields = {
      ...fields,
      container: plan.container,
      attempts: applied.attempts,
      ...(plan.forced ? { forced: true } : {}),
    };
    if (config.rolloutTimeoutSeconds === 0) {
      return finish(
        { outcome: Outcome.PATCHED, ack: true, ...patched, durations: { patchMs } },
        `patched ${plan.container} to ${candidate.image} (rollout not watched)`,
        patchedFields,
      );
    }

    const generation = applied.after.metadata?.generation ?? 0;
    const rollout = await watchRollout(deps, generation, config.rolloutTimeoutSeconds, {
      container: plan.container,
      image: plan.image,
    });
    const rolloutMs = rollout.elapsedMs;
    if (rollout.status === 'superseded') {
      return finish(
        {
          outcome: Outcome.SUPERSEDED,
          ack: true,
          reason: `now running ${rollout.currentImage}`,
          ...patched,
          durations: { patchMs, rolloutMs },
        },
        `deploy of ${candidate.image} superseded by ${rollout.currentImage} during the rollout`,
        patchedFields,
      );
    }
    if (rollout.status === 'complete') {
      return finish(
        { outcome: Outcome.DEPLOYED, ack: true, ...patched, durations: { patchMs, rolloutMs } },
        `deployed ${candidate.image}`,
        patchedFields,
      );
    }
    // A failed rollout is acknowledged: redelivering the same build would fail the same way.
    const reason = `${rollout.reason}: ${rollout.message}`;
    const failed = (outcome: Outcome, text: string, extra: LogFields = {}): HandleResult =>
      finish(
        { outcome, ack: true, reason, ...patched, durations: { patchMs, rolloutMs } },
        `rollout of ${candidate.image} failed${text}`,
        { ...patchedFields, ...extra },
      );
    if (!config.rollbackOnFailure) {
      return failed(Outcome.ROLLOUT_FAILED, '; ROLLBACK_ON_FAILURE is off');
    }
    let undo;
    try {
      undo = await rollback(deps, plan, candidate, reason);
    } catch (err) {
      // Still acknowledged: a redelivery finds the build recorded and does nothing.
      return failed(Outcome.ROLLOUT_FAILED, ` and the rollback failed: ${describeError(err)}`, {
        rollback: 'failed',
      });
    }
    if (undo.status === 'rolled-back') {
      return failed(Outcome.ROLLED_BACK, `; rolled back to ${undo.image}`, { rollback: 'done' });
    }
    const why = undo.status === 'superseded' ? `superseded by ${undo.currentImage}` : undo.message;
    return failed(Outcome.ROLLOUT_FAILED, `; not rolled back (${why})`, {
      rollback: undo.status,
    });
  } catch (err) {
    const failure = failureOf(err);
    return finish({ ...failure.result, ...about }, failure.text(''), fields);
  }
}

function candidateFields(c: DeployCandidate): LogFields {
  return {
    source: c.source,
    finishTime: c.finishTime,
    ...(c.commitSha === undefined ? {} : { commitSha: c.commitSha }),
    ...(c.digest === undefined ? {} : { digest: c.digest }),
  };
}
