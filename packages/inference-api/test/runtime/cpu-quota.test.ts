import { mkdtempSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { containerCpus } from '../../src/runtime/cpu-quota';

function files(contents: { cpuMax?: string; quota?: string; period?: string }) {
  const dir = mkdtempSync(join(tmpdir(), 'cpu-quota-'));
  const write = (name: string, text?: string) => {
    if (text !== undefined) writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  return {
    cpuMax: write('cpu.max', contents.cpuMax),
    cfsQuota: write('cfs_quota_us', contents.quota),
    cfsPeriod: write('cfs_period_us', contents.period),
  };
}

const host = availableParallelism();

describe('containerCpus', () => {
  it('follows a cgroup v2 quota, rounded up, at least 1, never above the host', () => {
    expect(containerCpus(files({ cpuMax: '100000 100000\n' }))).toBe(1);
    expect(containerCpus(files({ cpuMax: '50000 100000\n' }))).toBe(1);
    expect(containerCpus(files({ cpuMax: '150000 100000\n' }))).toBe(Math.min(2, host));
    expect(containerCpus(files({ cpuMax: '6400000 100000\n' }))).toBe(host);
  });

  it('falls back to cgroup v1 cfs quota and period', () => {
    expect(containerCpus(files({ quota: '100000', period: '100000' }))).toBe(1);
    expect(containerCpus(files({ quota: '-1', period: '100000' }))).toBe(host);
  });

  it('uses the host CPUs when there is no quota or no cgroup file', () => {
    expect(containerCpus(files({ cpuMax: 'max 100000\n' }))).toBe(host);
    expect(containerCpus(files({}))).toBe(host);
  });
});
