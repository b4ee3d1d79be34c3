import type { Command } from 'commander';
import fs from 'node:fs';
import path from 'node:path';
import {
  formatTableReport,
  readTableSchema,
  validateTable,
} from '../pipelines/builtins/validateTable';
import { registerModelComponentCommands } from './modelComponents';

/** Options of `sextant component validate-table`. */
export interface ValidateTableOptions {
  data: string;
  schema: string;
  report?: string;
}

/**
 * Runs the `sextant/validate-table` built-in: checks a CSV file against a table schema, writes the
 * JSON report (statistics per column and violations) and prints it readably. Resolves to the exit
 * code: 0 valid, 1 violated.
 */
export function runValidateTable(
  options: ValidateTableOptions,
  out: NodeJS.WritableStream,
  cwd = process.cwd(),
): number {
  const read = (file: string, what: string): string => {
    try {
      return fs.readFileSync(path.resolve(cwd, file), 'utf8');
    } catch (error) {
      throw new Error(`cannot read the ${what} '${file}': ${(error as Error).message}`);
    }
  };
  const schema = readTableSchema(read(options.schema, 'schema'));
  let report;
  try {
    report = validateTable(read(options.data, 'data file'), schema);
  } catch (error) {
    throw new Error(`${options.data}: ${(error as Error).message}`);
  }
  if (options.report) {
    const target = path.resolve(cwd, options.report);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, `${JSON.stringify(report, null, 2)}\n`);
  }
  out.write(formatTableReport(report, options.data));
  return report.ok ? 0 : 1;
}

/** Adds `sextant component ...`: the commands built-in pipeline components run. */
export function registerComponentCommands(program: Command, out: NodeJS.WritableStream): void {
  const component = program
    .command('component')
    .description(
      'commands that built-in pipeline components run (sextant/validate-table, sextant/evaluate, sextant/gate, sextant/register)',
    );
  component
    .command('validate-table')
    .description('check a CSV file against a table schema (YAML) and write a JSON report')
    .requiredOption('--data <csv>', 'the CSV file')
    .requiredOption('--schema <yaml>', 'the table schema')
    .option('--report <json>', 'where to write the report')
    .action((opts: ValidateTableOptions) => {
      process.exitCode = runValidateTable(opts, out);
    });
  registerModelComponentCommands(component, out);
}
