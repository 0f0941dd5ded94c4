'use strict';
/**
 * Mocha's spec reporter plus one plain closing line, `N passed, N failed, N skipped`, which CI reads. Failed hooks
 * count as failures (mocha's own stats do that); pending tests count as skipped.
 *
 * With SUMMARY_FILE set, the counts are also written there as JSON, so scripts/test.sh and .ci/run can repeat the
 * line last and detect a run that crashed before reporting.
 */
const { writeFileSync } = require('node:fs');

const Mocha = require('mocha');

const { EVENT_RUN_END } = Mocha.Runner.constants;

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(EVENT_RUN_END, () => {
      const stats = runner.stats ?? {};
      const counts = { passed: stats.passes ?? 0, failed: stats.failures ?? 0, skipped: stats.pending ?? 0 };
      if (process.env.SUMMARY_FILE) writeFileSync(process.env.SUMMARY_FILE, JSON.stringify(counts) + '\n');
      // After the spec reporter's epilogue (registered first, so it prints first).
      process.stdout.write(`\n${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped\n`);
    });
  }
}

module.exports = SummaryReporter;
