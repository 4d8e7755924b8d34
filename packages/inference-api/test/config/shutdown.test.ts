import { readConfig } from '../../src/config';
import { refusesEach } from '../helpers/config-refusal';

describe('shutdown settings (config/shutdown.ts)', () => {
  refusesEach([
    ['SHUTDOWN_GRACE_MS', '-1'],
    ['SHUTDOWN_DELAY_MS', 'soon'],
  ]);

  it('waits for no load balancer unless told to (the manifest sets its own delay)', () => {
    expect(readConfig({ SHUTDOWN_GRACE_MS: '1000' }).shutdownDelayMs).toBe(0);
    expect(readConfig({ SHUTDOWN_DELAY_MS: '400' }).shutdownDelayMs).toBe(400);
  });

  it('refuses a drain delay that is not shorter than the grace', () => {
    expect(() => readConfig({ SHUTDOWN_GRACE_MS: '1000', SHUTDOWN_DELAY_MS: '1000' })).toThrow(
      /SHUTDOWN_DELAY_MS: must be less than SHUTDOWN_GRACE_MS/,
    );
  });
});
