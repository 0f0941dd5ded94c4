/**
 * Which region codes a request may name, from the AWS SDK's partition data (aws-partitions.ts):
 * - a region the SDK knows is accepted;
 * - a region the SDK does not know yet is accepted when it has the form of a partition's codes (the SDK's pattern,
 *   lowercase, and a compass direction as its middle word, as every AWS region has): AWS opens regions before an
 *   SDK release lists them. The plan warns about it;
 * - anything else is refused, with the nearest known region when one is close ("did you mean").
 * Pure: workflow code validates requests too.
 */
import { AWS_PARTITION_DATA_SOURCE, AWS_PARTITIONS } from './aws-partitions';
import { nearestCandidate, show } from './messages';

/** The middle words of AWS region codes (`us-east-1`, `ap-southeast-7`, `il-central-1`, `us-gov-west-1`). */
const DIRECTIONS = new Set([
  'east',
  'west',
  'north',
  'south',
  'central',
  'northeast',
  'northwest',
  'southeast',
  'southwest',
]);

const PARTITION_PATTERNS = AWS_PARTITIONS.map((p) => ({ id: p.id, re: new RegExp(p.regionRegex) }));

const KNOWN_REGIONS: readonly string[] = AWS_PARTITIONS.flatMap((p) => p.regions);

const KNOWN = new Set(KNOWN_REGIONS);

/** Lowercase words and a number: the form of every region code (the SDK's patterns also allow uppercase). */
const REGION_FORM = /^[a-z]+(-[a-z]+)+-\d+$/;

/**
 * A pattern every acceptable region code matches (for the published JSON Schema): a partition's prefix, lowercase
 * words and a number. The validator also checks the direction word.
 */
export const REGION_PATTERN = `^(?=[a-z0-9-]+$)(${AWS_PARTITIONS.map((p) =>
  // Without the SDK's `\-` escapes, which a JSON Schema validator in unicode mode refuses.
  p.regionRegex.replace(/^\^|\$$/g, '').replace(/\\-/g, '-')
).join('|')})$`;

/** The region prefixes of every partition, for messages: `af, ap, ... (aws), cn (aws-cn), ...`. */
function partitionPrefixes(): string {
  return AWS_PARTITIONS.map((p) => {
    const prefixes = [...new Set(p.regions.map((r) => r.replace(/-[a-z]+-\d+$/, '')))];
    return `${prefixes.join(', ')} (${p.id})`;
  }).join('; ');
}

/** The known region closest to `value` when it is close enough to be a typo of it. */
export function nearestRegion(value: string): string | undefined {
  return nearestCandidate(value.toLowerCase(), KNOWN_REGIONS, 2);
}

function didYouMean(value: string): string {
  const nearest = nearestRegion(value);
  return nearest && nearest !== value ? ` Did you mean "${nearest}"?` : '';
}

const RULE =
  'Use a region code such as "us-east-1": a region the AWS SDK knows, or a new one of the form <partition prefix>-<direction>-<number>';

/** Why `value` is not an acceptable region code, or undefined when it is (known, or well-formed and new). */
export function regionProblem(value: string): string | undefined {
  if (KNOWN.has(value)) return undefined;
  const head = `${show(value)} is not an AWS region code`;
  if (value.toLowerCase() !== value && KNOWN.has(value.toLowerCase())) {
    return `${head}: region codes are lowercase. Did you mean "${value.toLowerCase()}"?`;
  }
  if (!REGION_FORM.test(value)) {
    return `${head}: region codes are lowercase words and a number, e.g. "us-east-1" or "eu-west-3".${didYouMean(value)} ${RULE}.`;
  }
  const partition = PARTITION_PATTERNS.find((p) => p.re.test(value));
  if (!partition) {
    return (
      `${head}: it belongs to no AWS partition (region codes start with ${partitionPrefixes()}).` +
      `${didYouMean(value)} ${RULE}.`
    );
  }
  const direction = /-([a-z]+)-\d+$/.exec(value)?.[1] ?? '';
  if (!DIRECTIONS.has(direction)) {
    return (
      `${head}: AWS region codes name a direction (${[...DIRECTIONS].join(', ')}), not "${direction}".` +
      `${didYouMean(value)} ${RULE}.`
    );
  }
  return undefined;
}

/**
 * The warning for an acceptable region the SDK's partition data does not list (a region newer than the SDK, or a
 * typo that looks like a region), or undefined for a known region.
 */
export function unknownRegionWarning(value: string): string | undefined {
  if (KNOWN.has(value) || regionProblem(value) !== undefined) return undefined;
  return (
    `${show(value)} is not a region the AWS SDK's partition data knows (${AWS_PARTITION_DATA_SOURCE}): fine if AWS ` +
    `opened it after that release; otherwise correct it, or the first AWS call will fail on an endpoint that does not exist.${didYouMean(value)}`
  );
}
