import { extractPubsubMessage } from '../src/pubsub-envelope';

const message = {
  data: 'e30=',
  attributes: { buildId: 'b1' },
  messageId: 'm1',
  publishTime: '2026-01-01T00:00:00Z',
};

it('CloudEvent (what functions-framework hands a cloudevent function)', () => {
  const ce = {
    specversion: '1.0',
    id: 'ce-1',
    time: '2026-01-01T00:00:01Z',
    type: 'google.cloud.pubsub.topic.v1.messagePublished',
    data: { message, subscription: 's' },
  };
  expect(extractPubsubMessage(ce)).toEqual({ ok: true, shape: 'cloud-event', message });
});

it('CloudEvent without message ids falls back to the event id and time', () => {
  const ce = {
    specversion: '1.0',
    id: 'ce-1',
    time: '2026-01-01T00:00:01Z',
    data: { message: { data: 'e30=' } },
  };
  expect(extractPubsubMessage(ce)).toEqual({
    ok: true,
    shape: 'cloud-event',
    message: {
      data: 'e30=',
      attributes: {},
      messageId: 'ce-1',
      publishTime: '2026-01-01T00:00:01Z',
    },
  });
});

it('CloudEvent whose data arrived as a JSON string or Buffer', () => {
  const body = JSON.stringify({ message });
  expect(extractPubsubMessage({ specversion: '1.0', id: 'x', data: body })).toMatchObject({
    ok: true,
    message,
  });
  expect(
    extractPubsubMessage({ specversion: '1.0', id: 'x', data: Buffer.from(body) }),
  ).toMatchObject({ ok: true, message });
});

it('CloudEvent whose data is the message itself', () => {
  expect(extractPubsubMessage({ specversion: '1.0', id: 'x', data: message })).toMatchObject({
    ok: true,
    message,
  });
});

it('raw push body', () => {
  expect(extractPubsubMessage({ message, subscription: 'projects/p/subscriptions/s' })).toEqual({
    ok: true,
    shape: 'push',
    message,
  });
});

it('legacy background body and (data, context) pair', () => {
  const data = {
    '@type': 'type.googleapis.com/google.pubsub.v1.PubsubMessage',
    data: 'e30=',
    attributes: {},
  };
  const context = {
    eventId: 'ev-9',
    timestamp: '2026-01-01T00:00:02Z',
    eventType: 'google.pubsub.topic.publish',
    resource: 'projects/p/topics/t',
  };
  const expected = {
    data: 'e30=',
    attributes: {},
    messageId: 'ev-9',
    publishTime: '2026-01-01T00:00:02Z',
  };
  expect(extractPubsubMessage({ data, context })).toEqual({
    ok: true,
    shape: 'background',
    message: expected,
  });
  expect(extractPubsubMessage(data, context)).toEqual({
    ok: true,
    shape: 'background',
    message: expected,
  });
});

it('bare message (e.g. from a file)', () => {
  expect(extractPubsubMessage(message)).toEqual({ ok: true, shape: 'message', message });
});

it.each<[string, unknown]>([
  ['null', null],
  ['string', 'hello'],
  ['array', [message]],
  ['CloudEvent without data', { specversion: '1.0', id: 'x' }],
  [
    'CloudEvent with numeric message data',
    { specversion: '1.0', id: 'x', data: { message: { data: 5 } } },
  ],
  ['empty object', {}],
])('refuses %s', (_n, event) => {
  expect(extractPubsubMessage(event)).toMatchObject({ ok: false });
});
