import { readConfig } from '../../src/config';
import { refusesEach } from '../helpers/config-refusal';

describe('server settings (config/server.ts)', () => {
  refusesEach([
    ['PORT', '70000'],
    ['PORT', 'http'],
    ['METRICS_PORT', '8080'],
    ['METRICS_PORT', '70000'],
    ['METRICS_PORT', 'metrics'],
  ]);

  it('reads METRICS_PORT as a port other than PORT (0 is any free port)', () => {
    expect(readConfig({ METRICS_PORT: '9090' }).metricsPort).toBe(9090);
    expect(readConfig({ PORT: '0', METRICS_PORT: '0' }).metricsPort).toBe(0);
    expect(() => readConfig({ PORT: '9000', METRICS_PORT: '9000' })).toThrow(
      /METRICS_PORT: must differ from PORT \(9000\)/,
    );
  });
});
