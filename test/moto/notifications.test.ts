import assert from 'node:assert/strict';

import { CreateTopicCommand } from '@aws-sdk/client-sns';

import { createNotificationActivities, fifoId, notificationSubject } from '../../src/activities/notifications';
import type { RestoreEvent } from '../../src/domain/restore-event';
import { expectFailure } from '../support/assertions';
import { useMoto } from '../support/fixtures/moto';
import { uniqueName } from '../support/moto';
import type { MotoClients } from '../support/moto';
import { createQueue, receiveNotifications, subscribeQueue } from '../support/sqs';

const REGION = 'eu-west-1';

function sampleEvent(kind: RestoreEvent['kind'], clusterId: string, operationId: string): RestoreEvent {
  return {
    eventId: `${operationId}/${kind}`,
    kind,
    operationId,
    workflowId: `aurora-restore/${REGION}/${clusterId}`,
    timestamp: '2026-11-25T10:00:00.000Z',
    source: { region: 'us-east-1', snapshot: 'arn:aws:rds:us-east-1:123456789012:cluster-snapshot:nightly' },
    target: { region: REGION, clusterId },
    steps: [{ name: 'find-snapshot', status: 'completed', startedAt: '2026-11-25T10:00:00.000Z', durationMs: 1200 }],
    ...(kind === 'failed'
      ? {
          failure: {
            step: 'restore-cluster',
            type: 'ClusterRestoreFailed',
            code: 'ARP-RESTORE-STATUS-001',
            message: 'x',
          },
        }
      : {}),
  };
}

describe('notifications activity (moto SNS -> SQS)', function () {
  let aws: MotoClients;
  const moto = useMoto();
  const activities = createNotificationActivities({ clients: moto.factory });

  before(() => {
    aws = moto.clients(REGION);
  });

  it('publishes each kind with subject, attributes and the JSON event as the message', async () => {
    const topicArn = (await aws.sns.send(new CreateTopicCommand({ Name: uniqueName('restore-topic') }))).TopicArn!;
    const queue = await createQueue(aws.sqs, uniqueName('restore-q'));
    await subscribeQueue(aws.sns, topicArn, queue);
    const clusterId = uniqueName('target');
    const operationId = uniqueName('op');

    const ids: string[] = [];
    for (const kind of ['started', 'succeeded', 'failed'] as const) {
      const out = await activities.publishNotification({ topicArn, event: sampleEvent(kind, clusterId, operationId) });
      assert.ok(out.messageId.length > 0);
      ids.push(out.messageId);
    }

    const received = await receiveNotifications(aws.sqs, queue, { max: 3 });
    assert.equal(received.length, 3);
    const byKind = new Map(received.map((r) => [r.envelope.MessageAttributes?.kind?.Value, r.envelope]));
    const expectedSubjects = {
      started: `Aurora restore started - ${clusterId}`,
      succeeded: `Aurora restore succeeded - ${clusterId}`,
      failed: `Aurora restore FAILED - ${clusterId}`,
    };
    for (const [kind, subject] of Object.entries(expectedSubjects)) {
      const envelope = byKind.get(kind);
      assert.ok(envelope, `no ${kind} notification received`);
      assert.equal(envelope.Type, 'Notification');
      assert.equal(envelope.TopicArn, topicArn);
      assert.equal(envelope.Subject, subject);
      assert.ok(ids.includes(envelope.MessageId));
      assert.deepEqual(envelope.MessageAttributes?.eventId, { Type: 'String', Value: `${operationId}/${kind}` });
      assert.deepEqual(envelope.MessageAttributes?.operationId, { Type: 'String', Value: operationId });
      assert.deepEqual(envelope.MessageAttributes?.targetCluster, { Type: 'String', Value: clusterId });
      const body = JSON.parse(envelope.Message) as RestoreEvent;
      assert.deepEqual(body, sampleEvent(kind as RestoreEvent['kind'], clusterId, operationId));
      // Indented JSON, readable in an e-mail subscription.
      assert.match(envelope.Message, /^\{\n {2}"eventId"/);
    }
    assert.equal(JSON.parse(byKind.get('failed')!.Message).failure.code, 'ARP-RESTORE-STATUS-001');
  });

  it('publishes to a FIFO topic with the cluster as group and the event id as deduplication id', async () => {
    const topicArn = (
      await aws.sns.send(
        new CreateTopicCommand({ Name: `${uniqueName('restore-topic')}.fifo`, Attributes: { FifoTopic: 'true' } })
      )
    ).TopicArn!;
    const queue = await createQueue(aws.sqs, `${uniqueName('restore-q')}.fifo`);
    await subscribeQueue(aws.sns, topicArn, queue);
    const clusterId = uniqueName('target');
    const operationId = uniqueName('op');
    const event = sampleEvent('succeeded', clusterId, operationId);

    // A retried activity publishes the same event twice: FIFO deduplication keeps one.
    await activities.publishNotification({ topicArn, event });
    await activities.publishNotification({ topicArn, event });

    const received = await receiveNotifications(aws.sqs, queue, { max: 2, waitSeconds: 1 });
    assert.equal(received.length, 1, 'the duplicate publish must be deduplicated');
    const [message] = received;
    assert.equal(message.envelope.Subject, `Aurora restore succeeded - ${clusterId}`);
    assert.equal(message.attributes.MessageGroupId, clusterId);
    assert.equal(message.attributes.MessageDeduplicationId, fifoId(event.eventId));
    assert.equal((JSON.parse(message.envelope.Message) as RestoreEvent).eventId, event.eventId);
  });

  it('fails with a typed non-retryable error when the topic does not exist', async () => {
    const topicArn = `arn:aws:sns:${REGION}:123456789012:${uniqueName('missing-topic')}`;
    const err = await expectFailure(
      activities.publishNotification({ topicArn, event: sampleEvent('started', 'c1', 'op-1') }),
      'NotificationFailed',
      true
    );
    assert.match(err.message, /does not exist/);
    assert.ok(err.message.includes(topicArn));
  });

  it('rejects a malformed topic ARN before calling SNS', async () => {
    const err = await expectFailure(
      activities.publishNotification({ topicArn: 'my-topic', event: sampleEvent('started', 'c1', 'op-1') }),
      'InvalidRestoreRequest',
      true
    );
    assert.match(err.message, /not an SNS topic ARN/);
  });

  it('builds subjects SNS accepts and FIFO ids that stay distinct', () => {
    const long = notificationSubject('succeeded', 'x'.repeat(200));
    assert.ok(long.length < 100);
    assert.ok(long.endsWith('...'));
    assert.equal(notificationSubject('failed', 'caf\u00e9'), 'Aurora restore FAILED - caf?');
    assert.equal(fifoId('op-1/started'), 'op-1/started');
    const a = fifoId(`${'a'.repeat(200)}/started`);
    const b = fifoId(`${'a'.repeat(200)}/failed`);
    assert.ok(a.length <= 128 && b.length <= 128);
    assert.notEqual(a, b);
    assert.match(fifoId('op 1/started'), /^op_1\/started-[0-9a-f]{32}$/);
  });
});
