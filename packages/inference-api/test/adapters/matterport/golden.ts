import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Written by fixtures/make-matterport-golden.py with numpy 1.24 / skimage 0.19.3. */
export interface MatterportGolden {
  resize: Array<{
    height: number;
    width: number;
    mode: 'square' | 'pad64' | 'none';
    minDim: number;
    scale: number;
    out: [number, number];
    window: [number, number, number, number];
    padding: [[number, number], [number, number], [number, number]];
  }>;
  anchors: Array<{
    shape: [number, number];
    count: number;
    sampleIndex: number[];
    sample: string;
    sum: number;
  }>;
  unmold: {
    originalShape: [number, number];
    imageShape: [number, number];
    window: [number, number, number, number];
    numClasses: number;
    rows: number;
    maskHeight: number;
    maskWidth: number;
    detections: string;
    masks: string;
    instances: Array<{
      classId: number;
      score: number;
      box: [number, number, number, number];
      mask: string;
    }>;
  };
}

export const golden = JSON.parse(
  readFileSync(join(__dirname, 'fixtures', 'matterport-golden.json'), 'utf8'),
) as MatterportGolden;
