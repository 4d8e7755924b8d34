import { fitsTorchvision, unknownOnnxContract } from '../../../src/adapters/torchvision/contract';

const torchvision = {
  inputs: [{ name: 'images', dtype: 'float32', shape: [3, -1, -1] }],
  outputs: [
    { name: 'boxes', dtype: 'float32', shape: [-1, 4] },
    { name: 'labels', dtype: 'int64', shape: [-1] },
    { name: 'scores', dtype: 'float32', shape: [-1] },
    { name: 'masks', dtype: 'float32', shape: [-1, 1, -1, -1] },
  ],
};

describe('torchvision ONNX contract', () => {
  it('recognises the export by names, dtypes and ranks', () => {
    expect(fitsTorchvision(torchvision)).toBe(true);
  });

  it.each([
    ['a batched input', { inputs: [{ name: 'images', dtype: 'float32', shape: [1, 3, -1, -1] }] }],
    ['uint8 pixels', { inputs: [{ name: 'images', dtype: 'uint8', shape: [3, -1, -1] }] }],
    [
      'float labels',
      {
        outputs: torchvision.outputs.map((o) =>
          o.name === 'labels' ? { ...o, dtype: 'float32' } : o,
        ),
      },
    ],
    ['no masks (Faster R-CNN)', { outputs: torchvision.outputs.slice(0, 3) }],
  ])('refuses %s', (_, change) => {
    expect(fitsTorchvision({ ...torchvision, ...change })).toBe(false);
  });

  it('names every tensor found and the contracts supported in one line', () => {
    const err = unknownOnnxContract({
      inputs: [{ name: 'input', dtype: 'float32', shape: [1, 3, 224, -1] }],
      outputs: [{ name: 'logits', dtype: 'float32', shape: [1, 1000] }],
    });
    expect(err.code).toBe('MODEL_INVALID');
    expect(err.message).toBe(
      'the ONNX graph fits no supported contract: inputs found: input float32 [1,3,224,?]; ' +
        'outputs found: logits float32 [1,1000]; supported: torchvision (input images float32 ' +
        '[3,H,W]; outputs boxes float32 [N,4], labels int64 [N], scores float32 [N], masks ' +
        'float32 [N,1,H,W] or [N,1,M,M])',
    );
    expect(err.message).not.toContain('\n');
  });
});
