/**
 * Loaded by mocha before every suite: keeps the Temporal runtime's logs to warnings and errors, so test output shows
 * test results rather than worker chatter. Must run before any Worker or NativeConnection is created.
 */
import { DefaultLogger, makeTelemetryFilterString, Runtime } from '@temporalio/worker';

Runtime.install({
  logger: new DefaultLogger(process.env.TEST_LOG_LEVEL === 'DEBUG' ? 'DEBUG' : 'ERROR'),
  telemetryOptions: {
    logging: { filter: makeTelemetryFilterString({ core: process.env.TEST_LOG_LEVEL === 'DEBUG' ? 'WARN' : 'ERROR' }) },
  },
});
