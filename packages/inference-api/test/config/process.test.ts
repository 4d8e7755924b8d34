import { readConfig } from '../../src/config';
import { refusesEach } from '../helpers/config-refusal';

describe('process settings (config/process.ts)', () => {
  refusesEach([
    ['LOG_LEVEL', 'verbose'],
    ['MASKOPS_TRACK', 'blue'],
  ]);

  it('takes MASKOPS_TRACK stable or canary only', () => {
    expect(readConfig({ MASKOPS_TRACK: 'canary' }).track).toBe('canary');
    expect(() => readConfig({ MASKOPS_TRACK: 'blue' })).toThrow(
      /MASKOPS_TRACK: must be one of stable, canary, got "blue"/,
    );
  });
});
