import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CliError } from './cli-error.ts';
import { parseCommandArgs } from './main.ts';
import type { ClaimsReport } from '../report/claims-report.ts';
import { TARGET_NAMES } from '../targets/target-registry.ts';
import { runLabel } from '../report/run-label.ts';

const USAGE = `kck run [--target reference|kubeconfig] [--kubeconfig FILE] [--tags EXPR] [--parallel N]

Runs the features against a target and writes reports/ (cucumber HTML, JSON, messages,
JUnit, and the claim coverage report claims.json/md/html). Exits non-zero if a scenario
failed. Scenarios the target cannot run are reported as "not applicable" or "not
implemented yet", never as passed.
  --target       reference (default: the kit starts its own cluster) or kubeconfig
  --kubeconfig   the kubeconfig of the cluster to check (implies --target kubeconfig)
  --tags         a cucumber tag expression, e.g. "@S5.3 or @etcd"
  --parallel     worker processes (default 1)`;

export async function runCommand(argv: string[]): Promise<number> {
  const values = parseCommandArgs(
    argv,
    { target: { type: 'string' }, kubeconfig: { type: 'string' }, tags: { type: 'string' }, parallel: { type: 'string' } },
    USAGE,
  );
  const env: NodeJS.ProcessEnv = { ...process.env };
  const target = values.target !== undefined ? String(values.target) : values.kubeconfig !== undefined ? 'kubeconfig' : (env['KCK_TARGET'] ?? 'reference');
  if (!(TARGET_NAMES as readonly string[]).includes(target)) throw new CliError(`unknown target "${target}": choose one of ${TARGET_NAMES.join(', ')}`);
  env['KCK_TARGET'] = target;
  if (values.kubeconfig !== undefined) {
    const path = resolve(String(values.kubeconfig));
    if (!existsSync(path)) throw new CliError(`no kubeconfig at ${path}`);
    env['KCK_KUBECONFIG'] = path;
  }
  if (values.parallel !== undefined) {
    if (!/^[1-9]\d*$/.test(String(values.parallel))) throw new CliError(`--parallel takes a positive whole number, not "${String(values.parallel)}"`);
    env['KCK_PARALLEL'] = String(values.parallel);
  }
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const cucumber = createRequire(import.meta.url).resolve('@cucumber/cucumber/package.json').replace(/package\.json$/, 'bin/cucumber.js');
  const args = [cucumber, ...(values.tags !== undefined ? ['--tags', String(values.tags)] : [])];
  const code = await new Promise<number>((done) => {
    const child = spawn(process.execPath, args, { cwd: root, env, stdio: 'inherit' });
    const forward = (signal: NodeJS.Signals): void => void child.kill(signal);
    process.on('SIGINT', forward).on('SIGTERM', forward);
    child.on('exit', (status, signal) => done(status ?? (signal ? 1 : 0)));
  });
  const reportPath = resolve(root, env['KCK_REPORTS_DIR'] ?? 'reports', 'claims.json');
  if (code === 0 && existsSync(reportPath)) {
    const report = JSON.parse(readFileSync(reportPath, 'utf8')) as ClaimsReport;
    const label = runLabel(env);
    const failed = report.claims.filter((c) => c.results[label] === 'failed').map((c) => c.id);
    if (failed.length > 0) {
      console.error(`kck: claims failed on ${label}: ${failed.join(', ')}`);
      return 1;
    }
  }
  return code;
}
