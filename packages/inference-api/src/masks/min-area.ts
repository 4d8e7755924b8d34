import type { Instance } from '../inference/types';
import { countsArea, countsFromString } from './rle-codec';

/**
 * The smallest mask, in pixels of the answered image, an instance of a demo model may
 * have (README, "What an answer holds"). Below it a detection is a speck of noise or a
 * box whose mask came out empty, whatever the model scored it: such instances are never
 * answered. Real models are answered as they are, so they match their reference outputs.
 */
export const MIN_INSTANCE_AREA = 16;

/** The instances whose mask covers at least MIN_INSTANCE_AREA pixels, in their order. */
export function dropSpecks<T extends Pick<Instance, 'mask'>>(instances: readonly T[]): T[] {
  return instances.filter((i) => countsArea(countsFromString(i.mask.counts)) >= MIN_INSTANCE_AREA);
}
