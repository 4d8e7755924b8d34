/** The image behind the "thin ring is not an instance" tests of every demo model. */
export interface RingCase {
  width: number;
  height: number;
  /** Row-major RGB. */
  rgb: Uint8Array;
  /** The magenta square (0/1 per pixel): an instance. */
  magenta: Uint8Array;
  /** The purple circle (0/1 per pixel): an instance. */
  circle: Uint8Array;
}

/**
 * A magenta square on black inside a 2 px purple ring (what a blended edge can
 * read as), a real purple circle elsewhere, and a 2 px blue line: a demo model
 * finds exactly two instances, the purple one being the circle only.
 */
export function paintRingCase(): RingCase {
  const [width, height] = [200, 120];
  const rgb = new Uint8Array(width * height * 3);
  const magenta = new Uint8Array(width * height);
  const circle = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      if (x >= 20 && x < 80 && y >= 20 && y < 80) {
        rgb.set([240, 50, 230], p * 3);
        magenta[p] = 1;
      } else if (x >= 18 && x < 82 && y >= 18 && y < 82) rgb.set([145, 30, 180], p * 3);
      else if ((x - 140) ** 2 + (y - 50) ** 2 <= 30 ** 2) {
        rgb.set([145, 30, 180], p * 3);
        circle[p] = 1;
      } else if (y >= 100 && y < 102 && x >= 10 && x < 190) rgb.set([0, 130, 200], p * 3);
    }
  }
  return { width, height, rgb, magenta, circle };
}
