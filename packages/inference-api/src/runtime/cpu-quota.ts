import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/** Where the kernel exposes this container's CPU limit (tests point these elsewhere). */
export interface CgroupFiles {
  /** cgroup v2: "max 100000" or "150000 100000" (quota period, µs). */
  cpuMax: string;
  /** cgroup v1: cpu.cfs_quota_us (-1 = none) and cpu.cfs_period_us. */
  cfsQuota: string;
  cfsPeriod: string;
}

const DEFAULT_CGROUP_FILES: CgroupFiles = {
  cpuMax: '/sys/fs/cgroup/cpu.max',
  cfsQuota: '/sys/fs/cgroup/cpu/cpu.cfs_quota_us',
  cfsPeriod: '/sys/fs/cgroup/cpu/cpu.cfs_period_us',
};

/**
 * The CPUs this process may really use: the cgroup CPU quota (rounded up, so
 * 1.5 CPUs → 2 threads that each get most of a core), capped by the CPUs it is
 * scheduled on, at least 1. Why not just availableParallelism(): in a pod with a
 * 1-CPU limit on a 16-core node it says 16, and 16 ONNX Runtime threads sharing
 * one CPU of quota are throttled into being slower than one.
 */
export function containerCpus(files: CgroupFiles = DEFAULT_CGROUP_FILES): number {
  const host = Math.max(1, availableParallelism());
  const quota = cgroupV2Quota(files.cpuMax) ?? cgroupV1Quota(files.cfsQuota, files.cfsPeriod);
  if (quota === undefined) return host;
  return Math.max(1, Math.min(host, Math.ceil(quota - 1e-9)));
}

function cgroupV2Quota(path: string): number | undefined {
  const text = readOrUndefined(path);
  if (text === undefined) return undefined;
  const [quota, period] = text.trim().split(/\s+/);
  return ratio(quota, period);
}

function cgroupV1Quota(quotaPath: string, periodPath: string): number | undefined {
  const quota = readOrUndefined(quotaPath)?.trim();
  const period = readOrUndefined(periodPath)?.trim();
  return ratio(quota, period);
}

/** quota/period in CPUs; undefined for "max", -1 or anything unreadable (no limit). */
function ratio(quota: string | undefined, period: string | undefined): number | undefined {
  if (!quota || !period || !/^\d+$/.test(quota) || !/^\d+$/.test(period)) return undefined;
  const q = Number(quota);
  const p = Number(period);
  return q > 0 && p > 0 ? q / p : undefined;
}

function readOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
