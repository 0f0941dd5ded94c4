/**
 * The client's Temporal connection, from the same settings as the worker and the `temporal` CLI: TEMPORAL_ADDRESS,
 * TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_*, TEMPORAL_PROFILE / TEMPORAL_CONFIG_FILE (`@temporalio/envconfig`).
 *
 * Links to runs point at the Web UI in TEMPORAL_UI_URL. Default: https://cloud.temporal.io when the address is a
 * Temporal Cloud endpoint (*.tmprl.cloud, *.api.temporal.io), else http://localhost:8233 (the local dev server).
 * Self-hosted clusters set TEMPORAL_UI_URL to their UI, e.g. https://temporal.example.com.
 *
 * Payloads: encrypted with the payload codec when AURORA_RESTORE_CODEC_KEYS(_FILE) is set (src/codec), the same keys
 * as the worker's; the schedules the CLI creates carry their workflow's arguments encrypted too.
 */
import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { loadClientConnectConfig } from '@temporalio/envconfig';

import { CodecConfigError, dataConverterFromEnv } from '../codec';

export const DEFAULT_ADDRESS = 'localhost:7233';
export const DEFAULT_NAMESPACE = 'default';
export const LOCAL_UI_URL = 'http://localhost:8233';
export const CLOUD_UI_URL = 'https://cloud.temporal.io';

export interface ClientConnection {
  client: Client;
  connection: Connection;
  namespace: string;
  address: string;
  /** Base URL of the Temporal Web UI, without a trailing slash. */
  uiBaseUrl: string;
  close(): Promise<void>;
}

/** A connection that could not be made, with what to check. */
export class TemporalConnectionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemporalConnectionError';
  }
}

type Env = Record<string, string | undefined>;

/** True for Temporal Cloud endpoints (namespace endpoints and regional API key endpoints). */
export function isTemporalCloudAddress(address: string): boolean {
  const host = address.replace(/:\d+$/, '').toLowerCase();
  return host.endsWith('.tmprl.cloud') || host.endsWith('.api.temporal.io');
}

/** The Web UI base URL: TEMPORAL_UI_URL, else Temporal Cloud's UI for a Cloud address, else the dev server's. */
export function resolveUiBaseUrl(env: Env, address: string): string {
  const configured = env.TEMPORAL_UI_URL?.trim();
  if (configured) return configured.replace(/\/+$/, '');
  return isTemporalCloudAddress(address) ? CLOUD_UI_URL : LOCAL_UI_URL;
}

/** Link to one run (or the latest run when runId is omitted) in the Web UI. */
export function workflowUrl(uiBaseUrl: string, namespace: string, workflowId: string, runId?: string): string {
  const base = `${uiBaseUrl}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return runId ? `${base}/${encodeURIComponent(runId)}/history` : base;
}

export interface ConnectOptions {
  /** Environment to read instead of `process.env` (tests, embedding). */
  env?: Env;
}

export async function connectClient(options: ConnectOptions = {}): Promise<ClientConnection> {
  const env = options.env ?? process.env;
  const dataConverter = codecDataConverter(env);
  const { connection, namespace, address } = await connectTemporal(
    (connectionOptions) => Connection.connect(connectionOptions),
    (message) => new TemporalConnectionError(message),
    { env: options.env, fixSettings: 'Fix the profile file or the variables.' }
  );
  const client = new Client({ connection, namespace, dataConverter });
  return {
    client,
    connection,
    namespace,
    address,
    uiBaseUrl: resolveUiBaseUrl(env, address),
    close: () => connection.close(),
  };
}

/** The client's data converter; bad codec settings fail before connecting, naming the variable to fix. */
export function codecDataConverter(env: Env): DataConverter {
  try {
    return dataConverterFromEnv(env);
  } catch (err) {
    if (err instanceof CodecConfigError) throw new TemporalConnectionError(err.message);
    throw err;
  }
}

type ConnectConfig = ReturnType<typeof loadClientConnectConfig>;

/**
 * Reads the Temporal settings (TEMPORAL_* variables, else the profile) and connects with them: the CLI's
 * `Connection` and the worker's `NativeConnection` alike. Either failure becomes `fail(message)`, saying what to
 * check; `fixSettings` ends the message when the settings themselves cannot be read.
 */
export async function connectTemporal<C>(
  connect: (options: ConnectConfig['connectionOptions']) => Promise<C>,
  fail: (message: string) => Error,
  options: { env?: Env; fixSettings: string }
): Promise<{ connection: C; namespace: string; address: string }> {
  let config: ConnectConfig;
  try {
    config = loadClientConnectConfig(options.env ? { overrideEnvVars: definedOnly(options.env) } : {});
  } catch (err) {
    throw fail(
      `Could not load the Temporal connection settings (TEMPORAL_* variables, TEMPORAL_PROFILE, TEMPORAL_CONFIG_FILE): ` +
        `${errorMessage(err).trimEnd()}\n${options.fixSettings}`
    );
  }
  const namespace = config.namespace ?? DEFAULT_NAMESPACE;
  const address = config.connectionOptions.address ?? DEFAULT_ADDRESS;
  try {
    return { connection: await connect(config.connectionOptions), namespace, address };
  } catch (err) {
    throw fail(
      `Could not connect to Temporal at ${address} (namespace "${namespace}"): ${errorMessage(err)}. ` +
        `Check TEMPORAL_ADDRESS / TEMPORAL_PROFILE and the TLS or API key settings; for local development start ` +
        `a dev server with \`temporal server start-dev\`.`
    );
  }
}

function definedOnly(env: Env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined) out[key] = value;
  return out;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
