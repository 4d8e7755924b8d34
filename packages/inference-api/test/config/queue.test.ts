import { readConfig } from '../../src/config';
import { refusesEach } from '../helpers/config-refusal';

describe('admission settings (config/queue.ts)', () => {
  refusesEach([
    ['MAX_QUEUE', '1.5'],
    ['MAX_QUEUE_WAIT_MS', '0'],
    ['MAX_QUEUE_WAIT_MS', '1.5'],
    ['MAX_QUEUE_WAIT_MS', 'automatic'],
    ['MAX_QUEUE_WAIT_MS', '-1'],
    ['MAX_QUEUE_WAIT_MS', '30001'],
    ['QUEUE_TARGET_MS', '0'],
    ['QUEUE_TARGET_MS', 'soon'],
    ['QUEUE_TARGET_MS', '15001'],
    ['QUEUE_INTERVAL_MS', '-1'],
    ['QUEUE_INTERVAL_MS', '0.5'],
    ['MAX_INFLIGHT_BYTES', '0'],
    ['MAX_INFLIGHT_BYTES', '1000'],
    ['REQUEST_TIMEOUT_MS', 'soon'],
  ]);

  it('derives MAX_QUEUE_WAIT_MS from REQUEST_TIMEOUT_MS, and no upload budget smaller than one upload', () => {
    expect(readConfig({ MAX_QUEUE_WAIT_MS: 'auto' }).maxQueueWaitMs).toBe(15_000);
    expect(readConfig({ REQUEST_TIMEOUT_MS: '9001' }).maxQueueWaitMs).toBe(4500);
    expect(() => readConfig({ REQUEST_TIMEOUT_MS: '1000', MAX_QUEUE_WAIT_MS: '1001' })).toThrow(
      /MAX_QUEUE_WAIT_MS: must be at most REQUEST_TIMEOUT_MS \(1000\), got 1001/,
    );
    expect(() => readConfig({ MAX_QUEUE_WAIT_MS: '100', QUEUE_TARGET_MS: '101' })).toThrow(
      /QUEUE_TARGET_MS: must be at most MAX_QUEUE_WAIT_MS \(100\), got 101/,
    );
    expect(readConfig({ MAX_IMAGE_BYTES: String(300 * 1024 * 1024) }).maxInflightBytes).toBe(
      300 * 1024 * 1024,
    );
    expect(() => readConfig({ MAX_IMAGE_BYTES: '5000', MAX_INFLIGHT_BYTES: '4999' })).toThrow(
      /MAX_INFLIGHT_BYTES: must be at least MAX_IMAGE_BYTES \(5000\)/,
    );
  });
});
