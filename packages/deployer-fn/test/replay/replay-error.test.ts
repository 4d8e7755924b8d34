import { ReplayExit } from '../../src/replay/exit-codes';
import { REPLAY_EXIT, ReplayErrorCode } from '../../src/replay/replay-error';
import { ReplayError, replayError } from '../../src/replay/replay-error';

describe('ReplayError', () => {
  it('takes its exit code from the one table, for every code', () => {
    for (const code of Object.values(ReplayErrorCode)) {
      expect(new ReplayError(code, 'x').exitCode).toBe(REPLAY_EXIT[code]);
    }
  });

  it.each([
    [replayError.stdinTimeout(500), 'REPLAY_STDIN_TIMEOUT', ReplayExit.STDIN_TIMEOUT],
    [replayError.timeout('http://h', 1000), 'REPLAY_TIMEOUT', ReplayExit.REQUEST_TIMEOUT],
    [replayError.urlUnreachable('http://h', new Error('refused')), 'REPLAY_URL_UNREACHABLE', 1],
    [replayError.publishFailed('projects/p/topics/t', 'no'), 'REPLAY_PUBLISH_FAILED', 1],
    [replayError.inputEmpty('stdin'), 'REPLAY_INPUT_EMPTY', ReplayExit.USAGE],
    [replayError.cloudBuildError(404, 'b', '', 'nope'), 'CLOUD_BUILD_ERROR', ReplayExit.USAGE],
  ])('%#: a factory sets code %s and exit %s', (err, code, exit) => {
    expect(err).toBeInstanceOf(ReplayError);
    expect(err.code).toBe(code);
    expect(err.exitCode).toBe(exit);
  });

  it('keeps the cause of a failed call for logs, its message for people', () => {
    const cause = new Error('ECONNREFUSED');
    const err = replayError.cloudBuildUnreachable('http://cb', cause);
    expect(err.message).toBe('cannot reach http://cb: ECONNREFUSED');
    expect(err.cause).toBe(cause);
  });
});
