/**
 * The restore request as one zod schema: the TypeScript types (request.ts), the validation (validate.ts) and the
 * published JSON Schema (schema/restore-request.schema.json) all come from here. Rules that span sections are at
 * the end. Pure; runs inside workflow code.
 */
import type { z } from 'zod';

import { sourceClusterVerdict } from '../restore-plan';
import type { ReplaceStrategy } from '../restore-plan';

import { AccountId, KmsKeyId, kmsRegionProblem } from './aws';
import { DatabaseSchema } from './database';
import { ALWAYS, addProblem, section, text, valid } from './fields';
import { isAwsManagedAlias, parseKmsKeyRef, parseSnapshotArn } from './identifiers';
import { isPlainObject, show } from './messages';
import {
  ApprovalSchema,
  ApprovalTimeout,
  CopySchema,
  ExpirySchema,
  isDurationText,
  MasterPasswordSchema,
  NotificationsSchema,
  OperationId,
  ReplaceSchema,
  Rto,
  TimingSchema,
} from './options';
import {
  CLUSTER_SOURCE_KEYS,
  clusterSourceTargetProblems,
  Region as SourceRegion,
  SourceSchema,
  sourceClusterOf,
} from './source';
import { TargetClusterId, TargetRegion, TargetSchema } from './target';

/** The published JSON Schema's location, relative to the repository root (examples point at it). */
export const REQUEST_SCHEMA_PATH = 'schema/restore-request.schema.json';

const SECTIONS = {
  operationId: OperationId.optional(),
  source: SourceSchema,
  target: TargetSchema,
  copy: CopySchema.optional(),
  replace: ReplaceSchema.optional(),
  masterPassword: MasterPasswordSchema.optional(),
  timing: TimingSchema.optional(),
  notifications: NotificationsSchema.optional(),
  expiry: ExpirySchema.optional().meta({ description: 'Delete the restored cluster after a time to live' }),
  database: DatabaseSchema.optional().meta({ description: 'Users, sanitization and verification after the restore' }),
  approval: ApprovalSchema.optional().meta({ description: 'Human approval before the existing target is replaced' }),
  rto: Rto.optional(),
};

/** Lets a request file name its JSON Schema (for editors); the pipeline ignores it. */
const SchemaPointer = text().optional().meta({ description: 'The JSON Schema of this file, for editors; ignored' });

type Sections = typeof SECTIONS;

type Ctx = Parameters<Parameters<z.ZodType['superRefine']>[0]>[1];

/** Rules across sections. Each compares only fields that are valid on their own, so nothing is reported twice. */
const crossSectionRules =
  (withApproval: boolean) =>
  (r: unknown, ctx: Ctx): void => {
    if (!isPlainObject(r)) return;
    const problem = (path: PropertyKey[], message: string): void => addProblem(ctx, path, message);
    const source = isPlainObject(r.source) ? r.source : undefined;
    const target = isPlainObject(r.target) ? r.target : undefined;
    const copy = isPlainObject(r.copy) ? r.copy : undefined;

    // As the restore reads them: each field on its own, a missing or invalid one counting as its default.
    const approval = withApproval && isPlainObject(r.approval) ? r.approval : undefined;
    const approvalRequired =
      approval?.required === true &&
      (approval.timeout === undefined || valid(ApprovalTimeout, approval.timeout) !== undefined);
    const replaceExisting = isPlainObject(r.replace) && r.replace.existing === true;
    if (approvalRequired && !replaceExisting) {
      problem(
        ['approval', 'required'],
        'has nothing to guard without replace.existing: true (an existing target is refused before any change). Set replace.existing to true to replace the target after an approval, or remove approval'
      );
    }

    const sourceAccount = valid(AccountId, source?.accountId);
    const targetAccount = valid(AccountId, target?.accountId);
    if (sourceAccount !== undefined && target !== undefined && target.accountId === undefined) {
      problem(
        ['target', 'accountId'],
        `is required when source.accountId is set: the pipeline must know whether the restore crosses accounts (to share the snapshot and re-encrypt it). Set it to ${sourceAccount} for a same-account restore, or to the account to restore into`
      );
    }
    const snapshot = typeof source?.snapshot === 'string' ? source.snapshot : undefined;
    const arnAccount = snapshot?.startsWith('arn:') ? parseSnapshotArn(snapshot)?.accountId : undefined;
    const snapshotAccount = sourceAccount ?? arnAccount;
    const targetRegion = valid(TargetRegion, target?.region);

    // The source cluster as target: a rollback, allowed only where nothing is lost before the restored cluster is
    // verified (the swap keeps the old cluster until then; delete-first would delete it first). An unknown account
    // counts as the same one: refusing is the safe side.
    const sourceRegion = valid(SourceRegion, source?.region);
    const sourceCluster = source ? sourceClusterOf(source) : undefined;
    const targetCluster = valid(TargetClusterId, target?.clusterId);
    const replace = isPlainObject(r.replace) ? r.replace : undefined;
    const strategy: ReplaceStrategy = replace?.strategy === 'delete-first' ? 'delete-first' : 'swap';
    const verdict =
      sourceRegion !== undefined &&
      targetRegion !== undefined &&
      sourceCluster !== undefined &&
      targetCluster !== undefined &&
      (sourceAccount === undefined || targetAccount === undefined || sourceAccount === targetAccount)
        ? sourceClusterVerdict(
            { clusterId: targetCluster, region: targetRegion },
            { declared: { clusterId: sourceCluster, region: sourceRegion } },
            strategy
          )
        : undefined;
    // A live cluster source as target is refused by clusterSourceTargetProblems, whatever the strategy.
    const liveSource = source !== undefined && CLUSTER_SOURCE_KEYS.some((k) => source[k] !== undefined);
    if (verdict && !verdict.allowed && !liveSource) {
      problem(
        ['target', 'clusterId'],
        `${show(targetCluster)} is the source cluster (same region and account) and ${verdict.reason}. Use replace.strategy: swap (the default), or choose another target.clusterId, e.g. "${(sourceCluster ?? '').slice(0, 55).replace(/-+$/, '')}-restore"`
      );
    }

    clusterSourceTargetProblems(source, target, targetRegion, problem);

    const copyKey = typeof copy?.kmsKeyId === 'string' ? copy.kmsKeyId : undefined;
    const validCopyKey = valid(KmsKeyId, copyKey);
    const copyKeyRegion = validCopyKey && kmsRegionProblem(validCopyKey, targetRegion, 'target.region');
    if (copyKeyRegion) problem(['copy', 'kmsKeyId'], copyKeyRegion);
    if (snapshotAccount !== undefined && targetAccount !== undefined && snapshotAccount !== targetAccount) {
      const copyKeyRef = validCopyKey ? parseKmsKeyRef(validCopyKey) : undefined;
      if (copyKey === undefined) {
        problem(
          ['copy', 'kmsKeyId'],
          `is required for a cross-account restore (source account ${snapshotAccount}, target account ${targetAccount}): the copy in the target account must be re-encrypted under a customer-managed key there, because the default aws/rds key cannot be shared across accounts. Give a key id, alias or ARN in ${targetRegion ?? 'the target region'}`
        );
      } else if (copyKeyRef && isAwsManagedAlias(copyKeyRef)) {
        problem(
          ['copy', 'kmsKeyId'],
          `${show(copyKey)} is an AWS-managed key, which cannot be used across accounts: give a customer-managed key in the target account (key id, alias or ARN)`
        );
      }
    }

    const password = isPlainObject(r.masterPassword) ? r.masterPassword : undefined;
    const passwordKey = password?.secretArn === undefined ? valid(KmsKeyId, password?.kmsKeyId) : undefined;
    const passwordKeyRegion = passwordKey && kmsRegionProblem(passwordKey, targetRegion, 'target.region');
    if (passwordKeyRegion) problem(['masterPassword', 'kmsKeyId'], passwordKeyRegion);

    const expiry = isPlainObject(r.expiry) ? r.expiry : undefined;
    if (expiry) {
      const topicGiven = isPlainObject(r.notifications) && r.notifications.topicArn !== undefined;
      if (isDurationText(expiry.remindBefore) && !topicGiven) {
        problem(
          ['expiry', 'remindBefore'],
          'needs notifications.topicArn: the reminder is an SNS notification. Set the topic, or leave remindBefore out'
        );
      }
      if (target?.deletionProtection === true && expiry.disableDeletionProtection !== true) {
        problem(
          ['expiry', 'disableDeletionProtection'],
          'must be true when target.deletionProtection is true: otherwise the expiry could never delete the cluster. Set it, or drop deletion protection'
        );
      }
    }

    if (isPlainObject(r.database) && r.database.masterSecretArn === undefined && r.masterPassword === undefined) {
      problem(
        ['database', 'masterSecretArn'],
        'is required unless masterPassword is set: the database steps log in as the master user, whose password ' +
          'is in the snapshot and unknown to the pipeline. Give the ARN of a secret with the password, or set masterPassword'
      );
    }
  };

const TOP_KEYS = Object.keys(SECTIONS);

function requestSchema<S extends Partial<Sections>>(sections: S) {
  return section({ $schema: SchemaPointer, ...sections }, '', { listed: Object.keys(sections) })
    .superRefine(crossSectionRules('approval' in sections), ALWAYS)
    .meta({
      title: 'aurora-restore request',
      description: 'Restore an Amazon Aurora cluster from a snapshot (README "Input reference").',
    });
}

export const RestoreRequestSchema = requestSchema(SECTIONS);

/**
 * The request as the restore workflow read it before `approval` and `rto` existed (both unknown fields): only for
 * replaying restores recorded by that version.
 */
export const RestoreRequestSchemaWithoutApprovalAndRto = requestSchema(
  Object.fromEntries(
    TOP_KEYS.filter((k) => k !== 'approval' && k !== 'rto').map((k) => [k, SECTIONS[k as keyof Sections]])
  ) as Omit<Sections, 'approval' | 'rto'>
);
