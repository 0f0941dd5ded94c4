/**
 * How long an RDS call may wait for a token of the call budget (src/activities/call-budget.ts) while it holds a slot
 * of the worker. Shared by the activities, which enforce it, and the workflow, whose local activities must not hold
 * their workflow task for long (activity-options.ts).
 */

/** The first call of an activity attempt: it holds an activity slot (20 per worker by default, src/worker/config.ts). */
export const MAX_IN_SLOT_WAIT_MS = 1_000;

/**
 * Any call of a local activity: it holds a workflow-task slot (40 per worker, src/worker/tuning.ts), which every
 * restore on the worker needs to make progress; beyond this it is made again as a regular activity. Also the local
 * activities' retry threshold: a retry due later waits on a timer, outside the slot. Above zero, so that a call due
 * at once stays local.
 */
export const MAX_IN_WORKFLOW_TASK_WAIT_MS = 250;
