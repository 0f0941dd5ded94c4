/**
 * The CLI's heavy modules, loaded when a command runs rather than when the CLI starts: `@temporalio/client` alone
 * takes a quarter of a second to load, `yaml` and the AWS-facing code more, and `--help`, completion or a usage error
 * need none of them. Types come from `import type` (erased); the values from `require` on first use (Node caches it).
 *
 * `import()` is not an option here: the package is CommonJS and, under `module: nodenext`, TypeScript keeps
 * `import()` as a native ESM import, which cannot load extensionless paths (nor `.ts` files under ts-node).
 */
/* eslint-disable @typescript-eslint/no-require-imports -- deliberate lazy loading, see above */
import type * as TemporalClient from '@temporalio/client';

import type * as BatchClient from '../batch-client';
import type * as Connection from '../connection';
import type * as ExpiryClient from '../expiry-client';
import type * as Plan from '../plan';
import type * as RequestFile from '../request-file';
import type * as RestoreClient from '../restore-client';
import type * as Schedules from '../schedules';

export const load = {
  batchClient: () => require('../batch-client') as typeof BatchClient,
  connection: () => require('../connection') as typeof Connection,
  expiryClient: () => require('../expiry-client') as typeof ExpiryClient,
  plan: () => require('../plan') as typeof Plan,
  requestFile: () => require('../request-file') as typeof RequestFile,
  restoreClient: () => require('../restore-client') as typeof RestoreClient,
  schedules: () => require('../schedules') as typeof Schedules,
  temporalClient: () => require('@temporalio/client') as typeof TemporalClient,
};
