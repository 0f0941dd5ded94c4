/**
 * Startup check that the namespace has the restore's search attributes. Without them every restore would fail at
 * its first `upsertSearchAttributes` (a workflow task failure retried forever), so the worker refuses to start and
 * prints the exact commands that register them.
 */

import type { SearchAttributeType } from '@temporalio/common';
import type { NativeConnection } from '@temporalio/worker';

import { RESTORE_SEARCH_ATTRIBUTES } from '../workflows/messages';

/**
 * `temporal.api.enums.v1.IndexedValueType` values (stable proto enum numbers) with the names the `temporal` CLI
 * and `tcld` use for them.
 */
const INDEXED_VALUE_TYPES: Record<number, { sdk: SearchAttributeType; cli: string }> = {
  1: { sdk: 'TEXT', cli: 'Text' },
  2: { sdk: 'KEYWORD', cli: 'Keyword' },
  3: { sdk: 'INT', cli: 'Int' },
  4: { sdk: 'DOUBLE', cli: 'Double' },
  5: { sdk: 'BOOL', cli: 'Bool' },
  6: { sdk: 'DATETIME', cli: 'Datetime' },
  7: { sdk: 'KEYWORD_LIST', cli: 'KeywordList' },
};

function cliTypeName(type: SearchAttributeType): string {
  return Object.values(INDEXED_VALUE_TYPES).find((t) => t.sdk === type)?.cli ?? type;
}

export interface SearchAttributeProblem {
  name: string;
  expected: string;
  /** The registered type (CLI spelling) when the attribute exists with another type. */
  actual?: string;
}

export interface SearchAttributeCheck {
  missing: SearchAttributeProblem[];
  wrongType: SearchAttributeProblem[];
}

/** Compares what the namespace has (`customAttributes` of ListSearchAttributes) with what the restore needs. */
export function compareSearchAttributes(
  registered: Record<string, number>,
  required: readonly { name: string; type: SearchAttributeType }[] = RESTORE_SEARCH_ATTRIBUTES
): SearchAttributeCheck {
  const missing: SearchAttributeProblem[] = [];
  const wrongType: SearchAttributeProblem[] = [];
  for (const key of required) {
    const expected = cliTypeName(key.type);
    const actual = registered[key.name];
    if (actual === undefined) {
      missing.push({ name: key.name, expected });
    } else if (INDEXED_VALUE_TYPES[actual]?.sdk !== key.type) {
      wrongType.push({ name: key.name, expected, actual: INDEXED_VALUE_TYPES[actual]?.cli ?? `type #${actual}` });
    }
  }
  return { missing, wrongType };
}

/** Asks the server which custom search attributes the namespace has. */
export async function checkNamespaceSearchAttributes(
  connection: NativeConnection,
  namespace: string
): Promise<SearchAttributeCheck> {
  const response = await connection.operatorService.listSearchAttributes({ namespace });
  return compareSearchAttributes(response.customAttributes ?? {});
}

/** The error text: what is missing and the exact commands to fix it (self-hosted/dev server and Temporal Cloud). */
export function searchAttributeSetupHelp(check: SearchAttributeCheck, namespace: string, skipVariable: string): string {
  const lines: string[] = [];
  if (check.missing.length > 0) {
    lines.push(
      `Namespace "${namespace}" is missing the search attribute${check.missing.length === 1 ? '' : 's'} ` +
        `${check.missing.map((m) => m.name).join(', ')} that restores record their target, source, step, status and expiry time in.`,
      'Without them every restore would get stuck at its first step. Register them once per namespace:',
      '',
      ...check.missing.map(
        (m) =>
          `  temporal operator search-attribute create --namespace ${namespace} --name ${m.name} --type ${m.expected}`
      ),
      '',
      '  (add the same --address/--api-key/--tls flags or TEMPORAL_* variables you use for the worker)',
      '',
      'On Temporal Cloud (needs the namespace admin role), with tcld or in the Cloud UI (Namespace > Custom Search Attributes):',
      '',
      `  tcld namespace search-attributes add --namespace ${namespace} ` +
        check.missing.map((m) => `--sa "${m.name}=${m.expected}"`).join(' '),
      '',
      'For the local dev server: temporal server start-dev ' +
        check.missing.map((m) => `--search-attribute ${m.name}=${m.expected}`).join(' ')
    );
  }
  if (check.wrongType.length > 0) {
    if (lines.length > 0) lines.push('');
    lines.push(
      ...check.wrongType.map(
        (w) =>
          `Search attribute ${w.name} in namespace "${namespace}" has type ${w.actual}, but restores need ${w.expected}: ` +
          `remove it (temporal operator search-attribute remove --namespace ${namespace} --name ${w.name}) and create it as ${w.expected}.`
      )
    );
  }
  lines.push(
    '',
    `If this worker's credentials may not list search attributes (e.g. an API key without operator permission) and ` +
      `they are registered, set ${skipVariable}=1 to skip this check.`
  );
  return lines.join('\n');
}
