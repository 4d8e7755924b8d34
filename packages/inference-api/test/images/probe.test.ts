import sharp from 'sharp';
import { ErrorCode } from '../../src/errors';
import { probeImage } from '../../src/images/probe';
import { pngHeaderOnly } from '../fixtures/images';

const MAX = 40_000_000;
const solid = (width = 40, height = 30) =>
  sharp({ create: { width, height, channels: 3, background: { r: 10, g: 200, b: 90 } } });

describe('probeImage', () => {
  it.each([
    ['jpeg', () => solid().jpeg().toBuffer()],
    ['png', () => solid().png().toBuffer()],
    ['tiff', () => solid().tiff().toBuffer()],
    ['webp', () => solid().webp().toBuffer()],
  ])('reads %s dimensions from the header', async (format, make) => {
    await expect(probeImage(await make(), MAX)).resolves.toEqual({ format, width: 40, height: 30 });
  });

  it('reports upright dimensions for EXIF orientations that rotate by 90°', async () => {
    const bytes = await solid(40, 30).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    await expect(probeImage(bytes, MAX)).resolves.toEqual({
      format: 'jpeg',
      width: 30,
      height: 40,
    });
  });

  it.each([
    ['GIF', () => solid().gif().toBuffer()],
    ['SVG', () => Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"/>')],
    ['HEIF-like ftyp box', () => Buffer.from('\0\0\0\x18ftypheic\0\0\0\0mif1heic', 'latin1')],
    ['plain text', () => Buffer.from('hello, this is not an image')],
    ['JSON', () => Buffer.from('{"image":"nope"}')],
    ['empty bytes', () => Buffer.alloc(0)],
  ])('refuses %s as UNSUPPORTED_MEDIA_TYPE', async (_name, make) => {
    await expect(probeImage(await make(), MAX)).rejects.toMatchObject({
      code: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
    });
  });

  it('refuses an unreadable header as IMAGE_UNDECODABLE', async () => {
    const jpeg = await solid().jpeg().toBuffer();
    await expect(probeImage(jpeg.subarray(0, 12), MAX)).rejects.toMatchObject({
      code: ErrorCode.IMAGE_UNDECODABLE,
    });
    const png = await solid().png().toBuffer();
    await expect(probeImage(png.subarray(0, 20), MAX)).rejects.toMatchObject({
      code: ErrorCode.IMAGE_UNDECODABLE,
    });
  });

  it('refuses a pixel bomb from its header alone', async () => {
    const bomb = pngHeaderOnly(100_000, 100_000);
    expect(bomb.length).toBeLessThan(200);
    await expect(probeImage(bomb, MAX)).rejects.toMatchObject({
      code: ErrorCode.IMAGE_TOO_MANY_PIXELS,
      details: { width: 100_000, height: 100_000, maxPixels: MAX },
    });
  });

  it('applies the limit exactly at width × height', async () => {
    const bytes = await solid(40, 30).png().toBuffer();
    await expect(probeImage(bytes, 1200)).resolves.toMatchObject({ width: 40 });
    await expect(probeImage(bytes, 1199)).rejects.toMatchObject({
      code: ErrorCode.IMAGE_TOO_MANY_PIXELS,
    });
  });
});
