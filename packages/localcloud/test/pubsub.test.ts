import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import * as functions from '@google-cloud/functions-framework';
import type { CloudEvent } from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { pubsubMessage } from '@maskops/shared';
import { cloudEventBinary, cloudEventStructured, pubsubPushBody } from '../src/pubsub';
import type { PushRequest } from '../src/pubsub';

interface Delivered {
  message: { data: string; attributes?: Record<string, string>; messageId?: string };
  subscription?: string;
}

describe('Pub/Sub push builders through the real functions-framework', () => {
  const received: Array<CloudEvent<Delivered>> = [];
  let server: Server;
  let base: string;

  beforeAll(async () => {
    functions.cloudEvent('recordEvent', (ce: CloudEvent<Delivered>) => {
      received.push(ce);
    });
    server = getTestServer('recordEvent');
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    received.length = 0;
  });

  const build = { id: 'b-1', status: 'SUCCESS', images: ['repo/app:1'] };
  const message = pubsubMessage(build, {
    attributes: { buildId: 'b-1', status: 'SUCCESS' },
    messageId: '42',
    publishTime: '2026-01-02T03:04:05.678Z',
  });
  const post = async (r: PushRequest) => {
    const res = await fetch(`${base}${r.path}`, {
      method: 'POST',
      headers: r.headers,
      body: r.body,
    });
    return res.status;
  };
  const decode = (ce: CloudEvent<Delivered> | undefined): unknown =>
    JSON.parse(Buffer.from(ce?.data?.message.data ?? '', 'base64').toString('utf8'));

  it('builds a message with base64 JSON, string or raw bytes', () => {
    expect(JSON.parse(Buffer.from(message.data, 'base64').toString())).toEqual(build);
    expect(message).toMatchObject({ messageId: '42', publishTime: '2026-01-02T03:04:05.678Z' });
    expect(Buffer.from(pubsubMessage('plain').data, 'base64').toString()).toBe('plain');
    expect(pubsubMessage(Buffer.from([0, 255])).data).toBe('AP8=');
    expect(pubsubMessage(new Uint8Array([0, 255])).data).toBe('AP8=');
    expect(pubsubMessage('x').messageId).toMatch(/^\d+$/);
  });

  it.each([
    ['binary CloudEvent', cloudEventBinary],
    ['structured CloudEvent', cloudEventStructured],
    ['plain Pub/Sub push', pubsubPushBody],
  ])('delivers a %s as a messagePublished CloudEvent', async (_label, builder) => {
    const request = builder(message, { topic: 'projects/demo/topics/cloud-builds' });
    expect(await post(request)).toBeLessThan(300);
    expect(received).toHaveLength(1);
    const ce = received[0];
    expect(ce?.type).toBe('google.cloud.pubsub.topic.v1.messagePublished');
    expect(ce?.source).toBe('//pubsub.googleapis.com/projects/demo/topics/cloud-builds');
    expect(decode(ce)).toEqual(build);
    expect(ce?.id).toBe('42');
    expect(ce?.data?.message.messageId).toBe('42');
    expect(ce?.data?.message.attributes).toEqual({ buildId: 'b-1', status: 'SUCCESS' });
  });

  it('fills CloudEvent headers from the message and the options', () => {
    const { headers, body } = cloudEventBinary(message, {
      id: 'ce-1',
      subscription: 'projects/p/subscriptions/s',
    });
    expect(headers).toMatchObject({
      'ce-specversion': '1.0',
      'ce-id': 'ce-1',
      'ce-time': '2026-01-02T03:04:05.678Z',
      'ce-source': '//pubsub.googleapis.com/projects/p/topics/cloud-builds',
      'content-type': 'application/json',
    });
    // A push spells the ids both ways, as Pub/Sub does.
    expect(JSON.parse(body)).toEqual({
      message: { ...message, message_id: '42', publish_time: '2026-01-02T03:04:05.678Z' },
      subscription: 'projects/p/subscriptions/s',
    });
  });
});
