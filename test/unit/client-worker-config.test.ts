import assert from 'node:assert/strict';

import {
  DEFAULT_MAX_CONCURRENT_ACTIVITIES,
  DEFAULT_MAX_CONCURRENT_COPIES,
  DEFAULT_RDS_CALLS_PER_SECOND,
  parseWorkerConfig,
  SHUTDOWN_GRACE_TIME,
  WorkerConfigError,
} from '../../src/worker/config';
import { compareSearchAttributes, searchAttributeSetupHelp } from '../../src/worker/search-attributes';
import { DEFAULT_MAX_CACHED_WORKFLOWS } from '../../src/worker/tuning';
import { TASK_QUEUE } from '../../src/workflows/messages';

describe('client worker configuration', () => {
  it('has defaults for an empty environment', () => {
    assert.deepEqual(parseWorkerConfig({}), {
      roles: ['restore', 'database'],
      taskQueue: TASK_QUEUE,
      logLevel: 'INFO',
      maxConcurrentActivityTaskExecutions: DEFAULT_MAX_CONCURRENT_ACTIVITIES,
      maxTaskQueueActivitiesPerSecond: undefined,
      rdsCallsPerSecond: DEFAULT_RDS_CALLS_PER_SECOND,
      maxConcurrentCopies: DEFAULT_MAX_CONCURRENT_COPIES,
      maxCachedWorkflows: DEFAULT_MAX_CACHED_WORKFLOWS,
      skipSearchAttributeCheck: false,
      shutdownGraceTime: SHUTDOWN_GRACE_TIME,
      database: {},
      dataConverter: {},
    });
    assert.equal(DEFAULT_MAX_CONCURRENT_ACTIVITIES, 20);
    assert.equal(DEFAULT_RDS_CALLS_PER_SECOND, 10);
    assert.equal(DEFAULT_MAX_CONCURRENT_COPIES, 5);
    assert.equal(DEFAULT_MAX_CACHED_WORKFLOWS, 250);
    assert.equal(SHUTDOWN_GRACE_TIME, '30s');
  });

  it('reads every setting', () => {
    const config = parseWorkerConfig({
      LOG_LEVEL: 'debug',
      AURORA_RESTORE_TASK_QUEUE: 'restores-eu',
      AURORA_RESTORE_MAX_CONCURRENT_ACTIVITIES: '50',
      AURORA_RESTORE_MAX_ACTIVITIES_PER_SECOND: '2.5',
      AURORA_RESTORE_RDS_CALLS_PER_SECOND: '0.5',
      AURORA_RESTORE_MAX_CONCURRENT_COPIES: '2',
      AURORA_RESTORE_MAX_CACHED_WORKFLOWS: '40',
      AURORA_RESTORE_SKIP_SEARCH_ATTRIBUTE_CHECK: '1',
    });
    assert.equal(config.rdsCallsPerSecond, 0.5);
    assert.equal(config.maxConcurrentCopies, 2);
    assert.equal(config.maxCachedWorkflows, 40);
    assert.equal(config.logLevel, 'DEBUG');
    assert.equal(config.taskQueue, 'restores-eu');
    assert.equal(config.maxConcurrentActivityTaskExecutions, 50);
    assert.equal(config.maxTaskQueueActivitiesPerSecond, 2.5);
    assert.equal(config.skipSearchAttributeCheck, true);
  });

  it('serves the restore and database task queues, or only the ones named', () => {
    assert.deepEqual(parseWorkerConfig({ AURORA_RESTORE_WORKER_ROLES: 'database' }).roles, ['database']);
    assert.deepEqual(parseWorkerConfig({ AURORA_RESTORE_WORKER_ROLES: ' Restore , restore' }).roles, ['restore']);
    assert.throws(
      () => parseWorkerConfig({ AURORA_RESTORE_WORKER_ROLES: 'restore,vpc' }),
      /AURORA_RESTORE_WORKER_ROLES="restore,vpc" is invalid: use a comma-separated list of restore, database/
    );
  });

  it('treats empty values as unset', () => {
    const config = parseWorkerConfig({
      LOG_LEVEL: '',
      AURORA_RESTORE_TASK_QUEUE: '',
      AURORA_RESTORE_MAX_CONCURRENT_ACTIVITIES: ' ',
      AURORA_RESTORE_MAX_ACTIVITIES_PER_SECOND: '',
      AURORA_RESTORE_SKIP_SEARCH_ATTRIBUTE_CHECK: '',
    });
    assert.equal(config.taskQueue, TASK_QUEUE);
    assert.equal(config.logLevel, 'INFO');
    assert.equal(config.maxConcurrentActivityTaskExecutions, 20);
    assert.equal(config.maxTaskQueueActivitiesPerSecond, undefined);
    assert.equal(config.skipSearchAttributeCheck, false);
  });

  it('reports every bad value at once, naming the variable, the value and the rule', () => {
    assert.throws(
      () =>
        parseWorkerConfig({
          LOG_LEVEL: 'verbose',
          AURORA_RESTORE_TASK_QUEUE: 'two words',
          AURORA_RESTORE_MAX_CONCURRENT_ACTIVITIES: '0',
          AURORA_RESTORE_MAX_ACTIVITIES_PER_SECOND: '-1',
          AURORA_RESTORE_RDS_CALLS_PER_SECOND: '0',
          AURORA_RESTORE_MAX_CONCURRENT_COPIES: '101',
          AURORA_RESTORE_SKIP_SEARCH_ATTRIBUTE_CHECK: 'maybe',
        }),
      (err: unknown) => {
        assert.ok(err instanceof WorkerConfigError);
        assert.equal(err.problems.length, 7);
        assert.match(
          err.problems[0],
          /LOG_LEVEL="verbose" is not a log level: use one of TRACE, DEBUG, INFO, WARN, ERROR/
        );
        assert.match(err.problems[1], /AURORA_RESTORE_TASK_QUEUE="two words"/);
        assert.match(
          err.problems[2],
          /AURORA_RESTORE_MAX_CONCURRENT_ACTIVITIES="0" is invalid: use a whole number .* 1 to 1000/
        );
        assert.match(
          err.problems[3],
          /AURORA_RESTORE_MAX_ACTIVITIES_PER_SECOND="-1" is invalid: use a positive number/
        );
        assert.match(
          err.problems[4],
          /AURORA_RESTORE_RDS_CALLS_PER_SECOND="0" is invalid: use a positive number of RDS calls per second/
        );
        assert.match(
          err.problems[5],
          /AURORA_RESTORE_MAX_CONCURRENT_COPIES="101" is invalid: use a whole number of snapshot copies .* 1 to 100/
        );
        assert.match(err.problems[6], /AURORA_RESTORE_SKIP_SEARCH_ATTRIBUTE_CHECK="maybe" is not a flag/);
        assert.match(err.message, /^Invalid worker configuration:\n {2}- LOG_LEVEL/);
        return true;
      }
    );
  });

  it('refuses non-decimal and fractional counts', () => {
    for (const value of ['0x10', '1e3', '2.5', 'ten']) {
      assert.throws(
        () => parseWorkerConfig({ AURORA_RESTORE_MAX_CONCURRENT_ACTIVITIES: value }),
        WorkerConfigError,
        value
      );
    }
    assert.throws(() => parseWorkerConfig({ AURORA_RESTORE_MAX_ACTIVITIES_PER_SECOND: '0' }), WorkerConfigError);
  });
});

describe('client worker search attribute check', () => {
  const KEYWORD = 2;
  const TEXT = 1;
  const DATETIME = 6;

  it('passes when the four Keyword attributes and the Datetime expiry exist', () => {
    const check = compareSearchAttributes({
      AuroraRestoreTarget: KEYWORD,
      AuroraRestoreSource: KEYWORD,
      AuroraRestoreStep: KEYWORD,
      AuroraRestoreStatus: KEYWORD,
      AuroraRestoreExpiresAt: DATETIME,
      Unrelated: TEXT,
    });
    assert.deepEqual(check, { missing: [], wrongType: [] });
  });

  it('finds missing and mistyped attributes', () => {
    const check = compareSearchAttributes({ AuroraRestoreTarget: KEYWORD, AuroraRestoreStep: TEXT });
    assert.deepEqual(
      check.missing.map((m) => m.name),
      ['AuroraRestoreSource', 'AuroraRestoreStatus', 'AuroraRestoreExpiresAt']
    );
    assert.deepEqual(check.wrongType, [{ name: 'AuroraRestoreStep', expected: 'Keyword', actual: 'Text' }]);
  });

  it('prints the exact commands to register what is missing', () => {
    const check = compareSearchAttributes({ AuroraRestoreTarget: KEYWORD, AuroraRestoreSource: KEYWORD });
    const help = searchAttributeSetupHelp(check, 'restores', 'AURORA_RESTORE_SKIP_SEARCH_ATTRIBUTE_CHECK');
    assert.ok(
      help.includes(
        'temporal operator search-attribute create --namespace restores --name AuroraRestoreStep --type Keyword'
      )
    );
    assert.ok(
      help.includes(
        'temporal operator search-attribute create --namespace restores --name AuroraRestoreStatus --type Keyword'
      )
    );
    assert.ok(!help.includes('--name AuroraRestoreTarget'));
    assert.ok(
      help.includes(
        'tcld namespace search-attributes add --namespace restores --sa "AuroraRestoreStep=Keyword" --sa "AuroraRestoreStatus=Keyword" --sa "AuroraRestoreExpiresAt=Datetime"'
      )
    );
    assert.ok(
      help.includes(
        'temporal operator search-attribute create --namespace restores --name AuroraRestoreExpiresAt --type Datetime'
      )
    );
    assert.ok(help.includes('AURORA_RESTORE_SKIP_SEARCH_ATTRIBUTE_CHECK=1'));
  });
});
