/**
 * Writes the published JSON Schemas (schema/*.schema.json) from the zod schemas in src/domain/schema.
 * Run `npm run schema` after changing a request field; test/unit/json-schema.test.ts fails until you do.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { format } from 'prettier';

import { publishedJsonSchemas } from '../src/domain/schema/json-schema';

/** The file text of a published schema, formatted as the repository formats JSON. */
export async function schemaFileText(schema: unknown): Promise<string> {
  return format(JSON.stringify(schema), { parser: 'json', printWidth: 120 });
}

async function main(): Promise<void> {
  const root = join(__dirname, '..');
  for (const [path, schema] of Object.entries(publishedJsonSchemas())) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), await schemaFileText(schema));
    console.log(`wrote ${path}`);
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
