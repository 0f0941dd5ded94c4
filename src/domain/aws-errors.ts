/**
 * Maps an AWS SDK v3 error (by `err.name`, the modelled error code) or a network error (by `err.code`) to the
 * failure catalogue, with a short "what to do" hint. Activities use it to throw ApplicationFailures whose type
 * decides whether Temporal retries.
 *
 * Rule of thumb: retry what can change by itself (throttling, 5xx, network), fail at once what needs a person
 * (permissions, bad parameters, missing resources, quotas).
 *
 * Pure: no SDK imports, so workflow code may import it too.
 */
import { Failures, type FailureKind } from './errors';

export interface AwsErrorFields {
  /** `err.name`: the AWS error code in SDK v3 (e.g. `DBClusterNotFoundFault`), or `Error`/`TimeoutError`. */
  name?: string;
  message?: string;
  /** `err.$metadata.httpStatusCode`. */
  httpStatusCode?: number;
  /** `err.code`: Node system error code for network failures (`ECONNRESET`...). */
  code?: string;
}

export interface AwsErrorClass {
  kind: FailureKind;
  hint: string;
}

/** Extracts the fields `classifyAwsError` needs from anything thrown (SDK errors, Node errors, strings). */
export function awsErrorFields(err: unknown): AwsErrorFields {
  if (typeof err !== 'object' || err === null) return { message: String(err) };
  const e = err as {
    name?: unknown;
    message?: unknown;
    code?: unknown;
    $metadata?: { httpStatusCode?: unknown };
  };
  const out: AwsErrorFields = {};
  if (typeof e.name === 'string') out.name = e.name;
  if (typeof e.message === 'string') out.message = e.message;
  if (typeof e.code === 'string') out.code = e.code;
  const status = e.$metadata?.httpStatusCode;
  if (typeof status === 'number') out.httpStatusCode = status;
  return out;
}

interface Rule {
  names: readonly string[];
  kind: FailureKind;
  hint: string | ((e: AwsErrorFields) => string);
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

const NETWORK_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException', 'NetworkingError']);

/** Checked in order; the first rule whose names contain `err.name` wins. */
const RULES: readonly Rule[] = [
  // Throttling first: some services send it with a 400.
  {
    // Our own fleet-wide RDS call budget (src/activities/call-budget.ts), not AWS: the call was never sent.
    names: ['RdsCallBudgetBusy'],
    kind: Failures.Throttled,
    hint: "The fleet's RDS call budget (AURORA_RESTORE_RDS_CALLS_PER_SECOND) has more calls queued than it can serve soon; the call is retried with backoff. If this persists, raise the budget (within what RDS allows) or run fewer restores at once.",
  },
  {
    names: [
      'Throttling',
      'ThrottlingException',
      'ThrottledException',
      'RequestLimitExceeded',
      'TooManyRequestsException',
      'RequestThrottled',
      'RequestThrottledException',
      'SlowDown',
      'PriorRequestNotComplete',
    ],
    kind: Failures.Throttled,
    hint: 'AWS is throttling API calls in this account and region; the call is retried with backoff. If it persists, lower worker concurrency or raise the API rate quota.',
  },
  {
    names: ['DBClusterSnapshotNotFoundFault'],
    kind: Failures.SnapshotNotFound,
    hint: 'The cluster snapshot does not exist in that region and account, or is not shared with this account: check source.snapshot, source.region and source.accountId.',
  },
  {
    // Activities handle an expected absence themselves; reaching here means the cluster disappeared mid-restore.
    names: ['DBClusterNotFoundFault'],
    kind: Failures.ClusterFailed,
    hint: 'The DB cluster does not exist (any more): check target.clusterId and target.region, and CloudTrail for a DeleteDBCluster made outside this restore.',
  },
  {
    names: ['DBInstanceNotFoundFault', 'DBInstanceNotFound'],
    kind: Failures.InstanceFailed,
    hint: 'The DB instance does not exist (any more): check CloudTrail for a DeleteDBInstance made outside this restore, then restore again.',
  },
  {
    names: ['DBClusterSnapshotAlreadyExistsFault'],
    kind: Failures.SnapshotCopyConflict,
    hint: 'A snapshot with the copy identifier already exists and was not created by this operation: delete or rename it, or use another operationId.',
  },
  {
    names: ['DBClusterAlreadyExistsFault'],
    kind: Failures.TargetExists,
    hint: 'A cluster with the target identifier already exists: set replace.existing to replace a cluster this pipeline created, or choose another target.clusterId.',
  },
  {
    names: [
      'KMSKeyNotAccessibleFault',
      'KMSKeyNotAccessible',
      'KMSInvalidStateException',
      'KMSAccessDeniedException',
      'DisabledException',
      'KMSDisabledException',
      'KMSNotFoundException',
    ],
    kind: Failures.KmsKeyNotAccessible,
    hint: 'RDS cannot use the KMS key: it must exist in the target region, be enabled, and its key policy must let the target account use it (kms:CreateGrant, kms:DescribeKey, kms:Decrypt, kms:GenerateDataKey*). Cross-account snapshots need the source key shared with the target account.',
  },
  {
    names: ['InvalidDBClusterSnapshotStateFault'],
    kind: Failures.SnapshotNotAvailable,
    hint: (e) =>
      /automated/i.test(e.message ?? '')
        ? 'Automated snapshots cannot be shared or used across accounts: copy it to a manual snapshot in the source account first, or select a manual snapshot.'
        : 'The snapshot is not in a state that allows this call (it may still be creating or copying, or being deleted): wait until it is available, or choose another snapshot.',
  },
  {
    // The resource is busy (modifying, backing-up...); the call can succeed once it settles.
    names: ['InvalidDBClusterStateFault', 'InvalidDBInstanceStateFault'],
    kind: Failures.NotReady,
    hint: 'The resource is in a state that does not allow this call yet (for example modifying or backing-up); retried until it settles. If it is stopped, start it.',
  },
  {
    names: [
      'AccessDenied',
      'AccessDeniedException',
      'UnauthorizedOperation',
      'NotAuthorized',
      'AuthorizationError',
      'AuthorizationErrorException',
      'UnrecognizedClientException',
      'InvalidClientTokenId',
      'SignatureDoesNotMatch',
      'InvalidSignatureException',
      'AuthFailure',
      'ExpiredToken',
      'ExpiredTokenException',
    ],
    kind: Failures.AccessDenied,
    hint: "The worker's credentials (or the role in source.roleArn / target.roleArn) are not allowed to make this call: grant the IAM action named in the message, and check the role trust policy for cross-account access.",
  },
  {
    names: [
      'InvalidParameterValue',
      'InvalidParameterCombination',
      'InvalidParameter',
      'InvalidParameterException',
      'InvalidParameterValueException',
      'ValidationError',
      'ValidationException',
      'MissingParameter',
      'InvalidRestoreFault',
      'StorageTypeNotSupportedFault',
      'InvalidDBSubnetGroupStateFault',
    ],
    kind: Failures.InvalidRestoreParameter,
    hint: 'AWS refused a parameter of the call (the message names it): fix the matching field of the restore request (engine version, instance class, serverless capacity, deletion protection...) and start again.',
  },
  {
    names: [
      'DBSubnetGroupNotFoundFault',
      'DBSubnetGroupDoesNotCoverEnoughAZs',
      'InvalidVPCNetworkStateFault',
      'InvalidSubnet',
    ],
    kind: Failures.InvalidRestoreParameter,
    hint: 'The network settings do not work in the target region: check that target.dbSubnetGroupName exists there, covers at least two Availability Zones, and that target.vpcSecurityGroupIds belong to the same VPC.',
  },
  {
    names: [
      'DBClusterParameterGroupNotFound',
      'DBClusterParameterGroupNotFoundFault',
      'DBParameterGroupNotFound',
      'DBParameterGroupNotFoundFault',
    ],
    kind: Failures.InvalidRestoreParameter,
    hint: 'The parameter group does not exist in the target region and account: create it, or fix target.dbClusterParameterGroupName / target.dbParameterGroupName (its family must match the engine version).',
  },
  {
    names: [
      'InsufficientDBInstanceCapacity',
      'InsufficientDBInstanceCapacityFault',
      'InsufficientDBClusterCapacityFault',
      'InsufficientStorageClusterCapacity',
    ],
    kind: Failures.InvalidRestoreParameter,
    hint: "AWS has no capacity for this instance class in the subnet group's Availability Zones: choose another target.instanceClass, or a subnet group with more zones, and restore again.",
  },
  {
    names: ['DBInstanceAlreadyExists', 'DBInstanceAlreadyExistsFault'],
    kind: Failures.InvalidRestoreParameter,
    hint: 'An instance with the derived identifier already exists and was not created by this operation: delete it or choose another target.clusterId.',
  },
  {
    names: ['ResourceNotFoundException', 'DecryptionFailure', 'InvalidRequestException'],
    kind: Failures.SecretUnreadable,
    hint: 'The master password secret cannot be read: check masterPassword.secretArn (it must exist and not be scheduled for deletion), that the worker may call secretsmanager:GetSecretValue on it, and kms:Decrypt on its key.',
  },
];

const QUOTA_HINT =
  'An AWS quota is reached (the message names it; manual snapshots default to 100 per region, concurrent cross-region copies to 5): delete what is no longer needed or ask for a quota increase, then start again.';

function hintOf(rule: Rule, e: AwsErrorFields): string {
  return typeof rule.hint === 'function' ? rule.hint(e) : rule.hint;
}

/** Classifies an AWS or network error; see the header comment for the rules. */
export function classifyAwsError(e: AwsErrorFields): AwsErrorClass {
  const name = e.name ?? '';
  const status = e.httpStatusCode;

  for (const rule of RULES) {
    if (rule.names.includes(name)) return { kind: rule.kind, hint: hintOf(rule, e) };
  }
  if (/QuotaExceeded/i.test(name)) return { kind: Failures.QuotaExceeded, hint: QUOTA_HINT };

  if ((e.code && NETWORK_CODES.has(e.code)) || NETWORK_NAMES.has(name) || NETWORK_CODES.has(name)) {
    return {
      kind: Failures.AwsServiceError,
      hint: "The AWS endpoint could not be reached or did not answer in time; retried. If it persists, check the worker's network path (proxy, VPC endpoints, DNS) and AWS_ENDPOINT_URL.",
    };
  }
  if (name === 'CredentialsProviderError') {
    // Often transient (instance metadata or STS briefly unreachable), so it is retried.
    return {
      kind: Failures.AwsServiceError,
      hint: "The worker could not obtain AWS credentials; retried. If it persists, check the worker's credential chain (environment, profile, instance or task role) and the assume-role settings.",
    };
  }
  if (
    [
      'InternalFailure',
      'InternalError',
      'InternalServerError',
      'InternalServiceError',
      'ServiceUnavailable',
      'ServiceUnavailableException',
      'InternalFailureException',
    ].includes(name) ||
    (status !== undefined && status >= 500)
  ) {
    return {
      kind: Failures.AwsServiceError,
      hint: 'AWS returned a server-side error; retried with backoff. If it persists, check the AWS Health Dashboard for the region.',
    };
  }
  // The SDK could not read the answer (e.g. a body cut short): what AWS meant is unknown, and a retry can fix it.
  if (/Deserialization error/i.test(e.message ?? '')) {
    return {
      kind: Failures.AwsServiceError,
      hint: `AWS's answer${status !== undefined ? ` (HTTP ${status})` : ''} could not be read; retried with backoff. If it persists, check the worker's network path (proxy, VPC endpoints) and AWS_ENDPOINT_URL.`,
    };
  }
  if (status === 429) {
    return {
      kind: Failures.Throttled,
      hint: 'AWS answered 429 Too Many Requests; retried with backoff.',
    };
  }
  if (status === 403) {
    return {
      kind: Failures.AccessDenied,
      hint: 'AWS answered 403 Forbidden: check the IAM permissions of the worker and of the roles in the request.',
    };
  }
  if (status !== undefined && status >= 400) {
    return {
      kind: Failures.AwsClientError,
      hint: `AWS refused the call (HTTP ${status}${name ? `, ${name}` : ''}); retrying the same call will not help: read the message, fix the request or the AWS setup, and start again.`,
    };
  }
  // No status and an unknown name: most likely a transport problem, which a retry can fix.
  return {
    kind: Failures.AwsServiceError,
    hint: 'The call failed without an AWS error code or HTTP status; retried. If it persists, check the worker logs for the underlying error.',
  };
}
