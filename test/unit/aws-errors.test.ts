import assert from 'node:assert/strict';

import { awsErrorFields, classifyAwsError } from '../../src/domain/aws-errors';
import { Failures, type FailureKind } from '../../src/domain/errors';

function kindOf(
  name: string | undefined,
  httpStatusCode?: number,
  extra: { code?: string; message?: string } = {}
): FailureKind {
  return classifyAwsError({ name, httpStatusCode, ...extra }).kind;
}

describe('classifyAwsError', () => {
  it('retries an answer the SDK could not read, whatever its status (npm run chaos, seed 91)', () => {
    const message =
      '@aws-sdk XML parse error: unexpected content. Deserialization error: to see the raw response, inspect the ' +
      'hidden field {error}.$response on this object.';
    assert.equal(kindOf('Error', 400, { message }), Failures.AwsServiceError);
    assert.equal(kindOf('Error', 400, { message }).retryable, true);
  });

  const table: [string, number | undefined, FailureKind][] = [
    ['DBClusterSnapshotNotFoundFault', 404, Failures.SnapshotNotFound],
    ['DBClusterNotFoundFault', 404, Failures.ClusterFailed],
    ['DBInstanceNotFoundFault', 404, Failures.InstanceFailed],
    ['InvalidParameterValue', 400, Failures.InvalidRestoreParameter],
    ['InvalidParameterCombination', 400, Failures.InvalidRestoreParameter],
    ['ValidationError', 400, Failures.InvalidRestoreParameter],
    ['InvalidParameter', 400, Failures.InvalidRestoreParameter],
    ['KMSKeyNotAccessibleFault', 400, Failures.KmsKeyNotAccessible],
    ['SnapshotQuotaExceededFault', 400, Failures.QuotaExceeded],
    ['StorageQuotaExceeded', 400, Failures.QuotaExceeded],
    ['DBClusterQuotaExceededFault', 403, Failures.QuotaExceeded],
    ['AccessDenied', 403, Failures.AccessDenied],
    ['AccessDeniedException', 400, Failures.AccessDenied],
    ['UnauthorizedOperation', 403, Failures.AccessDenied],
    ['NotAuthorized', 400, Failures.AccessDenied],
    ['DBSubnetGroupNotFoundFault', 404, Failures.InvalidRestoreParameter],
    ['DBClusterParameterGroupNotFound', 404, Failures.InvalidRestoreParameter],
    ['DBParameterGroupNotFound', 404, Failures.InvalidRestoreParameter],
    ['InvalidVPCNetworkStateFault', 400, Failures.InvalidRestoreParameter],
    ['InvalidSubnet', 400, Failures.InvalidRestoreParameter],
    ['ResourceNotFoundException', 400, Failures.SecretUnreadable],
    ['DBClusterSnapshotAlreadyExistsFault', 400, Failures.SnapshotCopyConflict],
    ['DBClusterAlreadyExistsFault', 400, Failures.TargetExists],
    ['InvalidDBClusterStateFault', 400, Failures.NotReady],
    ['Throttling', 400, Failures.Throttled],
    ['ThrottlingException', 400, Failures.Throttled],
    ['RequestLimitExceeded', 503, Failures.Throttled],
    ['TooManyRequestsException', 429, Failures.Throttled],
    ['RequestThrottled', 400, Failures.Throttled],
    ['InternalFailure', 500, Failures.AwsServiceError],
    ['ServiceUnavailable', 503, Failures.AwsServiceError],
    ['SomethingNew', 502, Failures.AwsServiceError],
    ['TimeoutError', undefined, Failures.AwsServiceError],
    ['SomethingNew', 429, Failures.Throttled],
    ['SomethingNew', 403, Failures.AccessDenied],
    ['SomethingNew', 404, Failures.AwsClientError],
    ['SomethingNew', 400, Failures.AwsClientError],
    ['SomethingNew', undefined, Failures.AwsServiceError],
    ['CredentialsProviderError', undefined, Failures.AwsServiceError],
  ];
  for (const [name, status, expected] of table) {
    it(`${name}${status ? ` (${status})` : ''} -> ${expected.type}`, () => {
      assert.deepEqual(kindOf(name, status), expected);
    });
  }

  it('treats Node network errors as retryable', () => {
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN']) {
      const kind = kindOf('Error', undefined, { code });
      assert.equal(kind, Failures.AwsServiceError, code);
      assert.equal(kind.retryable, true);
    }
  });

  it('retries exactly throttling, server and network errors', () => {
    assert.equal(kindOf('ThrottlingException', 400).retryable, true);
    assert.equal(kindOf(undefined, 500).retryable, true);
    assert.equal(kindOf('Error', undefined, { code: 'ECONNRESET' }).retryable, true);
    assert.equal(kindOf('AccessDenied', 403).retryable, false);
    assert.equal(kindOf('InvalidParameterValue', 400).retryable, false);
    assert.equal(kindOf('SnapshotQuotaExceededFault', 400).retryable, false);
    assert.equal(kindOf('SomethingNew', 409).retryable, false);
  });

  it('tells an automated snapshot that cannot be shared from one that is not available yet', () => {
    const automated = classifyAwsError({
      name: 'InvalidDBClusterSnapshotStateFault',
      httpStatusCode: 400,
      message: 'Cannot share an automated snapshot',
    });
    assert.equal(automated.kind, Failures.SnapshotNotAvailable);
    assert.match(automated.hint, /copy it to a manual snapshot/);
    const busy = classifyAwsError({
      name: 'InvalidDBClusterSnapshotStateFault',
      httpStatusCode: 400,
      message: 'Snapshot is copying',
    });
    assert.match(busy.hint, /wait until it is available/);
  });

  it('gives actionable hints', () => {
    assert.match(classifyAwsError({ name: 'KMSKeyNotAccessibleFault' }).hint, /key policy/);
    assert.match(classifyAwsError({ name: 'AccessDenied', httpStatusCode: 403 }).hint, /roleArn/);
    assert.match(classifyAwsError({ name: 'SnapshotQuotaExceededFault' }).hint, /quota increase/);
    assert.match(classifyAwsError({ name: 'DBSubnetGroupNotFoundFault' }).hint, /target\.dbSubnetGroupName/);
    assert.match(classifyAwsError({ name: 'ResourceNotFoundException' }).hint, /masterPassword\.secretArn/);
    assert.match(classifyAwsError({ name: 'Teapot', httpStatusCode: 418 }).hint, /HTTP 418, Teapot/);
    for (const [name] of table) assert.ok(classifyAwsError({ name }).hint.length > 20, name);
  });
});

describe('awsErrorFields', () => {
  it('reads name, message, code and HTTP status from SDK-shaped errors', () => {
    const err = Object.assign(new Error('Rate exceeded'), {
      name: 'ThrottlingException',
      $metadata: { httpStatusCode: 400 },
    });
    assert.deepEqual(awsErrorFields(err), {
      name: 'ThrottlingException',
      message: 'Rate exceeded',
      httpStatusCode: 400,
    });
    const net = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5000'), { code: 'ECONNREFUSED' });
    assert.deepEqual(awsErrorFields(net), {
      name: 'Error',
      message: 'connect ECONNREFUSED 127.0.0.1:5000',
      code: 'ECONNREFUSED',
    });
    assert.equal(classifyAwsError(awsErrorFields(net)).kind, Failures.AwsServiceError);
  });

  it('copes with non-errors', () => {
    assert.deepEqual(awsErrorFields('boom'), { message: 'boom' });
    assert.deepEqual(awsErrorFields(null), { message: 'null' });
    assert.deepEqual(awsErrorFields({ name: 7, $metadata: {} }), {});
  });
});
