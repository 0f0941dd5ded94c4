/**
 * Connection info for the test servers, read from the environment that `scripts/servers.sh start` prints (and that
 * `npm test` / scripts/test.sh exports), plus factories for Temporal test environments.
 *
 * Nothing here skips: a missing variable, binary or server is an error that says what to run, because CI installs
 * and starts everything itself and a silently skipped integration suite would hide a broken pipeline.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

import type { SearchAttributeType } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';

/** Structural twin of the SDK's SearchAttributeKey, which @temporalio/common 1.24 does not export from its index. */
export interface SearchAttributeKeyLike {
  name: string;
  type: SearchAttributeType;
}

const REPO_ROOT = path.resolve(__dirname, '../..');
const VENV_BIN = path.join(REPO_ROOT, '.tools', 'venv', 'bin');

const START_HINT = 'Run `npm test` (starts the servers itself), or `eval "$(scripts/servers.sh start)"` first';
const INSTALL_HINT = 'Run scripts/install.sh (installs it into .tools/venv/bin)';

/** A server, binary or setting the tests need is not available. */
export class TestServerUnavailableError extends Error {
  override readonly name = 'TestServerUnavailableError';
}

function requiredEnv(name: string, what: string): string {
  const value = process.env[name]?.trim();
  if (!value) throw new TestServerUnavailableError(`${name} is not set: the tests need ${what}. ${START_HINT}.`);
  return value;
}

/** `host:port` of the Temporal dev server started by scripts/servers.sh (env TEMPORAL_ADDRESS). */
export function temporalAddress(): string {
  return requiredEnv('TEMPORAL_ADDRESS', 'the address of a running Temporal dev server');
}

/** Base URL of the moto server (env AWS_ENDPOINT_URL, the AWS SDK's standard endpoint setting), no trailing slash. */
export function motoEndpoint(): string {
  const value = requiredEnv('AWS_ENDPOINT_URL', 'the URL of a running moto server');
  if (!/^https?:\/\/[^/]+/.test(value)) {
    throw new TestServerUnavailableError(
      `AWS_ENDPOINT_URL must be an http(s) URL such as http://127.0.0.1:5055, got "${value}"`
    );
  }
  return value.replace(/\/+$/, '');
}

/** Absolute path of an installed binary: the env override if set, else the project's .tools/venv/bin copy. */
function binaryPath(envName: string, file: string, what: string): string {
  const fromEnv = process.env[envName]?.trim();
  const candidate = fromEnv || path.join(VENV_BIN, file);
  if (!existsSync(candidate)) {
    const origin = fromEnv ? `${envName}=${fromEnv}` : `${envName} is not set and the default ${candidate}`;
    throw new TestServerUnavailableError(`${what} not found: ${origin} does not exist. ${INSTALL_HINT}.`);
  }
  return candidate;
}

/** The Java time-skipping test server binary (env TEMPORAL_TEST_SERVER_PATH, default .tools/venv/bin). */
export function testServerPath(): string {
  return binaryPath('TEMPORAL_TEST_SERVER_PATH', 'temporal-test-server', 'Temporal time-skipping test server');
}

/** The Temporal CLI binary, which also runs the dev server (env TEMPORAL_CLI_PATH, default .tools/venv/bin). */
export function cliPath(): string {
  return binaryPath('TEMPORAL_CLI_PATH', 'temporal', 'Temporal CLI');
}

/** Attempts at starting the time-skipping server; core gives it a hard 5-second startup limit, which slow runners miss. */
export const TIME_SKIPPING_START_ATTEMPTS = 3;

/** Messages of core's ephemeral-server startup timeout (1.24 wording first, older wording second). */
const STARTUP_FLAKE = /did not start within|Failed connecting to test server/i;

/** `temporal.api.enums.v1.IndexedValueType` numbers (stable proto values), without importing @temporalio/proto. */
const INDEXED_VALUE_TYPES: Record<SearchAttributeType, number> = {
  TEXT: 1,
  KEYWORD: 2,
  INT: 3,
  DOUBLE: 4,
  BOOL: 5,
  DATETIME: 6,
  KEYWORD_LIST: 7,
};

function indexedValueType(type: SearchAttributeType): number {
  return INDEXED_VALUE_TYPES[type];
}

/**
 * Registers custom search attributes on a test environment's server through the operator service. Needed on the
 * time-skipping server: it starts with none, rejects starts/upserts of unknown ones ("search attribute X is not
 * defined") and does not accept `--search-attribute` (unknown flags make it exit). Idempotent: ALREADY_EXISTS is fine.
 */
export async function registerSearchAttributes(
  env: TestWorkflowEnvironment,
  keys: readonly SearchAttributeKeyLike[]
): Promise<void> {
  const namespace = env.namespace ?? 'default';
  for (const key of keys) {
    try {
      await env.connection.operatorService.addSearchAttributes({
        namespace,
        searchAttributes: { [key.name]: indexedValueType(key.type) },
      });
    } catch (err) {
      // gRPC ALREADY_EXISTS (6): registered earlier on this server.
      if ((err as { code?: number }).code !== 6) throw err;
    }
  }
}

export interface TimeSkippingEnvOptions {
  /** Custom search attributes to register after start (see registerSearchAttributes). */
  searchAttributes?: readonly SearchAttributeKeyLike[];
}

/**
 * A fresh time-skipping test server (one process per environment, started by the SDK from the installed binary).
 * Retries only core's startup timeout, up to TIME_SKIPPING_START_ATTEMPTS times; any other error is thrown at once.
 * Time is global to the server: run tests using one environment serially. Call `env.teardown()` in `after`.
 */
export async function createTimeSkippingEnv(options: TimeSkippingEnvOptions = {}): Promise<TestWorkflowEnvironment> {
  const executable = { type: 'existing-path' as const, path: testServerPath() };
  let lastError: unknown;
  for (let attempt = 1; attempt <= TIME_SKIPPING_START_ATTEMPTS; attempt++) {
    let env: TestWorkflowEnvironment;
    try {
      env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable } });
    } catch (err) {
      lastError = err;
      if (!STARTUP_FLAKE.test(err instanceof Error ? err.message : String(err))) throw err;
      continue;
    }
    try {
      if (options.searchAttributes?.length) await registerSearchAttributes(env, options.searchAttributes);
      return env;
    } catch (err) {
      await env.teardown();
      throw err;
    }
  }
  throw new TestServerUnavailableError(
    `Temporal time-skipping test server (${executable.path}) failed to start ${TIME_SKIPPING_START_ATTEMPTS} times: ` +
      `${lastError instanceof Error ? lastError.message : String(lastError)}`
  );
}

export interface DevServerEnvOptions {
  namespace?: string;
  /** Search attributes that must be registered on the server (scripts/servers.sh registers the restore ones). */
  requireSearchAttributes?: readonly SearchAttributeKeyLike[];
}

/**
 * An environment on the shared dev server at TEMPORAL_ADDRESS (no time skipping: `env.sleep` really sleeps).
 * The server is shared by every test file: use unique workflow ids and task queues. `env.teardown()` only closes
 * the connections.
 */
export async function createDevServerEnv(options: DevServerEnvOptions = {}): Promise<TestWorkflowEnvironment> {
  const address = temporalAddress();
  const namespace = options.namespace ?? 'default';
  let env: TestWorkflowEnvironment;
  try {
    env = await TestWorkflowEnvironment.createFromExistingServer({ address, namespace });
  } catch (err) {
    throw new TestServerUnavailableError(
      `cannot connect to the Temporal dev server at ${address} (${err instanceof Error ? err.message : String(err)}). ` +
        `${START_HINT}.`
    );
  }
  const required = options.requireSearchAttributes ?? [];
  if (required.length) {
    try {
      const { customAttributes } = await env.connection.operatorService.listSearchAttributes({ namespace });
      const missing = required.filter((key) => customAttributes?.[key.name] !== indexedValueType(key.type));
      if (missing.length) {
        throw new TestServerUnavailableError(
          `the Temporal dev server at ${address} lacks search attributes ${missing.map((k) => `${k.name}=${k.type}`).join(', ')}; ` +
            'start it with scripts/servers.sh, which registers them with --search-attribute'
        );
      }
    } catch (err) {
      await env.teardown();
      throw err;
    }
  }
  return env;
}
