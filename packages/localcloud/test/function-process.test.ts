import { join } from 'node:path';
import { FunctionProcess, SignatureType } from '../src/function-process';

const sourceDir = join(__dirname, 'fixtures', 'logging-function');

describe('FunctionProcess', () => {
  it('waits for the function to listen without sending it a request', async () => {
    const fn = await FunctionProcess.start({
      sourceDir,
      target: 'logRequests',
      signatureType: SignatureType.HTTP,
      env: {},
    });
    try {
      // Started and listening, yet the probe reached no handler (it would log a line).
      expect(fn.stdout()).not.toContain('request ');
      const r = await fetch(`${fn.url}hello`, { method: 'POST' });
      expect(r.status).toBe(204);
      await fn.stop();
      expect(fn.stdout()).toContain('request POST /hello');
    } finally {
      await fn.stop();
    }
  });
});
