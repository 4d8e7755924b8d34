import { refusesEach } from '../helpers/config-refusal';

describe('image limits (config/images.ts)', () => {
  refusesEach([
    ['MAX_IMAGE_BYTES', '0'],
    ['MAX_IMAGE_PIXELS', '-5'],
    ['MAX_INPUT_SIDE', '0'],
    ['MAX_INPUT_SIDE', '1333.5'],
    ['MAX_OVERLAY_SIDE', '0'],
    ['MAX_INSTANCES', '0'],
    ['MAX_INSTANCES', '10001'],
  ]);
});
