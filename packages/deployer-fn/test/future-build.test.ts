/**
 * One message with a finish time in the future must never block later deploys
 * (MAX_CLOCK_SKEW_SECONDS, FUTURE_BUILD in the deployer README), and a cluster already blocked
 * by such a key unblocks itself on the next real build.
 */
import { cloudEventBinary, pubsubMessage } from '@maskops/localcloud';
import { Annotation } from '@maskops/shared';
import { digest, OLD_IMAGE, REPO } from './helpers/cloud';
import { deliver, functionSuite } from './helpers/suite';

const FAR_FUTURE = '9999-12-31T23:59:59.999999999Z';
const inSeconds = (s: number): string => new Date(Date.now() + s * 1000).toISOString();

const suite = functionSuite({ ROLLOUT_TIMEOUT_SECONDS: '0' });
const { fn } = suite;
const realBuild = {
  id: 'real-1',
  finishTime: '2026-01-01T00:00:01Z',
  results: { images: [{ name: `${REPO}:r`, digest: digest('2') }] },
};

describe('a finish time beyond MAX_CLOCK_SKEW_SECONDS', () => {
  it('year 9999: acknowledged as FUTURE_BUILD with an ERROR line, nothing deployed, later builds deploy', async () => {
    const f = await fn();
    expect(await deliver(f, { id: 'from-the-future', finishTime: FAR_FUTURE })).toBe(204);
    expect(f.patches()).toBe(0);
    expect(f.logs.at(-1)).toMatchObject({
      severity: 'ERROR',
      outcome: 'ignored',
      reason: 'FUTURE_BUILD',
      buildId: 'from-the-future',
    });
    expect(String(f.logs.at(-1)!.message)).toContain('from-the-future');
    expect(await deliver(f, realBuild)).toBe(204);
    expect(f.image()).toBe(`${REPO}@${digest('2')}`);
  });

  it('an Artifact Registry publishTime far ahead is refused the same way', async () => {
    const f = await fn();
    const ar = pubsubMessage(
      { action: 'INSERT', digest: `${REPO}@${digest('4')}` },
      { publishTime: FAR_FUTURE, messageId: '88' },
    );
    expect(await f.post(cloudEventBinary(ar))).toBe(204);
    expect(f.patches()).toBe(0);
    expect(f.logs.at(-1)).toMatchObject({ reason: 'FUTURE_BUILD', severity: 'ERROR' });
  });

  it('the limit follows MAX_CLOCK_SKEW_SECONDS: within it deploys, beyond it does not', async () => {
    const f = await fn({ env: { MAX_CLOCK_SKEW_SECONDS: '3600' } });
    expect(await deliver(f, { id: 'ahead-7200', finishTime: inSeconds(7200) })).toBe(204);
    expect(f.logs.at(-1)).toMatchObject({ reason: 'FUTURE_BUILD' });
    expect(await deliver(f, { id: 'ahead-600', finishTime: inSeconds(600) })).toBe(204);
    expect(f.logs.at(-1)).toMatchObject({ outcome: 'patched', buildId: 'ahead-600' });
  });
});

describe('a deployed key already too far ahead (a cluster blocked today)', () => {
  it('is treated as absent with a WARNING line: the next real build deploys and replaces the key', async () => {
    const f = await fn({
      annotations: {
        [Annotation.BUILD_ID]: 'from-the-future',
        [Annotation.FINISH_TIME]: FAR_FUTURE,
      },
    });
    expect(await deliver(f, realBuild)).toBe(204);
    expect(f.image()).toBe(`${REPO}@${digest('2')}`);
    const [warning, decision] = f.logs.slice(-2);
    expect(warning).toMatchObject({
      severity: 'WARNING',
      distrustedFinishTime: FAR_FUTURE,
      buildId: 'real-1',
    });
    expect(String(warning.message)).toContain('MAX_CLOCK_SKEW_SECONDS');
    expect(decision).toMatchObject({ outcome: 'patched', buildId: 'real-1' });
    expect(f.deployment().metadata.annotations![Annotation.FINISH_TIME]).toBe(
      '2026-01-01T00:00:01.000000000Z',
    );
  });

  it('a key within the skew is still trusted: an older build stays stale', async () => {
    const f = await fn({
      annotations: { [Annotation.BUILD_ID]: 'recent', [Annotation.FINISH_TIME]: inSeconds(60) },
    });
    expect(await deliver(f, realBuild)).toBe(204);
    expect(f.image()).toBe(OLD_IMAGE);
    expect(f.logs.at(-1)).toMatchObject({ outcome: 'stale' });
    expect(f.logs.filter((l) => l.severity === 'WARNING')).toHaveLength(0);
  });
});
