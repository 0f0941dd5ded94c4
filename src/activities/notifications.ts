/**
 * Start, success and failure notifications on an SNS topic, and the expiry's reminder, deletion and failure ones.
 *
 * The message body is the `RestoreEvent` as indented JSON; its `eventId` is stable across retries (and is the
 * deduplication id on FIFO topics), so consumers can drop the duplicates that at-least-once delivery and activity
 * retries can produce. The event carries statuses, ids and endpoints only: never a secret.
 */
import { createHash } from 'node:crypto';

import { PublishCommand } from '@aws-sdk/client-sns';
import type { MessageAttributeValue } from '@aws-sdk/client-sns';

import type { NotificationKind, RestoreEvent } from '../domain/restore-event';

import { failure, isAwsError, toActivityFailure } from './failures';
import type { PublishNotificationInput } from './types';

import type { ActivityDeps } from './index';

/** SNS rejects subjects of 100 characters or more (AWS: "must be less than 100 characters"). */
export const MAX_SUBJECT_LENGTH = 99;
/** SNS/SQS FIFO limit for MessageDeduplicationId and MessageGroupId. */
const MAX_FIFO_ID_LENGTH = 128;

const SUBJECT_PREFIX: Record<NotificationKind, string> = {
  started: 'Aurora restore started',
  succeeded: 'Aurora restore succeeded',
  failed: 'Aurora restore FAILED',
  'expiry-reminder': 'Aurora cluster expires soon',
  expired: 'Aurora cluster deleted (expired)',
  'expiry-failed': 'Aurora cluster expiry FAILED',
  'approval-required': 'Aurora restore awaits APPROVAL',
  'rto-breached': 'Aurora restore RTO BREACHED',
};

export interface TopicArn {
  partition: string;
  region: string;
  accountId: string;
  name: string;
  fifo: boolean;
}

/** Parses an SNS topic ARN (`arn:<partition>:sns:<region>:<account>:<name>`); undefined when it is not one. */
export function parseTopicArn(arn: string): TopicArn | undefined {
  const m = /^arn:(aws[a-z-]*):sns:([a-z]{2}(?:-[a-z]+)+-\d+):(\d{12}):([A-Za-z0-9_-]{1,256}(\.fifo)?)$/.exec(
    arn.trim()
  );
  if (!m) return undefined;
  return { partition: m[1], region: m[2], accountId: m[3], name: m[4], fifo: m[5] !== undefined };
}

/**
 * The notification subject: `<prefix> - <cluster>`, printable ASCII only (SNS requirement), no line breaks, and
 * shorter than 100 characters (cut with `...` when the cluster id would not fit).
 */
export function notificationSubject(kind: NotificationKind, clusterId: string): string {
  const subject = `${SUBJECT_PREFIX[kind]} - ${clusterId}`.replace(/[^\x20-\x7e]/g, '?');
  return subject.length <= MAX_SUBJECT_LENGTH ? subject : `${subject.slice(0, MAX_SUBJECT_LENGTH - 3)}...`;
}

/**
 * A FIFO id (deduplication or group): printable ASCII without spaces, at most 128 characters. Values that need
 * rewriting or cutting get a hash suffix, so two different event ids can never collapse into one id.
 */
export function fifoId(value: string): string {
  const clean = value.replace(/[^\x21-\x7e]/g, '_');
  if (clean === value && clean.length > 0 && clean.length <= MAX_FIFO_ID_LENGTH) return clean;
  const hash = createHash('sha256').update(value).digest('hex').slice(0, 32);
  return `${clean.slice(0, MAX_FIFO_ID_LENGTH - hash.length - 1)}-${hash}`;
}

function stringAttributes(values: Record<string, string | undefined>): Record<string, MessageAttributeValue> {
  const out: Record<string, MessageAttributeValue> = {};
  // SNS rejects empty attribute values, so empty ones are left out rather than failing the notification.
  for (const [name, value] of Object.entries(values)) {
    if (value) out[name] = { DataType: 'String', StringValue: value };
  }
  return out;
}

function validateEvent(event: RestoreEvent | undefined): string[] {
  const problems: string[] = [];
  if (!event || typeof event !== 'object') return ['event is missing'];
  if (!event.eventId) problems.push('event.eventId is empty');
  if (!(event.kind in SUBJECT_PREFIX))
    problems.push(`event.kind "${String(event.kind)}" is not ${Object.keys(SUBJECT_PREFIX).join('|')}`);
  if (!event.operationId) problems.push('event.operationId is empty');
  if (!event.target?.clusterId) problems.push('event.target.clusterId is empty');
  return problems;
}

export function createNotificationActivities(deps: Pick<ActivityDeps, 'clients'>) {
  return {
    /** Publishes one restore event to the topic (in the topic's own region). */
    async publishNotification(input: PublishNotificationInput): Promise<{ messageId: string }> {
      const topic = parseTopicArn(input.topicArn ?? '');
      if (!topic) {
        throw failure(
          'InvalidRequest',
          `notifications.topicArn "${input.topicArn}" is not an SNS topic ARN ` +
            '(expected arn:aws:sns:<region>:<12-digit account>:<topic name>).'
        );
      }
      const problems = validateEvent(input.event);
      if (problems.length > 0) {
        throw failure('InvalidRequest', `Notification event for ${input.topicArn} is invalid: ${problems.join('; ')}.`);
      }
      const { event } = input;
      const what = `publishing the "${event.kind}" notification of operation ${event.operationId} to ${input.topicArn}`;

      // The topic's region decides the endpoint; its account is where the topic lives (cross-account publishing
      // is authorised by the topic policy, with the worker's own credentials).
      const sns = deps.clients.sns({ region: topic.region, accountId: topic.accountId });
      try {
        const out = await sns.send(
          new PublishCommand({
            TopicArn: input.topicArn,
            Subject: notificationSubject(event.kind, event.target.clusterId),
            Message: JSON.stringify(event, null, 2),
            MessageAttributes: stringAttributes({
              eventId: event.eventId,
              kind: event.kind,
              operationId: event.operationId,
              targetCluster: event.target.clusterId,
            }),
            ...(topic.fifo
              ? { MessageGroupId: fifoId(event.target.clusterId), MessageDeduplicationId: fifoId(event.eventId) }
              : {}),
          })
        );
        if (!out.MessageId) {
          throw failure('AwsServiceError', `${what}: SNS accepted the message but returned no MessageId; retrying.`);
        }
        return { messageId: out.MessageId };
      } catch (err) {
        if (isAwsError(err, 'NotFoundException', 'ResourceNotFoundException')) {
          throw failure(
            'NotificationFailed',
            `${what}: the topic does not exist in ${topic.region} (account ${topic.accountId}). ` +
              'Create it or fix notifications.topicArn.',
            { awsError: err.name }
          );
        }
        if (isAwsError(err, 'AuthorizationErrorException', 'AccessDeniedException', 'AccessDenied')) {
          throw failure(
            'NotificationFailed',
            `${what}: access denied (${err.name}). Allow sns:Publish on the topic for the worker's role ` +
              '(IAM policy, and the topic policy when the topic is in another account).',
            { awsError: err.name }
          );
        }
        if (
          isAwsError(
            err,
            'KMSAccessDeniedException',
            'KMSDisabledException',
            'KMSInvalidStateException',
            'KMSNotFoundException'
          )
        ) {
          throw failure(
            'NotificationFailed',
            `${what}: the topic's KMS key cannot be used (${err.name}). Let the worker's role use the key ` +
              '(kms:GenerateDataKey*, kms:Decrypt) and check that it is enabled.',
            { awsError: err.name }
          );
        }
        throw toActivityFailure(err, what);
      }
    },
  };
}
