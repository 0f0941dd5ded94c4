/**
 * The monitoring files in the repository: the Grafana dashboard and the Prometheus alert rules parse, use only
 * series the worker exports (ours from src/domain/metrics.ts, the SDK's that the monitoring e2e test saw in a
 * scrape), pass `promtool check`, and the README's "Monitoring" table and docker-compose.yml match them.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

import { parse as parseYaml } from 'yaml';

import { exportedSeriesNames, METRICS, SDK_METRICS_USED } from '../../src/domain/metrics';
import { markdownTableRows, readmeSection } from '../support/readme';

const ROOT = path.resolve(__dirname, '../..');
const DASHBOARD = path.join(ROOT, 'monitoring/grafana/aurora-restore.json');
const ALERTS = path.join(ROOT, 'monitoring/prometheus/alerts.yml');
const PROMETHEUS = path.join(ROOT, 'monitoring/prometheus/prometheus.yml');
const run = promisify(execFile);

/** PromQL words that are not metric names: functions, aggregations, operators and keywords used in our files. */
const PROMQL_WORDS = new Set([
  'sum',
  'max',
  'min',
  'avg',
  'count',
  'rate',
  'irate',
  'increase',
  'histogram_quantile',
  'absent',
  'by',
  'without',
  'or',
  'and',
  'unless',
  'on',
  'ignoring',
  'bool',
  'offset',
]);

/** The metric names a PromQL expression selects (strings, label matchers, ranges and grouping labels removed). */
function metricNamesIn(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring)\s*\([^)]*\)/g, ' ');
  const words = stripped.match(/[A-Za-z_:][\w:]*/g) ?? [];
  return [...new Set(words.filter((w) => !PROMQL_WORDS.has(w)))];
}

const allowed = new Set([...exportedSeriesNames(), ...SDK_METRICS_USED]);

function unknownNames(exprs: string[]): string[] {
  return [...new Set(exprs.flatMap(metricNamesIn))].filter((name) => !allowed.has(name));
}

interface Panel {
  title: string;
  type: string;
  targets?: { expr?: string }[];
}

describe('monitoring files', () => {
  it('reads metric names out of PromQL, so the checks below can fail', () => {
    assert.deepEqual(
      metricNamesIn(
        'histogram_quantile(0.95, sum by (le, step) (rate(aurora_restore_step_duration_seconds_bucket{step="x"}[$__rate_interval])))'
      ),
      ['aurora_restore_step_duration_seconds_bucket']
    );
    assert.deepEqual(metricNamesIn('absent(temporal_num_pollers{a="b"}) or sum(typo_metric) == 0'), [
      'temporal_num_pollers',
      'typo_metric',
    ]);
    assert.deepEqual(unknownNames(['sum(aurora_restore_restores_faild_total)']), [
      'aurora_restore_restores_faild_total',
    ]);
  });

  it('the Grafana dashboard is valid JSON using only exported series, and shows every metric of ours', () => {
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { uid: string; title: string; panels: Panel[] };
    assert.equal(dashboard.uid, 'aurora-restore');
    const queries = dashboard.panels.filter((p) => p.type !== 'row');
    assert.ok(queries.length >= 10);
    const exprs = queries.flatMap((p) => (p.targets ?? []).map((t) => t.expr ?? ''));
    for (const panel of queries) {
      assert.ok((panel.targets ?? []).length > 0 && panel.targets?.every((t) => t.expr), `${panel.title}: no query`);
    }
    assert.deepEqual(unknownNames(exprs), [], 'series the worker does not export');
    const used = new Set(exprs.flatMap(metricNamesIn));
    const notShown = Object.values(METRICS).filter(
      (m) => ![m.name, `${m.name}_bucket`, `${m.name}_sum`, `${m.name}_count`].some((n) => used.has(n))
    );
    assert.deepEqual(
      notShown.map((m) => m.name),
      [],
      'metrics the dashboard does not show'
    );
  });

  it('the alert rules are valid YAML using only exported series, with the alerts the runbook needs', () => {
    const rules = parseYaml(readFileSync(ALERTS, 'utf8')) as {
      groups: { name: string; rules: { alert: string; expr: string; labels?: { severity?: string } }[] }[];
    };
    const all = rules.groups.flatMap((g) => g.rules);
    assert.deepEqual(unknownNames(all.map((r) => r.expr)), [], 'series the worker does not export');
    assert.deepEqual(
      all.map((r) => r.alert),
      [
        'AuroraRestoreFailed',
        'AuroraRestoreRtoBreached',
        'AuroraRestoreClusterExpiringSoon',
        'AuroraRestoreAwsThrottlingSustained',
        'AuroraRestoreNoWorkerPolling',
        'AuroraRestoreNoDatabaseWorkerPolling',
      ]
    );
    const expr = (alert: string) => all.find((r) => r.alert === alert)?.expr ?? '';
    assert.match(expr('AuroraRestoreFailed'), new RegExp(METRICS.restoresFailed.name));
    assert.match(expr('AuroraRestoreRtoBreached'), new RegExp(METRICS.rtoBreaches.name));
    assert.match(expr('AuroraRestoreClusterExpiringSoon'), new RegExp(METRICS.clustersExpiringSoon.name));
    assert.match(expr('AuroraRestoreAwsThrottlingSustained'), /outcome="throttled"/);
    assert.match(expr('AuroraRestoreNoWorkerPolling'), /absent\(temporal_num_pollers/);
    for (const rule of all) assert.ok(rule.labels?.severity, `${rule.alert} has a severity`);
  });

  it('the rules and the Prometheus configuration pass `promtool check`', async function () {
    this.timeout(30_000);
    const promtool = await run('promtool', ['--version']).catch(() => undefined);
    assert.ok(promtool, 'promtool not found: run scripts/install.sh (it installs the Debian package prometheus)');
    const rules = await run('promtool', ['check', 'rules', ALERTS]);
    assert.match(rules.stdout, /SUCCESS: 6 rules found/);
    const config = await run('promtool', ['check', 'config', PROMETHEUS]);
    assert.match(config.stdout, /is valid prometheus config file syntax/);
  });

  it('the README "Monitoring" table lists every metric of ours, and docker-compose.yml wires it up', () => {
    const rows = markdownTableRows(readmeSection('Monitoring'));
    const documented = new Set(rows.map((cells) => cells[0].replace(/`/g, '')));
    const missing = Object.values(METRICS)
      .map((m) => m.name)
      .filter((name) => !documented.has(name));
    assert.deepEqual(missing, [], 'metrics missing from the README table');

    const compose = parseYaml(readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8')) as {
      services: Record<string, { environment?: Record<string, string>; volumes?: string[]; command?: string[] }>;
    };
    const address = compose.services.worker.environment?.AURORA_RESTORE_METRICS_ADDRESS ?? '';
    assert.match(address, /^0\.0\.0\.0:\d+$/, 'the worker serves metrics on all interfaces in its container');
    const target = (
      parseYaml(readFileSync(PROMETHEUS, 'utf8')) as { scrape_configs: { static_configs: { targets: string[] }[] }[] }
    ).scrape_configs[0].static_configs[0].targets[0];
    assert.equal(target, `worker:${address.split(':')[1]}`, 'Prometheus scrapes the worker where it listens');
    assert.ok(
      compose.services.prometheus?.volumes?.some((v) => v.startsWith('./monitoring/prometheus:')),
      'the prometheus service mounts monitoring/prometheus'
    );
    assert.ok(
      compose.services.grafana?.volumes?.some((v) => v.startsWith('./monitoring/grafana')),
      'the grafana service mounts the dashboard'
    );
  });
});
