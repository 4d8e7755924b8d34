import { createHash } from 'node:crypto';
import { isObj } from '@maskops/shared';

interface Condition {
  type: string;
  status: 'True' | 'False';
  reason: string;
  message: string;
  lastUpdateTime: string;
  lastTransitionTime: string;
}

export interface Progress {
  observedGeneration: number;
  desired: number;
  updated: number;
  newReady: number;
  oldRemaining: number;
  progressing: { status: 'True' | 'False'; reason: string; message: string };
}

export function templateHash(template: unknown): string {
  return createHash('sha256').update(JSON.stringify(template)).digest('hex').slice(0, 10);
}

function now(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}

function condition(
  previous: unknown,
  type: string,
  status: 'True' | 'False',
  reason: string,
  message: string,
): Condition {
  const old = Array.isArray(previous)
    ? (previous.find((c) => isObj(c) && c.type === type) as Condition | undefined)
    : undefined;
  const time = now();
  const transitioned = !old || old.status !== status;
  return {
    type,
    status,
    reason,
    message,
    lastUpdateTime: time,
    lastTransitionTime: transitioned ? time : old.lastTransitionTime,
  };
}

/**
 * Deployment status as the deployment controller reports it. Zero counts are left out, as the
 * API server's JSON does (omitempty), so clients must treat a missing count as 0.
 */
export function buildStatus(
  p: Progress,
  previous: Record<string, unknown> | undefined,
): Record<string, unknown> {
  const replicas = p.updated + p.oldRemaining;
  const available = p.newReady + p.oldRemaining;
  const unavailable = Math.max(0, Math.max(p.desired, replicas) - available);
  // Default RollingUpdate maxUnavailable is 25%, rounded down.
  const minimum = p.desired - Math.floor(p.desired * 0.25);
  const availableCondition =
    available >= minimum
      ? condition(
          previous?.conditions,
          'Available',
          'True',
          'MinimumReplicasAvailable',
          'Deployment has minimum availability.',
        )
      : condition(
          previous?.conditions,
          'Available',
          'False',
          'MinimumReplicasUnavailable',
          'Deployment does not have minimum availability.',
        );
  const { status, reason, message } = p.progressing;
  const status_: Record<string, unknown> = { observedGeneration: p.observedGeneration };
  const counts: Array<[string, number]> = [
    ['replicas', replicas],
    ['updatedReplicas', p.updated],
    ['readyReplicas', available],
    ['availableReplicas', available],
    ['unavailableReplicas', unavailable],
  ];
  for (const [field, value] of counts) if (value > 0) status_[field] = value;
  status_.conditions = [
    availableCondition,
    condition(previous?.conditions, 'Progressing', status, reason, message),
  ];
  return status_;
}
