import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildLocalImage, ImageRegistry } from '../src/image-store';

describe('local images', () => {
  let pkg: string;
  beforeEach(() => {
    pkg = mkdtempSync(join(tmpdir(), 'img-'));
    mkdirSync(join(pkg, 'dist'));
    writeFileSync(join(pkg, 'dist', 'main.js'), 'console.log(1)\n');
    writeFileSync(join(pkg, 'package.json'), '{}\n');
  });
  afterEach(() => rmSync(pkg, { recursive: true, force: true }));

  const build = (env: Record<string, string>, tag = 't1') =>
    buildLocalImage({ packageDir: pkg, repository: 'localhost:5000/m/api', tag, env });

  it('names an image by the digest of its content, stable across builds', () => {
    const one = build({ MASKOPS_BUILD_ID: 'b1' });
    const again = build({ MASKOPS_BUILD_ID: 'b1' });
    expect(one.digest).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(again.digest).toBe(one.digest);
  });

  it('gives another build (other env or code) another digest', () => {
    const one = build({ MASKOPS_BUILD_ID: 'b1' });
    expect(build({ MASKOPS_BUILD_ID: 'b2' }).digest).not.toBe(one.digest);
    writeFileSync(join(pkg, 'dist', 'main.js'), 'console.log(2)\n');
    expect(build({ MASKOPS_BUILD_ID: 'b1' }).digest).not.toBe(one.digest);
  });

  it('refuses an unbuilt package', () => {
    rmSync(join(pkg, 'dist'), { recursive: true });
    expect(() => build({})).toThrow(/not built/);
  });

  it('resolves references by digest and by tag only for images it built', () => {
    const reg = new ImageRegistry();
    const img = build({ MASKOPS_BUILD_ID: 'b1' }, 'abc');
    reg.add(img);
    expect(reg.resolve(`localhost:5000/m/api@${img.digest}`)).toBe(img);
    expect(reg.resolve('localhost:5000/m/api:abc')).toBe(img);
    expect(reg.resolve('localhost:5000/m/other:abc')).toBeUndefined();
    expect(reg.resolve(`localhost:5000/m/api@sha256:${'0'.repeat(64)}`)).toBeUndefined();
  });
});
