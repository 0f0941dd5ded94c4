/**
 * Simulated lifecycles of RDS resources. moto changes state instantly; the timeline remembers when each mutating
 * call succeeded and derives, from the simulator's clock, the status AWS would report at any later moment.
 * Resources are keyed by (kind, account, region, identifier); identifiers compare case-insensitively, as in RDS.
 *
 * Persistence (optional): given a state file, the timeline loads it on creation and rewrites it atomically (write to
 * a temporary file, then rename) after every change, so that a worker killed mid-operation and started again sees
 * the same operations with the same remaining time, as AWS would, instead of finding them all finished at once.
 * Several simulators must not share one file (the last writer wins).
 */
import fs from 'node:fs';
import path from 'node:path';

export type ResourceKind = 'snapshot' | 'cluster' | 'instance';
export type Operation = 'copy' | 'restore' | 'create' | 'delete' | 'rename';

export interface ResourceRef {
  kind: ResourceKind;
  account: string;
  region: string;
  id: string;
}

export interface Activity extends ResourceRef {
  op: Operation;
  startMs: number;
  endMs: number;
  /** Last description returned by moto: a deleted resource is reported from it until its deletion ends. */
  record?: Record<string, unknown>;
  /** Instances: the cluster they belong to and whether they are its writer (for DBClusterMembers). */
  clusterId?: string;
  isWriter?: boolean;
  /** Fields shown instead of moto's, for resources moto could only approximate (emulated cross-account copies). */
  overrides?: Record<string, unknown>;
}

/** A status forced onto a resource, typically a terminal one moto never produces (`failed`, `incompatible-restore`). */
export interface ForcedStatus {
  kind: ResourceKind;
  id: string;
  status: string;
  /**
   * Delay before the status applies, in AWS time, counted from the start of the resource's simulated operation
   * (copy, restore, create) or, for a resource that has none, from the moment the status was forced. Default 0.
   */
  after?: number;
  /** Restrict to one account / region (default: any). */
  accountId?: string;
  region?: string;
}

interface Phase {
  status: string;
  /** Fraction of the operation's duration at which this phase ends. */
  until: number;
}

/** Status sequences of AWS operations (status names as RDS reports them), as fractions of the total duration. */
const PHASES: Record<Operation, Phase[]> = {
  copy: [
    { status: 'creating', until: 0.05 },
    { status: 'copying', until: 1 },
  ],
  restore: [
    { status: 'creating', until: 0.9 },
    { status: 'backing-up', until: 1 },
  ],
  create: [
    { status: 'creating', until: 0.7 },
    { status: 'backing-up', until: 0.85 },
    { status: 'configuring-enhanced-monitoring', until: 1 },
  ],
  delete: [{ status: 'deleting', until: 1 }],
  // ModifyDBCluster NewDBClusterIdentifier / ModifyDBInstance NewDBInstanceIdentifier: the resource reads `renaming`
  // and is not available until its new DNS name is effective.
  rename: [{ status: 'renaming', until: 1 }],
};

export interface Progress {
  /** Status AWS reports now; `available` when the operation is over (for deletions: the resource is gone). */
  status: string;
  done: boolean;
  /** 0..1 of the operation's duration. */
  fraction: number;
}

export function progressOf(activity: Activity, now: number): Progress {
  const duration = activity.endMs - activity.startMs;
  const fraction = duration <= 0 ? 1 : Math.min(1, Math.max(0, (now - activity.startMs) / duration));
  if (fraction >= 1) return { status: activity.op === 'delete' ? 'deleted' : 'available', done: true, fraction: 1 };
  const phase =
    PHASES[activity.op].find((p) => fraction < p.until) ?? PHASES[activity.op][PHASES[activity.op].length - 1];
  return { status: phase.status, done: false, fraction };
}

/** PercentProgress of a snapshot copy: 0 while `creating`, then rising linearly with time to 100 at the end. */
export function copyPercent(progress: Progress): number {
  if (progress.done) return 100;
  if (progress.status === 'creating') return 0;
  return Math.min(99, Math.floor(progress.fraction * 100));
}

export function keyOf(ref: ResourceRef): string {
  return [ref.kind, ref.account, ref.region, ref.id.toLowerCase()].join('|');
}

export interface TimelineOptions {
  /** JSON file the timeline is loaded from (when it exists) and saved to after every change. */
  stateFile?: string;
  /**
   * Multiplier (>= 1) of a new operation's duration, e.g. random delays of AWS states in chaos tests; called once per
   * operation when it starts. Default: none (the configured timings as they are).
   */
  stretch?: (activity: Activity) => number;
}

type ForcedRule = ForcedStatus & { registeredAt: number };

/**
 * Bookkeeping of the simulator kept in the timeline's state file next to the operations (renames, cluster states,
 * clone chains): what a restarted worker would otherwise see wrongly. The part tells the timeline of each change.
 */
export interface PersistentPart {
  /** The part's state as JSON data (`Infinity` becomes null in JSON: encode it). */
  toState(): unknown;
  /** Replaces the part's state with one `toState` returned, in this or an earlier process. */
  fromState(state: unknown): void;
  /** Gives the part the function to call after each change of its state. */
  onChange(changed: () => void): void;
}

/**
 * What the state file holds: the current operation of each resource and the forced statuses. The log of operations
 * replaced earlier is not kept (it only serves assertions within one process), so the file stays small.
 */
interface TimelineState {
  version: 1;
  activities: Activity[];
  forced: ForcedRule[];
  /** The states of the persistent parts, by name (absent in files written before they were kept). */
  parts?: Record<string, unknown>;
}

/** Dates in moto's descriptions survive the JSON round trip as `{ $date: ISO }`. */
function encodeDates(this: unknown, key: string, value: unknown): unknown {
  const raw = (this as Record<string, unknown>)[key];
  return raw instanceof Date ? { $date: raw.toISOString() } : value;
}

function decodeDates(_key: string, value: unknown): unknown {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const keys = Object.keys(value);
    const date = (value as { $date?: unknown }).$date;
    if (keys.length === 1 && typeof date === 'string') return new Date(date);
  }
  return value;
}

export class Timeline {
  private activities = new Map<string, Activity>();
  private forced: ForcedRule[] = [];
  private log: Activity[] = [];
  private readonly parts = new Map<string, PersistentPart>();
  /** Part states loaded from the file, kept until their part is attached. */
  private loadedParts: Record<string, unknown> = {};
  private readonly stateFile?: string;
  private readonly stretch?: (activity: Activity) => number;

  constructor(options: TimelineOptions = {}) {
    this.stateFile = options.stateFile;
    this.stretch = options.stretch;
    if (this.stateFile) this.load(this.stateFile);
  }

  /**
   * Keeps `part`'s state in the state file under `name`: restores what the file holds for it (a restarted worker
   * sees the same renames, cluster states and clone chains), and saves the file after each of its changes.
   */
  persist(name: string, part: PersistentPart): void {
    if (this.parts.has(name)) throw new Error(`Timeline: a part named ${name} is already kept`);
    this.parts.set(name, part);
    if (name in this.loadedParts) part.fromState(this.loadedParts[name]);
    part.onChange(() => this.save());
  }

  /** Starts (or replaces) the simulated operation of a resource. */
  start(activity: Activity): Activity {
    const factor = this.stretch?.(activity) ?? 1;
    if (!(factor >= 1) || !Number.isFinite(factor)) {
      throw new RangeError(`Timeline stretch must be a finite factor >= 1, got ${factor}`);
    }
    if (factor !== 1) activity.endMs = activity.startMs + Math.round((activity.endMs - activity.startMs) * factor);
    this.activities.set(keyOf(activity), activity);
    this.log.push(activity);
    this.save();
    return activity;
  }

  /** Every operation started so far, in order, with its end (planned, or when it was cut short by `remove`). */
  started(): readonly Activity[] {
    return this.log;
  }

  get(ref: ResourceRef): Activity | undefined {
    return this.activities.get(keyOf(ref));
  }

  /** Forgets the resource's operation; given `now`, an operation still running then is logged as ended there. */
  remove(ref: ResourceRef, now?: number): void {
    const activity = this.get(ref);
    if (activity && now !== undefined && now < activity.endMs) activity.endMs = Math.max(activity.startMs, now);
    this.activities.delete(keyOf(ref));
    this.save();
  }

  /** The resource's deletion when it is still in progress at `now`. */
  deleting(ref: ResourceRef, now: number): Activity | undefined {
    const activity = this.get(ref);
    return activity?.op === 'delete' && !progressOf(activity, now).done ? activity : undefined;
  }

  /** Every deletion of `kind` in progress at `now` in an account and region. */
  allDeleting(kind: ResourceKind, account: string, region: string, now: number): Activity[] {
    return this.inProgress(kind, 'delete', account, region, now);
  }

  /** Every operation `op` on resources of `kind` still in progress at `now` in an account and region. */
  inProgress(kind: ResourceKind, op: Operation, account: string, region: string, now: number): Activity[] {
    const out: Activity[] = [];
    for (const activity of this.activities.values()) {
      if (activity.kind !== kind || activity.account !== account || activity.region !== region) continue;
      if (activity.op === op && !progressOf(activity, now).done) out.push(activity);
    }
    return out;
  }

  force(spec: ForcedStatus, registeredAt: number): void {
    if (!spec.id || !spec.status) throw new TypeError('forceStatus: id and status are required');
    if (spec.after !== undefined && !(spec.after >= 0)) throw new RangeError('forceStatus: after must be >= 0 ms');
    this.forced.push({ ...spec, registeredAt });
    this.save();
  }

  /** The forced status in effect for a resource at `now` (the latest registered wins). */
  forcedStatus(ref: ResourceRef, now: number): string | undefined {
    const id = ref.id.toLowerCase();
    for (let i = this.forced.length - 1; i >= 0; i -= 1) {
      const rule = this.forced[i];
      if (rule.kind !== ref.kind || rule.id.toLowerCase() !== id) continue;
      if (rule.accountId !== undefined && rule.accountId !== ref.account) continue;
      if (rule.region !== undefined && rule.region !== ref.region) continue;
      const activity = this.get(ref);
      const base = activity && activity.op !== 'delete' ? activity.startMs : rule.registeredAt;
      if (now >= base + (rule.after ?? 0)) return rule.status;
    }
    return undefined;
  }

  clear(): void {
    this.activities.clear();
    this.forced = [];
    this.log = [];
    this.loadedParts = {};
    this.save();
  }

  /** Writes the state file, if any, atomically: readers see the old state or the new one, never a torn file. */
  private save(): void {
    if (!this.stateFile) return;
    const parts: Record<string, unknown> = { ...this.loadedParts };
    for (const [name, part] of this.parts) parts[name] = part.toState();
    const state: TimelineState = {
      version: 1,
      activities: [...this.activities.values()],
      forced: this.forced,
      parts,
    };
    // Unique per process and call, so that two writers never share a temporary file.
    const tmp = `${this.stateFile}.${process.pid}.${(tmpCounter += 1)}.tmp`;
    fs.mkdirSync(path.dirname(this.stateFile), { recursive: true });
    fs.writeFileSync(tmp, JSON.stringify(state, encodeDates));
    fs.renameSync(tmp, this.stateFile);
  }

  private load(file: string): void {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    const state = JSON.parse(text, decodeDates) as TimelineState;
    if (state.version !== 1)
      throw new Error(`Simulator state file ${file} has unknown version ${String(state.version)}`);
    this.forced = state.forced;
    this.loadedParts = state.parts ?? {};
    // The log restarts with the operations in effect (the same objects, so that `remove` ends the logged one).
    this.log = [...state.activities];
    for (const activity of state.activities) this.activities.set(keyOf(activity), activity);
  }
}

let tmpCounter = 0;
