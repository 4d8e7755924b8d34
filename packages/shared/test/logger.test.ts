import { createLogger, createMemoryLogger, Severity } from '../src/logger';
import { describeError, MaskopsError } from '../src/errors';

describe('logger', () => {
  it('writes Cloud Logging shaped JSON lines', () => {
    const lines: string[] = [];
    const log = createLogger({ write: (l) => lines.push(l), base: { service: 'x' } });
    log.child({ buildId: 'b1' }).info('deployed', { image: 'gcr.io/p/a@sha256:1' });
    const entry = JSON.parse(lines[0]) as Record<string, unknown>;
    expect(entry).toMatchObject({
      severity: 'INFO',
      message: 'deployed',
      service: 'x',
      buildId: 'b1',
      image: 'gcr.io/p/a@sha256:1',
    });
    expect(typeof entry.time).toBe('string');
  });
  it('never writes tokens or certificates', () => {
    const log = createMemoryLogger();
    log.warn('cluster', {
      accessToken: 'ya29.secret',
      nested: { caData: 'PEM', Authorization: 'Bearer x' },
      ok: 1,
    });
    const text = JSON.stringify(log.lines);
    expect(text).not.toMatch(/ya29|PEM|Bearer/);
    expect(log.lines[0]).toMatchObject({ ok: 1, accessToken: '[redacted]' });
  });
  it('filters below the minimum severity', () => {
    const lines: string[] = [];
    const log = createLogger({ write: (l) => lines.push(l), minSeverity: Severity.WARNING });
    log.info('hidden');
    log.error('shown', { err: new Error('boom') });
    expect(lines).toHaveLength(1);
    expect((JSON.parse(lines[0]) as { err: unknown }).err).toEqual({
      name: 'Error',
      message: 'boom',
    });
  });
});

describe('MaskopsError', () => {
  it('carries code, cause and details', () => {
    const cause = new Error('root');
    const err = new MaskopsError('X_FAILED', 'x failed', { cause, details: { a: 1 } });
    expect(err.code).toBe('X_FAILED');
    expect(err.cause).toBe(cause);
    expect(err.details).toEqual({ a: 1 });
    expect(err.name).toBe('MaskopsError');
    expect(describeError(err)).toBe('MaskopsError: x failed');
    expect(describeError('str')).toBe('str');
  });
});
