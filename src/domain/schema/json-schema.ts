/**
 * The published JSON Schemas (schema/*.schema.json), generated from the zod schemas so they cannot drift: editors
 * use them to complete and check request files. Rules a JSON Schema cannot say (cross-field rules, the restore's
 * clock) are only in the validator; the JSON Schema never refuses what the validator accepts.
 */
import { z } from 'zod';

import { BATCH_SCHEMA_PATH, BatchRequestSchema } from './batch';
import { REQUEST_SCHEMA_PATH, RestoreRequestSchema } from './request';

export { BATCH_SCHEMA_PATH, REQUEST_SCHEMA_PATH };

const fileName = (path: string): string => path.slice(path.lastIndexOf('/') + 1);

/** Every published schema by its path in the repository; the batch schema refers to the request schema's file. */
export function publishedJsonSchemas(): Record<string, Record<string, unknown>> {
  const registry = z.registry<{ id: string }>();
  registry.add(RestoreRequestSchema, { id: fileName(REQUEST_SCHEMA_PATH) });
  registry.add(BatchRequestSchema, { id: fileName(BATCH_SCHEMA_PATH) });
  const { schemas } = z.toJSONSchema(registry, {
    io: 'input',
    target: 'draft-2020-12',
    uri: (id) => id,
    // A field checked only by a rule (log types depend on the engine) states its JSON type in its metadata.
    unrepresentable: 'any',
  });
  for (const schema of Object.values(schemas)) assertEveryTypeStated(schema, '#');
  return {
    [REQUEST_SCHEMA_PATH]: schemas[fileName(REQUEST_SCHEMA_PATH)],
    [BATCH_SCHEMA_PATH]: schemas[fileName(BATCH_SCHEMA_PATH)],
  };
}

/** Refuses an empty subschema: a zod type JSON Schema cannot represent, published as "anything goes". */
function assertEveryTypeStated(node: unknown, where: string): void {
  if (Array.isArray(node)) {
    node.forEach((item, i) => assertEveryTypeStated(item, `${where}/${i}`));
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  if (Object.keys(node).length === 0)
    throw new Error(`${where}: a schema JSON Schema cannot represent; give it a type`);
  for (const [key, value] of Object.entries(node)) {
    if (key !== 'default' && key !== 'const' && key !== 'enum') assertEveryTypeStated(value, `${where}/${key}`);
  }
}
