/**
 * The approval gate before an existing target is replaced (`approval.required`): a person approves (Update
 * `approve`) or rejects (`reject`) within `approval.timeout`. The validators refuse an Update when nothing is
 * pending, before history records it; a rejection or a timeout fails the restore, which then cleans up.
 */
import type { ApplicationFailure } from '@temporalio/workflow';
import { condition, setHandler, workflowInfo } from '@temporalio/workflow';

import type { ClusterInfo } from '../../domain/aws-shapes';
import type { NormalizedRestoreRequest } from '../../domain/request';
import { refuse } from '../failure-report';
import { approveUpdate, rejectUpdate } from '../messages';
import type { ApprovalDecision, ApprovalInput, ApprovalState } from '../messages';

import { notify } from './notify';
import type { ProgressTracker } from './progress';
import type { RestoreRun } from './run';

const MAX_APPROVER_LENGTH = 200;
const MAX_REASON_LENGTH = 1000;

export type ApprovalRequirement = NonNullable<NormalizedRestoreRequest['approval']>;

export class ApprovalGate {
  private approval: ApprovalState | undefined;
  private decision: ApprovalDecision | undefined;

  /** Registers the `approve` and `reject` Update handlers (from the start, so a stray Update is refused clearly). */
  constructor(private readonly progress: ProgressTracker) {
    setHandler(approveUpdate, (i) => this.decide('approved', i), { validator: this.validator('approve') });
    setHandler(rejectUpdate, (i) => this.decide('rejected', i), { validator: this.validator('reject') });
  }

  /**
   * The `await-approval` step's work: shows what would be replaced, notifies when asked to, and waits for the
   * decision. Returns an approval; throws ApprovalRejected or ApprovalTimedOut.
   */
  async awaitDecision(
    run: RestoreRun,
    existing: ClusterInfo,
    required: ApprovalRequirement,
    swap?: ApprovalState['swap']
  ): Promise<ApprovalDecision> {
    const { target } = run.request;
    const since = Date.now();
    const deadline = since + required.timeoutMs;
    const approval: ApprovalState = {
      replaces: {
        clusterId: target.clusterId,
        region: target.region,
        ...(target.accountId ? { accountId: target.accountId } : {}),
        status: existing.status,
      },
      ...(swap ? { swap } : {}),
      since: new Date(since).toISOString(),
      deadline: new Date(deadline).toISOString(),
      pending: true,
    };
    this.approval = approval;
    this.progress.setApproval(approval);
    if (required.notify) await notify(run, 'approval-required');
    const decided = await condition(() => this.decision !== undefined, Math.max(1, deadline - Date.now()));
    approval.pending = false;
    if (!decided || !this.decision) return timedOut(approval);
    if (this.decision.decision === 'rejected') throw rejected(approval, this.decision);
    return this.decision;
  }

  private decide(kind: 'approved' | 'rejected', input: ApprovalInput): ApprovalDecision {
    const decision: ApprovalDecision = {
      decision: kind,
      by: input.by.trim(),
      at: new Date(Date.now()).toISOString(),
      ...(input.reason?.trim() ? { reason: input.reason.trim() } : {}),
    };
    this.decision = decision;
    if (this.approval) this.approval.decision = decision;
    return decision;
  }

  private validator(kind: 'approve' | 'reject'): (input: ApprovalInput) => void {
    return (input) =>
      validateDecision(
        kind,
        input,
        this.approval?.pending && !this.decision ? this.approval : undefined,
        workflowInfo().workflowId
      );
  }
}

/**
 * Refuses an approve/reject Update that cannot be applied: nothing pending, no identity, or (to reject) no reason.
 * A refused Update is not recorded in the workflow history.
 */
function validateDecision(
  kind: 'approve' | 'reject',
  input: ApprovalInput,
  pending: ApprovalState | undefined,
  workflowId: string
): void {
  if (!pending) {
    throw new Error(
      `No approval is pending in ${workflowId}: a restore waits for one only in step await-approval, before it ` +
        'replaces an existing target (approval.required). Check `aurora-restore status`.'
    );
  }
  if (typeof input !== 'object' || input === null) {
    throw new Error(`${kind} needs { by, reason }: who decides and why.`);
  }
  const by = typeof input.by === 'string' ? input.by.trim() : '';
  if (!by) throw new Error(`${kind} needs the approver's identity in "by" (e.g. --by jane.doe): it is recorded.`);
  if (by.length > MAX_APPROVER_LENGTH) throw new Error(`"by" is longer than ${MAX_APPROVER_LENGTH} characters.`);
  if (input.reason !== undefined && typeof input.reason !== 'string') throw new Error('"reason" must be text.');
  if ((input.reason ?? '').length > MAX_REASON_LENGTH) {
    throw new Error(`"reason" is longer than ${MAX_REASON_LENGTH} characters.`);
  }
  if (kind === 'reject' && !input.reason?.trim()) {
    throw new Error('reject needs a reason (--reason): it is sent in the failure notification and recorded.');
  }
}

/** Ends the approval wait as the decision or the timeout demands: a rejection or timeout fails the restore. */
function timedOut(approval: ApprovalState): never {
  approval.decision = { decision: 'timed-out', at: new Date(Date.now()).toISOString() };
  const { clusterId, region } = approval.replaces;
  throw refuse(
    'ApprovalTimedOut',
    `Nobody approved or rejected replacing cluster ${clusterId} in ${region} between ${approval.since} and ` +
      `${approval.deadline} (approval.timeout). The cluster was left as it was and what this run created was ` +
      `cleaned up. Start the restore again and approve it with \`aurora-restore approve ${region}/${clusterId} ` +
      '--by <you>`, or lengthen approval.timeout.'
  );
}

function rejected(approval: ApprovalState, decision: ApprovalDecision): ApplicationFailure {
  const { clusterId, region } = approval.replaces;
  return refuse(
    'ApprovalRejected',
    `${decision.by ?? 'Someone'} rejected replacing cluster ${clusterId} in ${region} at ${decision.at}: ` +
      `"${decision.reason ?? ''}". The cluster was left as it was and what this run created was cleaned up. ` +
      'Start the restore again once the replacement is agreed.'
  );
}
