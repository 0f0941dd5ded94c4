import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import Ajv2020 from 'ajv/dist/2020';
import { parse as parseYaml } from 'yaml';

import { BatchValidationError, validateBatchRequest } from '../../src/domain/batch';
import { BATCH_SCHEMA_PATH, publishedJsonSchemas, REQUEST_SCHEMA_PATH } from '../../src/domain/schema/json-schema';
import { RequestValidationError, validateRestoreRequest } from '../../src/domain/validate';

import { fullRequest, minimalRequest, validateOptions } from './fixtures';

type Loose = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const ROOT = path.join(__dirname, '../..');
const EXAMPLES = path.join(ROOT, 'examples');
const readJson = (file: string): Loose => JSON.parse(readFileSync(path.join(ROOT, file), 'utf8')) as Loose;

/** A real JSON Schema validator over the committed files, as an editor would load them. */
function jsonSchemaValidators(): { request: (v: unknown) => string[]; batch: (v: unknown) => string[] } {
  const ajv = new Ajv2020({ allErrors: true });
  ajv.addSchema(readJson(REQUEST_SCHEMA_PATH));
  ajv.addSchema(readJson(BATCH_SCHEMA_PATH));
  const check =
    (id: string) =>
    (value: unknown): string[] => {
      const validate = ajv.getSchema(id);
      assert.ok(validate, `${id} is not loaded`);
      return validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
    };
  return { request: check('restore-request.schema.json'), batch: check('batch-request.schema.json') };
}

function loadExample(file: string): { doc: Loose; text: string } {
  const text = readFileSync(path.join(EXAMPLES, file), 'utf8');
  return { doc: (file.endsWith('.json') ? JSON.parse(text) : parseYaml(text)) as Loose, text };
}

const isBatch = (doc: Loose): boolean => Array.isArray(doc.targets);

/** Every property name the schema documents, at any depth (the request schema's own). */
function propertyNames(node: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(node)) node.forEach((n) => propertyNames(n, out));
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'properties') for (const name of Object.keys(value as object)) out.add(name);
      propertyNames(value, out);
    }
  }
  return out;
}

describe('the published JSON Schemas', () => {
  const validators = jsonSchemaValidators();

  it('are what the code generates now (run `npm run schema` after changing the request schema)', () => {
    const generated = publishedJsonSchemas();
    assert.deepEqual(Object.keys(generated).sort(), [BATCH_SCHEMA_PATH, REQUEST_SCHEMA_PATH].sort());
    for (const [file, schema] of Object.entries(generated)) {
      assert.deepEqual(readJson(file), schema, `${file} is out of date: run \`npm run schema\` and commit the result`);
    }
  });

  const files = readdirSync(EXAMPLES).filter((f) => /\.(json|ya?ml)$/.test(f));

  it('covers every example file', () => {
    assert.ok(files.length >= 5, `only ${files.length} examples`);
  });

  for (const file of files) {
    it(`${file} points at its schema and is valid against it and against the validator`, () => {
      const { doc, text } = loadExample(file);
      const schemaFile = isBatch(doc) ? BATCH_SCHEMA_PATH : REQUEST_SCHEMA_PATH;
      const pointer = `../${schemaFile}`;
      if (file.endsWith('.json')) assert.equal(doc.$schema, pointer);
      else assert.equal(text.split('\n')[0], `# yaml-language-server: $schema=${pointer}`);
      assert.equal(path.resolve(EXAMPLES, pointer), path.join(ROOT, schemaFile));

      const problems = isBatch(doc) ? validators.batch(doc) : validators.request(doc);
      assert.deepEqual(problems, [], `${file} does not match ${schemaFile}`);
      if (isBatch(doc)) assert.doesNotThrow(() => validateBatchRequest(doc, validateOptions()));
      else assert.doesNotThrow(() => validateRestoreRequest(doc, validateOptions()));
    });
  }

  it('accept the test fixtures the validator accepts', () => {
    for (const request of [minimalRequest(), fullRequest()]) {
      validateRestoreRequest(request, validateOptions());
      assert.deepEqual(validators.request(request), []);
    }
  });

  const broken: { name: string; edit: (r: Loose) => void; expect: RegExp }[] = [
    { name: 'an unknown field', edit: (r) => (r.target.instanceCont = 2), expect: /instanceCont/ },
    { name: 'a wrong type', edit: (r) => (r.target.port = '5432'), expect: /target\.port/ },
    { name: 'a password', edit: (r) => (r.masterPassword = { password: 'x' }), expect: /masterPassword\.password/ },
    { name: 'a bad identifier', edit: (r) => (r.target.clusterId = 'orders_restore'), expect: /target\.clusterId/ },
    { name: 'both secretArn and manage', edit: (r) => (r.masterPassword.manage = true), expect: /masterPassword/ },
  ];
  for (const c of broken) {
    it(`refuse an example with ${c.name}, as the validator does`, () => {
      const request = structuredClone(loadExample('full-reference.yaml').doc);
      c.edit(request);
      assert.notDeepEqual(validators.request(request), []);
      assert.throws(
        () => validateRestoreRequest(request, validateOptions()),
        (err: unknown) =>
          err instanceof RequestValidationError && err.problems.some((p) => c.expect.test(p.replace(/:.*/, '')))
      );
    });
  }

  it('refuse a batch with an unknown field or a bad request inside, as the validator does', () => {
    const batch = loadExample('batch-staging-refresh.json').doc;
    for (const edit of [
      (b: Loose) => (b.concurency = 3),
      (b: Loose) => (b.concurrency = '3'),
      (b: Loose) => (b.targets[0].request.target.port = 80),
    ]) {
      const broken = structuredClone(batch);
      edit(broken);
      assert.notDeepEqual(validators.batch(broken), []);
      assert.throws(() => validateBatchRequest(broken, validateOptions()), BatchValidationError);
    }
  });

  it('lets a request name its schema with "$schema", which the validator ignores', () => {
    const plain = validateRestoreRequest(fullRequest(), validateOptions());
    const pointed = validateRestoreRequest(
      { $schema: `../${REQUEST_SCHEMA_PATH}`, ...fullRequest() },
      validateOptions()
    );
    assert.deepEqual(pointed, plain);
    assert.equal('$schema' in pointed, false);
    assert.throws(
      () => validateRestoreRequest({ $schema: 42, ...fullRequest() }, validateOptions()),
      (err: unknown) => err instanceof RequestValidationError && /^\$schema: must be a string/.test(err.problems[0])
    );
  });

  it('documents every request field in examples/full-reference.yaml (as a field or in a comment)', () => {
    const { text } = loadExample('full-reference.yaml');
    const missing = [...propertyNames(readJson(REQUEST_SCHEMA_PATH))].filter(
      (name) => name !== '$schema' && !new RegExp(`\\b${name}\\b`).test(text)
    );
    assert.deepEqual(missing, [], `examples/full-reference.yaml does not mention: ${missing.join(', ')}`);
  });
});
