import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliError } from './cli-error.ts';
import { parseCommandArgs } from './main.ts';
import type { ClaimsReport } from '../report/claims-report.ts';
import { renderTerminal } from '../report/claims-render.ts';
import { validateAgainst } from '../report/schema-validator.ts';

const USAGE = `kck claims [--reports DIR]

Prints the claim coverage table (one row per claim, one column per target run) from
DIR/claims.json, written by \`kck run\` or \`npx cucumber-js\`. DIR defaults to reports.`;

export function claimsCommand(argv: string[]): void {
  const values = parseCommandArgs(argv, { reports: { type: 'string', default: 'reports' } }, USAGE);
  const path = join(String(values.reports), 'claims.json');
  if (!existsSync(path)) throw new CliError(`no ${path}: run \`kck run\` or \`npx cucumber-js\` first`);
  let report: ClaimsReport;
  try {
    report = JSON.parse(readFileSync(path, 'utf8')) as ClaimsReport;
    validateAgainst('claims-report.schema.json', report);
  } catch (error) {
    throw new CliError(`${path} is not a claims report: ${error instanceof Error ? error.message : String(error)}`);
  }
  console.log(renderTerminal(report));
}
