import sharp from 'sharp';
import { ErrorCode } from '../../src/errors';
import { decodeImage } from '../../src/images/decode';
import { probeImage } from '../../src/images/probe';
import { truncatedTiff } from '../fixtures/images';

const MAX = 40_000_000;
const RED = { r: 200, g: 30, b: 40 };

/** 40×30 red image with a 10×5 blue block at its top-left corner. */
async function marked(): Promise<sharp.Sharp> {
  const block = await sharp({
    create: { width: 10, height: 5, channels: 3, background: { r: 0, g: 0, b: 255 } },
  })
    .png()
    .toBuffer();
  const base = await sharp({ create: { width: 40, height: 30, channels: 3, background: RED } })
    .composite([{ input: block, top: 0, left: 0 }])
    .png()
    .toBuffer();
  return sharp(base);
}

const pixel = (img: { rgb: Uint8Array; width: number }, x: number, y: number) =>
  Array.from(img.rgb.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3));

/** What every caller does: probe the header once, then decode against that probe. */
async function decode(bytes: Uint8Array, maxPixels = MAX, maxSide = Infinity) {
  return decodeImage(bytes, await probeImage(bytes, maxPixels), maxPixels, maxSide);
}

const near = (actual: number[], expected: number[], tolerance: number) =>
  actual.every((v, i) => Math.abs(v - expected[i]) <= tolerance);

describe('decodeImage', () => {
  it.each([
    ['jpeg', (s: sharp.Sharp) => s.jpeg({ quality: 95 }).toBuffer(), 12],
    ['png', (s: sharp.Sharp) => s.png().toBuffer(), 0],
    ['tiff', (s: sharp.Sharp) => s.tiff({ compression: 'lzw' }).toBuffer(), 0],
    ['webp', (s: sharp.Sharp) => s.webp({ lossless: true }).toBuffer(), 0],
    ['16-bit png', (s: sharp.Sharp) => s.toColourspace('rgb16').png().toBuffer(), 1],
  ])('decodes %s to 8-bit RGB HWC', async (_name, encode, tolerance) => {
    const img = await decode(await encode(await marked()));
    expect([img.width, img.height, img.rgb.length]).toEqual([40, 30, 40 * 30 * 3]);
    expect(near(pixel(img, 20, 20), [RED.r, RED.g, RED.b], tolerance)).toBe(true);
    expect(near(pixel(img, 2, 2), [0, 0, 255], tolerance + 8)).toBe(true);
  });

  it('converts CMYK JPEG to sRGB', async () => {
    const bytes = await (await marked()).toColourspace('cmyk').jpeg({ quality: 95 }).toBuffer();
    expect((await sharp(bytes).metadata()).space).toBe('cmyk');
    const img = await decode(bytes);
    expect(img.rgb.length).toBe(40 * 30 * 3);
    // CMYK round trips through ICC profiles, so only the hue is checked.
    const [r, g, b] = pixel(img, 20, 20);
    expect(r).toBeGreaterThan(150);
    expect(Math.max(g, b)).toBeLessThan(90);
  });

  it('expands greyscale to three equal channels', async () => {
    const bytes = await (await marked()).greyscale().png().toBuffer();
    const img = await decode(bytes);
    const [r, g, b] = pixel(img, 20, 20);
    expect(img.rgb.length).toBe(40 * 30 * 3);
    expect(r).toBe(g);
    expect(g).toBe(b);
  });

  it('flattens transparency onto white', async () => {
    const bytes = await sharp({
      create: { width: 8, height: 8, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } },
    })
      .png()
      .toBuffer();
    const img = await decode(bytes);
    expect(pixel(img, 3, 3)).toEqual([255, 255, 255]);
  });

  it('applies EXIF orientation so the block lands where a viewer shows it', async () => {
    // Orientation 6: the stored image is shown rotated 90° clockwise, so the
    // top-left block ends at the top-right of a 30×40 upright image.
    const bytes = await (
      await marked()
    )
      .jpeg({ quality: 95 })
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const img = await decode(bytes);
    expect([img.width, img.height]).toEqual([30, 40]);
    expect(near(pixel(img, 27, 3), [0, 0, 255], 20)).toBe(true);
    expect(near(pixel(img, 2, 3), [RED.r, RED.g, RED.b], 20)).toBe(true);
  });

  it('refuses a truncated body as IMAGE_UNDECODABLE', async () => {
    const jpeg = await (await marked()).jpeg().toBuffer();
    await expect(decode(jpeg.subarray(0, Math.floor(jpeg.length * 0.7)))).rejects.toMatchObject({
      code: ErrorCode.IMAGE_UNDECODABLE,
    });
    const png = await (await marked()).png().toBuffer();
    await expect(decode(png.subarray(0, png.length - 30))).rejects.toMatchObject({
      code: ErrorCode.IMAGE_UNDECODABLE,
    });
  });

  it('refuses too many pixels before decoding', async () => {
    const png = await (await marked()).png().toBuffer();
    await expect(decode(png, 1000)).rejects.toMatchObject({
      code: ErrorCode.IMAGE_TOO_MANY_PIXELS,
    });
  });

  it('refuses formats other than JPEG, PNG, TIFF and WebP', async () => {
    const gif = await (await marked()).gif().toBuffer();
    await expect(decode(gif)).rejects.toMatchObject({
      code: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
    });
  });
});

describe('decodeImage with a working-size cap', () => {
  it('decodes an image within the cap exactly as without one', async () => {
    const png = await (await marked()).png().toBuffer();
    const capped = await decode(png, MAX, 40);
    const plain = await decode(png);
    expect(capped.original).toBeUndefined();
    expect([capped.width, capped.height]).toEqual([40, 30]);
    expect(Buffer.from(capped.rgb).equals(Buffer.from(plain.rgb))).toBe(true);
  });

  it.each([
    ['png', (s: sharp.Sharp) => s.png().toBuffer()],
    ['jpeg', (s: sharp.Sharp) => s.jpeg({ quality: 95 }).toBuffer()],
    ['webp', (s: sharp.Sharp) => s.webp({ lossless: true }).toBuffer()],
    ['tiff', (s: sharp.Sharp) => s.tiff({ compression: 'lzw' }).toBuffer()],
  ])('scales a larger %s down to the cap and keeps the original size', async (_n, encode) => {
    const img = await decode(await encode(await marked()), MAX, 20);
    expect([img.width, img.height, img.rgb.length]).toEqual([20, 15, 20 * 15 * 3]);
    expect(img.original).toEqual({ width: 40, height: 30 });
    // The blue block (10×5 at the top-left) is now 5×2.5: its core stays blue.
    expect(near(pixel(img, 1, 0), [0, 0, 255], 40)).toBe(true);
    expect(near(pixel(img, 12, 10), [RED.r, RED.g, RED.b], 12)).toBe(true);
  });

  it('reports the upright original size of a scaled EXIF-rotated image', async () => {
    const bytes = await (
      await marked()
    )
      .jpeg({ quality: 95 })
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const img = await decode(bytes, MAX, 20);
    expect([img.width, img.height]).toEqual([15, 20]);
    expect(img.original).toEqual({ width: 30, height: 40 });
    expect(near(pixel(img, 13, 1), [0, 0, 255], 40)).toBe(true);
  });

  it('refuses a TIFF whose strip is shorter than its header declares', async () => {
    const tiff = truncatedTiff(6000, 6000);
    expect(tiff.length).toBe(138);
    await expect(decode(tiff)).rejects.toMatchObject({
      code: ErrorCode.IMAGE_UNDECODABLE,
    });
    await expect(decode(tiff, MAX, 1333)).rejects.toMatchObject({
      code: ErrorCode.IMAGE_UNDECODABLE,
    });
  });
});

describe('decodeImage against the probe it is handed', () => {
  it('refuses bytes of another format than the probe says', async () => {
    const jpeg = await (await marked()).jpeg().toBuffer();
    await expect(
      decodeImage(jpeg, { format: 'png', width: 40, height: 30 }, MAX, Infinity),
    ).rejects.toMatchObject({ code: ErrorCode.IMAGE_UNDECODABLE });
  });

  it.each([
    ['more pixels than the probe says, at full size', 10, 10, Infinity],
    ['more pixels than the probe says, scaled down', 20, 15, 8],
    ['fewer pixels than the probe says', 80, 60, Infinity],
    ['a size that is no size', 0, 30, Infinity],
  ])('refuses %s instead of decoding them', async (_name, width, height, maxSide) => {
    const png = await (await marked()).png().toBuffer();
    await expect(
      decodeImage(png, { format: 'png', width, height }, MAX, maxSide),
    ).rejects.toMatchObject({ code: ErrorCode.IMAGE_UNDECODABLE });
  });

  it('still refuses a probe over the pixel limit', async () => {
    const png = await (await marked()).png().toBuffer();
    await expect(
      decodeImage(png, { format: 'png', width: 40, height: 30 }, 1000, Infinity),
    ).rejects.toMatchObject({ code: ErrorCode.IMAGE_TOO_MANY_PIXELS });
  });
});
