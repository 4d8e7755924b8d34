import { crc32c, crc32cBase64 } from '../../src/storage/crc32c';
import { startGoogleApis } from '../../src/google-apis/server';
import type { GoogleApisServer } from '../../src/google-apis/server';

describe('Cloud Storage stand-in', () => {
  let g: GoogleApisServer;
  beforeAll(async () => {
    g = await startGoogleApis();
  });
  afterAll(() => g.close());

  const req = (method: string, path: string, body?: string, type = 'application/json') =>
    fetch(`${g.url}${path}`, {
      method,
      headers: { authorization: 'Bearer t', 'content-type': type },
      body,
    });

  it('computes CRC32C as Cloud Storage reports it', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32cBase64(Buffer.from(''))).toBe('AAAAAA==');
  });

  it('keeps generations in a versioned bucket and honours preconditions', async () => {
    expect(
      (
        await req(
          'POST',
          '/storage/v1/b?project=p',
          JSON.stringify({ name: 'models', versioning: { enabled: true } }),
        )
      ).status,
    ).toBe(200);
    const upload = (data: string, query = '') =>
      req(
        'POST',
        `/upload/storage/v1/b/models/o?uploadType=media&name=m%2Fa.json${query}`,
        data,
        'text/plain',
      );
    const first = (await (await upload('one', '&ifGenerationMatch=0')).json()) as Record<
      string,
      string
    >;
    expect((await upload('again', '&ifGenerationMatch=0')).status).toBe(412);
    const second = (await (
      await upload('two', `&ifGenerationMatch=${first.generation}`)
    ).json()) as Record<string, string>;
    expect(BigInt(second.generation ?? '0')).toBeGreaterThan(BigInt(first.generation ?? '0'));
    expect(second.crc32c).toBe(crc32cBase64(Buffer.from('two')));
    const old = await req(
      'GET',
      `/storage/v1/b/models/o/m%2Fa.json?alt=media&generation=${first.generation}`,
    );
    expect(await old.text()).toBe('one');
    expect(
      await (await req('GET', '/download/storage/v1/b/models/o/m%2Fa.json?alt=media')).text(),
    ).toBe('two');
    const listed = (await (await req('GET', '/storage/v1/b/models/o?versions=true')).json()) as {
      items: unknown[];
    };
    expect(listed.items).toHaveLength(2);
  });

  it("takes gcloud's multipart uploads: a single-quoted boundary and bare LF line ends", async () => {
    await req('POST', '/storage/v1/b?project=p', JSON.stringify({ name: 'p_cloudbuild' }));
    const b = '===============123==';
    const body = `--${b}\nContent-Type: application/json\n\n{"size": "5"}\n--${b}\nContent-Type: application/x-tar\n\nbytes\n--${b}--`;
    const r = await req(
      'POST',
      '/upload/storage/v1/b/p_cloudbuild/o?uploadType=multipart&name=source%2Fs.tgz',
      body,
      `multipart/related; boundary='${b}'`,
    );
    expect(r.status).toBe(200);
    const read = await req('GET', '/storage/v1/b/p_cloudbuild/o/source%2Fs.tgz?alt=media');
    expect([read.headers.get('content-type'), await read.text()]).toEqual([
      'application/x-tar',
      'bytes',
    ]);
  });

  it('answers 404 for a missing object and bucket', async () => {
    expect((await req('GET', '/storage/v1/b/models/o/none')).status).toBe(404);
    expect((await req('GET', '/storage/v1/b/nobucket')).status).toBe(404);
  });
});
