/**
 * Workflow interceptor modules, bundled into the workflow code wherever it is built: the worker bundling at startup
 * (development), the prebuilt bundle (`npm run build`), the test workers and the replay tests. One list, so what
 * runs in production is what the tests replay.
 */
export const WORKFLOW_INTERCEPTOR_MODULES: string[] = [
  require.resolve('../workflows/summary-interceptor'),
  require.resolve('../workflows/metrics-interceptor'),
];
