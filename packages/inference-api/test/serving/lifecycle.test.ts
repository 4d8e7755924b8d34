import { Lifecycle } from '../../src/serving/lifecycle';
import { GatedEngine } from '../fixtures/gated-engine';

describe('Lifecycle', () => {
  it('is starting until the engine resolves, then ready', async () => {
    let resolve!: (e: GatedEngine) => void;
    const l = new Lifecycle(new Promise<GatedEngine>((r) => (resolve = r)));
    expect(l.phase).toBe('starting');
    expect(() => l.engine()).toThrow(expect.objectContaining({ code: 'NOT_READY' }));
    const engine = new GatedEngine(false);
    resolve(engine);
    await l.settled;
    expect(l.phase).toBe('ready');
    expect(l.engine()).toBe(engine);
  });

  it('keeps serving while draining and closing, not after a failure', async () => {
    const engine = new GatedEngine(false);
    const l = new Lifecycle(engine);
    await l.settled;
    l.drain();
    expect([l.phase, l.ready, l.engine()]).toEqual(['draining', false, engine]);
    l.close();
    expect(l.phase).toBe('closing');
    l.fail(new Error('worker died'));
    expect(l.phase).toBe('failed');
    expect(() => l.engine()).toThrow(expect.objectContaining({ code: 'NOT_READY' }));
    l.drain();
    expect(l.phase).toBe('failed');
  });

  it('a drain that starts during loading is not undone when the engine arrives', async () => {
    let resolve!: (e: GatedEngine) => void;
    const l = new Lifecycle(new Promise<GatedEngine>((r) => (resolve = r)));
    l.drain();
    resolve(new GatedEngine(false));
    await l.settled;
    expect(l.phase).toBe('draining');
  });

  it('records a load failure', async () => {
    const l = new Lifecycle(Promise.reject(new Error('no model')));
    await l.settled;
    expect(l.phase).toBe('failed');
    expect(l.loadError).toEqual(new Error('no model'));
  });
});
