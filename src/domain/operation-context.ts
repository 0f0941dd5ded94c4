/**
 * The operation context the workflow interceptor passes to every activity it schedules, in an activity header: the
 * activity's log lines then carry the operation id and the step like the workflow's own. No secrets: identifiers only.
 */

/** Name of the activity header carrying the context (a JSON payload). */
export const OPERATION_CONTEXT_HEADER = 'aurora-restore-operation';

export interface OperationContext {
  /** The restore's operation id (its resources carry it in the `aurora-restore:operation-id` tag). */
  operationId?: string;
  /** The step the activity runs for (see README, "How a restore runs"), or `cleanup`. */
  step?: string;
}
