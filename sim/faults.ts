/**
 * Fault injection: rules that make the next matching calls fail with a chosen AWS error, per attempt (the SDK's
 * retry strategy sees each injected failure, exactly as it would see AWS's), in the order the rules were added.
 */

/** Which calls a fault applies to, and how it fails them. */
export interface FaultSpec {
  /** SDK command class name, e.g. `CopyDBClusterSnapshotCommand`; `*` for every command. */
  command: string;
  /**
   * Error to throw: `Throttling`, `InternalFailure`, `ServiceUnavailable`, or any error the service models, by class
   * name (`DBClusterNotFoundFault`) or wire code (`DBInstanceNotFound`).
   */
  error: string;
  /** How many matching attempts fail (default 1; `Infinity` for every one). */
  times?: number;
  /** HTTP status the error claims (default: from the service model; 500 for InternalFailure). */
  httpStatus?: number;
  message?: string;
  /** Only calls whose command input satisfies this predicate. */
  match?: (input: Record<string, unknown>) => boolean;
}

export interface FaultHandle {
  /** Attempts this fault has failed so far. */
  readonly triggered: number;
  /** Attempts it will still fail. */
  readonly remaining: number;
}

interface FaultRule {
  spec: FaultSpec;
  remaining: number;
  triggered: number;
}

export class FaultRegistry {
  private rules: FaultRule[] = [];

  add(spec: FaultSpec): FaultHandle {
    const times = spec.times ?? 1;
    if (!spec.command) throw new TypeError('injectFault: command is required (e.g. "CopyDBClusterSnapshotCommand")');
    if (!spec.error) throw new TypeError('injectFault: error is required (e.g. "Throttling")');
    if (!(times > 0)) throw new RangeError(`injectFault: times must be > 0, got ${times}`);
    const rule: FaultRule = { spec, remaining: times, triggered: 0 };
    this.rules.push(rule);
    return {
      get triggered() {
        return rule.triggered;
      },
      get remaining() {
        return rule.remaining;
      },
    };
  }

  /** The first live rule matching this attempt, consumed by one; undefined when the call proceeds. */
  take(command: string, input: Record<string, unknown>): FaultSpec | undefined {
    for (const rule of this.rules) {
      if (rule.remaining <= 0) continue;
      if (rule.spec.command !== '*' && rule.spec.command !== command) continue;
      if (rule.spec.match && !rule.spec.match(input)) continue;
      rule.remaining -= 1;
      rule.triggered += 1;
      return rule.spec;
    }
    return undefined;
  }

  clear(): void {
    this.rules = [];
  }
}
