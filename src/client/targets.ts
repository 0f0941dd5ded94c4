/**
 * The CLI names a restore by its workflow id (`aurora-restore/[account/]region/cluster`) or by its target
 * (`region/cluster` or `account/region/cluster`); both map to the one workflow id `naming.restoreWorkflowId` derives.
 */
import { restoreWorkflowId, WORKFLOW_ID_PREFIX } from '../domain/naming';
import { ACCOUNT_ID_RE, rdsIdentifierProblem, REGION_RE } from '../domain/validate';

export interface RestoreTargetRef {
  region: string;
  clusterId: string;
  accountId?: string;
}

export interface ResolvedTarget {
  workflowId: string;
  target: RestoreTargetRef;
  /** The short form for messages and follow-up commands: `region/cluster` or `account/region/cluster`. */
  short: string;
}

/** The argument is not a workflow id or target; the message shows the accepted forms. */
export class TargetArgumentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TargetArgumentError';
  }
}

const FORMS =
  'Name a restore by its target, "<region>/<cluster>" or "<account>/<region>/<cluster>" (e.g. us-west-2/orders-staging), ' +
  `or by its workflow id "${WORKFLOW_ID_PREFIX}/<region>/<cluster>".`;

export function shortTargetName(target: RestoreTargetRef): string {
  return `${target.accountId ? `${target.accountId}/` : ''}${target.region}/${target.clusterId}`;
}

/** Maps a workflow id or short target to the workflow id and target; throws `TargetArgumentError`. */
export function resolveTargetArgument(arg: string): ResolvedTarget {
  const text = arg.trim();
  if (text === '') throw new TargetArgumentError(`No restore given. ${FORMS}`);
  const prefix = `${WORKFLOW_ID_PREFIX}/`;
  const isWorkflowId = text.startsWith(prefix);
  const parts = (isWorkflowId ? text.slice(prefix.length) : text).split('/');

  let target: RestoreTargetRef;
  if (parts.length === 2) {
    target = { region: parts[0], clusterId: parts[1] };
  } else if (parts.length === 3) {
    target = { accountId: parts[0], region: parts[1], clusterId: parts[2] };
  } else {
    throw new TargetArgumentError(`"${arg}" is not a restore target or workflow id. ${FORMS}`);
  }

  const problems: string[] = [];
  if (target.accountId !== undefined && !ACCOUNT_ID_RE.test(target.accountId)) {
    problems.push(`"${target.accountId}" is not an AWS account id (12 digits)`);
  }
  if (!REGION_RE.test(target.region)) problems.push(`"${target.region}" is not an AWS region (e.g. us-east-1)`);
  const clusterProblem = rdsIdentifierProblem(target.clusterId);
  if (clusterProblem) problems.push(`"${target.clusterId}" is not a DB cluster identifier: ${clusterProblem}`);
  if (problems.length > 0) {
    throw new TargetArgumentError(`"${arg}" is not a restore target: ${problems.join('; ')}. ${FORMS}`);
  }
  return { workflowId: restoreWorkflowId(target), target, short: shortTargetName(target) };
}
