/**
 * How long an RDS call may wait for a token of the call budget (src/activities/call-budget.ts) while it holds a slot
 * of the worker. Shared by the activities, which enforce it, and the workflow, whose local activities must leave the
 * workflow task when the budget turns them away (activity-options.ts).
 */

/** The first call of an activity attempt: it holds an activity slot (one of 100 by default). */
export const MAX_IN_SLOT_WAIT_MS = 1_000;

/**
 * The first call of a local activity: it holds a workflow-task slot (8 per worker, src/worker/tuning.ts), which every
 * restore on the worker needs to make progress. Above zero, so that a call due at once never waits on a timer.
 */
export const MAX_IN_WORKFLOW_TASK_WAIT_MS = 250;
