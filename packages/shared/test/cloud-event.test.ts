import { CloudEventMode, cloudEventRequest, pubsubCloudEvent, pushBody } from '../src/cloud-event';
import { pubsubMessage } from '../src/pubsub-message';

const message = pubsubMessage(
  { id: 'b-1' },
  {
    attributes: { buildId: 'b-1' },
    messageId: '42',
    publishTime: '2026-01-02T03:04:05.678Z',
  },
);
const topic = 'projects/demo/topics/cloud-builds';

describe('pubsubCloudEvent', () => {
  it('binary mode: ce-* headers from the message, the push body as JSON', () => {
    const { headers, body } = pubsubCloudEvent(message, { topic }, CloudEventMode.BINARY);
    expect(headers).toEqual({
      'content-type': 'application/json',
      'ce-specversion': '1.0',
      'ce-type': 'google.cloud.pubsub.topic.v1.messagePublished',
      'ce-source': '//pubsub.googleapis.com/projects/demo/topics/cloud-builds',
      'ce-id': '42',
      'ce-time': '2026-01-02T03:04:05.678Z',
    });
    expect(JSON.parse(body)).toEqual({
      message: {
        data: message.data,
        attributes: { buildId: 'b-1' },
        messageId: '42',
        message_id: '42',
        publishTime: '2026-01-02T03:04:05.678Z',
        publish_time: '2026-01-02T03:04:05.678Z',
      },
      subscription: 'projects/demo/subscriptions/deployer-push',
    });
  });

  it('structured mode: every attribute and the data in one JSON body', () => {
    const opts = { topic, id: 'ce-1', subscription: 'projects/demo/subscriptions/s' };
    const { headers, body } = pubsubCloudEvent(message, opts, CloudEventMode.STRUCTURED);
    expect(headers['content-type']).toMatch(/^application\/cloudevents\+json(;|$)/);
    expect(JSON.parse(body)).toEqual({
      specversion: '1.0',
      type: 'google.cloud.pubsub.topic.v1.messagePublished',
      source: '//pubsub.googleapis.com/projects/demo/topics/cloud-builds',
      id: 'ce-1',
      time: '2026-01-02T03:04:05.678Z',
      datacontenttype: 'application/json',
      data: pushBody(message, opts),
    });
  });

  it('leaves out the ids a message does not carry, and the SDK fills the event id', () => {
    const { headers, body } = pubsubCloudEvent({ data: '' }, { topic }, CloudEventMode.BINARY);
    expect(headers['ce-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.parse(body)).toEqual({
      message: { data: '' },
      subscription: 'projects/demo/subscriptions/deployer-push',
    });
  });
});

describe('cloudEventRequest', () => {
  it('refuses an event the SDK finds invalid (a time that is not a time)', () => {
    expect(() =>
      cloudEventRequest(
        { type: 't', source: '//s', time: 'yesterday', data: {} },
        CloudEventMode.STRUCTURED,
      ),
    ).toThrow();
  });
});
