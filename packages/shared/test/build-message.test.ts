import { BUILD_STATUSES, BuildStatus } from '../src/build-status';
import type { PubsubMessage } from '../src/pubsub-message';
import { decodeBuildMessage, decodeMessageJson, MAX_MESSAGE_BYTES } from '../src/build-message';

const REPO = 'us-central1-docker.pkg.dev/my-proj/maskops/inference-api';
const D1 = `sha256:${'a'.repeat(64)}`;
const D2 = `sha256:${'b'.repeat(64)}`;
const SHA = '0123456789abcdef0123456789abcdef01234567';

function msg(payload: unknown, extra: Partial<PubsubMessage> = {}): PubsubMessage {
  const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
  return { data: Buffer.from(text).toString('base64'), attributes: {}, ...extra };
}

function build(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'b-1',
    status: 'SUCCESS',
    finishTime: '2026-01-02T03:04:05.123456789Z',
    images: [`${REPO}:${SHA}`],
    results: { images: [{ name: `${REPO}:${SHA}`, digest: D1 }] },
    substitutions: {
      COMMIT_SHA: SHA,
      SHORT_SHA: SHA.slice(0, 7),
      BRANCH_NAME: 'main',
      REPO_NAME: 'maskops',
    },
    ...over,
  };
}

const decode = (m: PubsubMessage) => decodeBuildMessage(m, { repository: REPO });

function ignored(m: PubsubMessage): string {
  const d = decode(m);
  if (d.kind !== 'ignore') throw new Error(`expected ignore, got ${JSON.stringify(d)}`);
  return d.ignored.reason;
}

describe('Cloud Build notifications', () => {
  it('prefers results.images digests and keeps build metadata', () => {
    const d = decode(msg(build()));
    expect(d).toEqual({
      kind: 'candidate',
      candidate: {
        source: 'cloud-build',
        repository: REPO,
        digest: D1,
        tag: SHA,
        image: `${REPO}@${D1}`,
        buildId: 'b-1',
        finishTime: '2026-01-02T03:04:05.123456789Z',
        status: 'SUCCESS',
        commitSha: SHA,
        shortSha: SHA.slice(0, 7),
        branch: 'main',
        repoName: 'maskops',
      },
    });
  });

  it('falls back to images[] tags, preferring the commit tag over latest', () => {
    const d = decode(
      msg(build({ results: undefined, images: [`${REPO}:latest`, `${REPO}:${SHA}`] })),
    );
    expect(d.kind === 'candidate' && d.candidate).toMatchObject({
      image: `${REPO}:${SHA}`,
      tag: SHA,
    });
    expect(d.kind === 'candidate' && d.candidate.digest).toBeUndefined();
  });

  it('uses latest when it is the only tag', () => {
    const d = decode(msg(build({ results: {}, images: [`${REPO}:latest`] })));
    expect(d.kind === 'candidate' && d.candidate.image).toBe(`${REPO}:latest`);
  });

  it('picks our image out of a multi-image build', () => {
    const d = decode(
      msg(
        build({
          results: {
            images: [
              { name: 'gcr.io/x/other:1', digest: D2 },
              { name: `${REPO}:v1`, digest: D1 },
            ],
          },
        }),
      ),
    );
    expect(d.kind === 'candidate' && d.candidate.image).toBe(`${REPO}@${D1}`);
  });

  it('normalises finishTime with offsets to UTC nanoseconds', () => {
    const d = decode(msg(build({ finishTime: '2026-01-02T05:04:05.5+02:00' })));
    expect(d.kind === 'candidate' && d.candidate.finishTime).toBe('2026-01-02T03:04:05.500000000Z');
  });

  it.each(BUILD_STATUSES.filter((s) => s !== BuildStatus.SUCCESS))(
    'ignores status %s',
    (status) => {
      const d = decode(msg(build({ status })));
      expect(d).toEqual({
        kind: 'ignore',
        ignored: {
          reason: 'NOT_SUCCESS',
          detail: `build status ${status}`,
          source: 'cloud-build',
          buildId: 'b-1',
          status,
        },
      });
    },
  );

  it('ignores an unknown status', () => {
    expect(ignored(msg(build({ status: 'EXPLODED' })))).toBe('NOT_SUCCESS');
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['no images at all', { images: [], results: { images: [] } }, 'NO_IMAGE'],
    [
      'other repositories only',
      {
        images: ['gcr.io/p/other:1'],
        results: { images: [{ name: 'gcr.io/p/other:1', digest: D1 }] },
      },
      'OTHER_REPOSITORY',
    ],
    ['missing finishTime', { finishTime: undefined }, 'MALFORMED'],
    ['garbage finishTime', { finishTime: 'yesterday' }, 'MALFORMED'],
    ['impossible date', { finishTime: '2026-02-30T00:00:00Z' }, 'MALFORMED'],
    ['numeric id', { id: 42 }, 'MALFORMED'],
    ['id with slashes', { id: '../../etc' }, 'MALFORMED'],
    [
      'two digests for our repo',
      {
        results: {
          images: [
            { name: `${REPO}:a`, digest: D1 },
            { name: `${REPO}:b`, digest: D2 },
          ],
        },
      },
      'AMBIGUOUS_IMAGE',
    ],
    [
      'bad digest',
      { images: [], results: { images: [{ name: `${REPO}:a`, digest: 'sha256:zz' }] } },
      'MALFORMED',
    ],
    [
      'digest mismatch with name',
      { images: [], results: { images: [{ name: `${REPO}@${D2}`, digest: D1 }] } },
      'MALFORMED',
    ],
  ])('%s → %s', (_name, over, reason) => {
    expect(ignored(msg(build(over)))).toBe(reason);
  });
});

describe('an invalid digest anywhere makes the build MALFORMED (never a tag instead)', () => {
  const tagged = [`${REPO}:${SHA}`];
  it.each<[string, Record<string, unknown>]>([
    [
      '64 non-hex characters',
      {
        images: tagged,
        results: { images: [{ name: tagged[0], digest: `sha256:${'z'.repeat(64)}` }] },
      },
    ],
    [
      'too short',
      {
        images: tagged,
        results: { images: [{ name: tagged[0], digest: `sha256:${'a'.repeat(63)}` }] },
      },
    ],
    [
      'too long',
      {
        images: tagged,
        results: { images: [{ name: tagged[0], digest: `sha256:${'a'.repeat(65)}` }] },
      },
    ],
    [
      'uppercase hex',
      {
        images: tagged,
        results: { images: [{ name: tagged[0], digest: `sha256:${'A'.repeat(64)}` }] },
      },
    ],
    ['not a string', { images: tagged, results: { images: [{ name: tagged[0], digest: 42 }] } }],
    [
      'on another repository’s result',
      {
        images: tagged,
        results: {
          images: [
            { name: 'gcr.io/p/other:1', digest: 'sha256:nope' },
            { name: tagged[0], digest: D1 },
          ],
        },
      },
    ],
    [
      'an @sha256: reference in images[]',
      { images: [`${REPO}@sha256:${'q'.repeat(64)}`], results: {} },
    ],
    [
      'a bad @sha256: next to a good tag in images[]',
      { images: [`${REPO}@sha256:abc`, tagged[0]], results: {} },
    ],
  ])('%s', (_name, over) => {
    const d = decode(msg(build(over)));
    expect(d).toMatchObject({ kind: 'ignore', ignored: { reason: 'MALFORMED', buildId: 'b-1' } });
    if (d.kind === 'ignore') expect(d.ignored.detail).toMatch(/^invalid digest /);
  });

  it('a valid digest still deploys, and an empty digest field still means "tag only"', () => {
    const ok = decode(msg(build()));
    expect(ok.kind === 'candidate' && ok.candidate.image).toBe(`${REPO}@${D1}`);
    const tagOnly = decode(msg(build({ results: { images: [{ name: tagged[0], digest: '' }] } })));
    expect(tagOnly.kind === 'candidate' && tagOnly.candidate.image).toBe(tagged[0]);
  });
});

describe('hostile and look-alike image names are never ours', () => {
  const cases: Array<[string, string]> = [
    ['look-alike host', 'us-central1-docker.pkg.dev.evil.com/my-proj/maskops/inference-api:1'],
    ['host prefix', 'evil-us-central1-docker.pkg.dev/my-proj/maskops/inference-api:1'],
    ['path prefix', 'us-central1-docker.pkg.dev/my-proj/maskops/inference-api-evil:1'],
    ['path suffix', 'us-central1-docker.pkg.dev/my-proj/maskops/inference-api/evil:1'],
    ['parent path', 'us-central1-docker.pkg.dev/my-proj/maskops:1'],
    ['uppercase host', 'US-CENTRAL1-DOCKER.PKG.DEV/my-proj/maskops/inference-api:1'],
    ['uppercase path', 'us-central1-docker.pkg.dev/my-proj/maskops/Inference-api:1'],
    ['port added', 'us-central1-docker.pkg.dev:443/my-proj/maskops/inference-api:1'],
    ['newline injection', `${REPO}:1\n${REPO}:evil`],
    ['shell injection', `${REPO}:1;rm -rf /`],
    ['json injection', `${REPO}:1","image":"evil.com/x`],
    ['userinfo', `evil.com@${REPO}`],
    ['scheme', `https://${REPO}:1`],
    ['unicode homoglyph', 'us-central1-docker.pkg.dеv/my-proj/maskops/inference-api:1'],
    ['traversal', 'us-central1-docker.pkg.dev/my-proj/maskops/../inference-api:1'],
  ];
  it.each(cases)('%s', (_name, image) => {
    const reason = ignored(
      msg(build({ images: [image], results: { images: [{ name: image, digest: D1 }] } })),
    );
    expect(['OTHER_REPOSITORY', 'INVALID_IMAGE_REF']).toContain(reason);
    const ar = ignored(
      msg({ action: 'INSERT', tag: image }, { publishTime: '2026-01-01T00:00:00Z' }),
    );
    expect(['OTHER_REPOSITORY', 'INVALID_IMAGE_REF', 'MALFORMED']).toContain(ar);
  });

  it('a hostile image next to ours does not stop ours', () => {
    const d = decode(
      msg(
        build({
          results: {
            images: [
              { name: `${REPO}:1;x`, digest: D2 },
              { name: `${REPO}:1`, digest: D1 },
            ],
          },
        }),
      ),
    );
    expect(d.kind === 'candidate' && d.candidate.image).toBe(`${REPO}@${D1}`);
  });
});

describe('Artifact Registry notifications', () => {
  const publishTime = '2026-01-02T03:04:05.5Z';
  it('INSERT with digest and tag deploys the digest, ordered by publishTime', () => {
    const d = decode(
      msg(
        { action: 'INSERT', digest: `${REPO}@${D1}`, tag: `${REPO}:v2` },
        { publishTime, messageId: '77' },
      ),
    );
    expect(d).toEqual({
      kind: 'candidate',
      candidate: {
        source: 'artifact-registry',
        repository: REPO,
        digest: D1,
        tag: 'v2',
        image: `${REPO}@${D1}`,
        buildId: 'ar-77',
        finishTime: '2026-01-02T03:04:05.500000000Z',
      },
    });
  });
  it('INSERT with only a tag deploys the tag', () => {
    const d = decode(msg({ action: 'INSERT', tag: `${REPO}:v3` }, { publishTime }));
    expect(d.kind === 'candidate' && d.candidate).toMatchObject({
      image: `${REPO}:v3`,
      buildId: 'ar-v3',
    });
  });
  it.each<[string, unknown, string]>([
    ['DELETE', { action: 'DELETE', digest: `${REPO}@${D1}` }, 'NOT_INSERT'],
    ['other repo', { action: 'INSERT', digest: `gcr.io/p/x@${D1}` }, 'OTHER_REPOSITORY'],
    ['no image', { action: 'INSERT' }, 'NO_IMAGE'],
    [
      'digest and tag disagree',
      { action: 'INSERT', digest: `${REPO}@${D1}`, tag: 'gcr.io/p/x:1' },
      'MALFORMED',
    ],
  ])('%s → %s', (_n, payload, reason) => {
    expect(ignored(msg(payload, { publishTime }))).toBe(reason);
  });
  it.each([
    ['non-hex digest', `${REPO}@sha256:${'g'.repeat(64)}`],
    ['short digest', `${REPO}@sha256:${'a'.repeat(10)}`],
  ])('INSERT with a %s is MALFORMED, even with a tag', (_n, digest) => {
    expect(ignored(msg({ action: 'INSERT', digest, tag: `${REPO}:v2` }, { publishTime }))).toBe(
      'MALFORMED',
    );
  });
  it('without publishTime there is no ordering key', () => {
    expect(ignored(msg({ action: 'INSERT', digest: `${REPO}@${D1}` }))).toBe('MALFORMED');
  });
});

describe('payload decoding', () => {
  it.each<[string, PubsubMessage, string]>([
    ['bad base64', { data: '%%%not base64%%%', attributes: {} }, 'BAD_BASE64'],
    ['base64 with a bad length', { data: 'abcde', attributes: {} }, 'BAD_BASE64'],
    ['non-JSON', msg('hello, world'), 'NOT_JSON'],
    ['empty', { data: '', attributes: {} }, 'MALFORMED'],
    ['JSON array', msg([1, 2]), 'UNKNOWN_FORMAT'],
    ['JSON string', msg('"SUCCESS"'), 'UNKNOWN_FORMAT'],
    ['unknown object', msg({ hello: 1 }), 'UNKNOWN_FORMAT'],
    ['2 MiB', msg({ id: 'x', status: 'SUCCESS', pad: 'x'.repeat(2 * 1024 * 1024) }), 'TOO_LARGE'],
  ])('%s → %s', (_n, m, reason) => {
    expect(ignored(m)).toBe(reason);
  });

  it('accepts exactly the limit and refuses one byte more', () => {
    const at = Buffer.alloc(MAX_MESSAGE_BYTES, 0x20);
    at.write('{}');
    expect(decodeMessageJson(at.toString('base64')).ok).toBe(true);
    const over = Buffer.alloc(MAX_MESSAGE_BYTES + 1, 0x20);
    over.write('{}');
    expect(decodeMessageJson(over.toString('base64'))).toMatchObject({
      ok: false,
      reason: 'TOO_LARGE',
    });
  });
});
