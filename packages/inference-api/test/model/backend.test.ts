import * as tf from '@tensorflow/tfjs';
import { createMemoryLogger } from '@maskops/shared';
import { ErrorCode } from '../../src/errors';
import { selectBackend } from '../../src/model/backend';
import { tfjsNodeInstalled } from './tfjs-node-installed';

describe('selectBackend', () => {
  it('runs the forced cpu backend', async () => {
    await expect(selectBackend('cpu')).resolves.toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(await tf.add(tf.scalar(2), tf.scalar(3)).data()).toEqual(new Float32Array([5]));
  });

  it('runs the forced wasm backend from the package files', async () => {
    await expect(selectBackend('wasm')).resolves.toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    const product = tf.matMul(tf.ones([2, 3]), tf.ones([3, 2]));
    expect(Array.from(await product.data())).toEqual([3, 3, 3, 3]);
  });

  it('picks the best available backend and logs it', async () => {
    const logger = createMemoryLogger();
    const expected = tfjsNodeInstalled() ? 'tensorflow' : 'wasm';
    await expect(selectBackend(undefined, logger)).resolves.toBe(expected);
    expect(tf.getBackend()).toBe(expected);
    expect(logger.lines).toContainEqual(
      expect.objectContaining({ message: `TF.js backend: ${expected}`, backend: expected }),
    );
  });

  (tfjsNodeInstalled() ? it.skip : it)(
    'fails clearly when tensorflow is forced but tfjs-node is absent',
    async () => {
      await expect(selectBackend('tensorflow')).rejects.toMatchObject({
        code: ErrorCode.MODEL_INVALID,
        message: expect.stringMatching(
          /TFJS_BACKEND=tensorflow could not be initialised: .*@tensorflow\/tfjs-node/,
        ),
      });
    },
  );
});
