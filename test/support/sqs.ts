/**
 * Reading SNS notifications in tests: an SQS queue subscribed to the topic receives the standard SNS envelope
 * (moto delivers synchronously inside Publish), which the helpers below receive and parse.
 */
import { CreateTopicCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import type { SNSClient } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
} from '@aws-sdk/client-sqs';
import type { Message, SQSClient } from '@aws-sdk/client-sqs';

import type { RestoreEvent } from '../../src/domain/restore-event';

import { motoClients, uniqueName } from './moto';

export interface TestQueue {
  url: string;
  arn: string;
}

/** Creates a queue (FIFO when the name ends in `.fifo`) and returns its URL and ARN. */
export async function createQueue(sqs: SQSClient, name: string): Promise<TestQueue> {
  const fifo = name.endsWith('.fifo');
  const created = await sqs.send(
    new CreateQueueCommand({ QueueName: name, ...(fifo ? { Attributes: { FifoQueue: 'true' } } : {}) })
  );
  const url = created.QueueUrl;
  if (!url) throw new Error(`SQS returned no URL for queue ${name}`);
  const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
  const arn = attrs.Attributes?.QueueArn;
  if (!arn) throw new Error(`SQS returned no ARN for queue ${name}`);
  return { url, arn };
}

/** Subscribes the queue to the topic with the standard envelope (raw delivery off); returns the subscription ARN. */
export async function subscribeQueue(sns: SNSClient, topicArn: string, queue: TestQueue): Promise<string> {
  const out = await sns.send(
    new SubscribeCommand({
      TopicArn: topicArn,
      Protocol: 'sqs',
      Endpoint: queue.arn,
      Attributes: { RawMessageDelivery: 'false' },
      ReturnSubscriptionArn: true,
    })
  );
  if (!out.SubscriptionArn) throw new Error(`SNS returned no subscription ARN for ${queue.arn}`);
  return out.SubscriptionArn;
}

/** The SNS envelope delivered to SQS when raw delivery is off. */
export interface SnsEnvelope {
  Type: string;
  MessageId: string;
  TopicArn: string;
  Subject?: string;
  Message: string;
  Timestamp: string;
  MessageAttributes?: Record<string, { Type: string; Value: string }>;
  [key: string]: unknown;
}

export interface ReceivedNotification {
  envelope: SnsEnvelope;
  /** SQS system attributes (e.g. MessageGroupId, MessageDeduplicationId on FIFO queues). */
  attributes: Record<string, string>;
  raw: Message;
}

/**
 * Receives up to `max` messages (long polling up to `waitSeconds`, stopping early once `max` arrived or a poll
 * comes back empty), deletes them, and parses each body as an SNS envelope.
 */
export async function receiveNotifications(
  sqs: SQSClient,
  queue: TestQueue,
  { max = 10, waitSeconds = 2 }: { max?: number; waitSeconds?: number } = {}
): Promise<ReceivedNotification[]> {
  const received: ReceivedNotification[] = [];
  while (received.length < max) {
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queue.url,
        MaxNumberOfMessages: Math.min(10, max - received.length),
        WaitTimeSeconds: waitSeconds,
        MessageSystemAttributeNames: ['All'],
      })
    );
    const messages = out.Messages ?? [];
    if (messages.length === 0) break;
    for (const message of messages) {
      if (!message.Body) throw new Error(`SQS message ${message.MessageId} has no body`);
      received.push({
        envelope: JSON.parse(message.Body) as SnsEnvelope,
        attributes: message.Attributes ?? {},
        raw: message,
      });
      if (message.ReceiptHandle) {
        await sqs.send(new DeleteMessageCommand({ QueueUrl: queue.url, ReceiptHandle: message.ReceiptHandle }));
      }
    }
  }
  return received;
}

/** An SNS topic for restore notifications, with an SQS queue subscribed to it that `read` drains and parses. */
export interface RestoreEventTopic {
  topicArn: string;
  read: (waitSeconds?: number) => Promise<RestoreEvent[]>;
}

/** Creates a fresh topic and subscribed queue in `region` of moto (names made unique from `prefix`). */
export async function restoreEventTopic(region: string, prefix = 'aurora-restore-events'): Promise<RestoreEventTopic> {
  const { sns, sqs } = motoClients(region);
  const topic = await sns.send(new CreateTopicCommand({ Name: uniqueName(prefix) }));
  const queue = await createQueue(sqs, uniqueName(prefix));
  const topicArn = topic.TopicArn ?? '';
  await subscribeQueue(sns, topicArn, queue);
  return {
    topicArn,
    read: async (waitSeconds = 1) =>
      (await receiveNotifications(sqs, queue, { max: 10, waitSeconds })).map(
        (n) => JSON.parse(n.envelope.Message) as RestoreEvent
      ),
  };
}
