import { newBuildStageImages } from '../../src/container/inference-image';

/** The legacy builder's output for a two-stage Dockerfile, steps taken from the cache or run. */
const output = (cached: boolean[]): string =>
  [
    'Sending build context to Docker daemon  15.07MB',
    'Step 1/6 : ARG NODE_IMAGE=node:24-bookworm-slim',
    'Step 2/6 : FROM ${NODE_IMAGE} AS build',
    ' ---> 18c6fee02657',
    ...cached.flatMap((fromCache, i) => [
      `Step ${i + 3}/6 : RUN step ${i}`,
      ...(fromCache
        ? [' ---> Using cache']
        : [
            ` ---> Running in ${'c'.repeat(12)}`,
            'output',
            `Removing intermediate container ${'c'.repeat(12)}`,
          ]),
      ` ---> ${String(i + 1).repeat(12)}`,
    ]),
    'Step 5/6 : FROM ${NODE_IMAGE}',
    ' ---> 18c6fee02657',
    'Step 6/6 : COPY --from=build /out /app',
    ` ---> ${'f'.repeat(12)}`,
    `Successfully built ${'f'.repeat(12)}`,
  ].join('\n');

describe('newBuildStageImages: the build stage image a build made', () => {
  it('is the last image of the build stage when its last step ran', () => {
    expect(newBuildStageImages(output([true, false]))).toEqual(['222222222222']);
    expect(newBuildStageImages(output([false, false]))).toEqual(['222222222222']);
  });

  it('is none when the whole build stage came from the cache (an earlier build made it)', () => {
    expect(newBuildStageImages(output([true, true]))).toEqual([]);
  });

  it('is none for output that is not a multi-stage build', () => {
    const single =
      'Step 1/2 : FROM scratch\n ---> 000000000000\nStep 2/2 : RUN x\n ---> Running in cccccccccccc\n ---> abcdefabcdef\n';
    expect(newBuildStageImages(single)).toEqual([]);
    expect(newBuildStageImages('')).toEqual([]);
  });
});
