import type { Command } from 'commander';
import { buildApp } from '../app.js';
import { createLogger } from '../observability/index.js';
import { openRuntime } from '../runtime.js';
import { commandConfig, printError } from './context.js';
import { fileOutput, standardOutput, writeOutput } from './data-output.js';

export function registerOpenApiCommand(program: Command): void {
  program
    .command('openapi')
    .description(
      'print the OpenAPI 3 document the server serves at /api/v1/openapi.json, built from the route schemas without listening on a port ' +
        'and without needing the database or store to answer',
    )
    .option('--out <file>', 'write to this file instead of standard output')
    .action(async (options: { out?: string }) => {
      const config = commandConfig();
      const runtime = await openRuntime(config, { migrate: false });
      try {
        // Logs go to stderr: stdout carries the document.
        const app = await buildApp(config, { database: runtime.database, store: runtime.store, logger: createLogger({ level: config.logLevel, destination: process.stderr }) });
        try {
          await app.ready();
          const document = `${JSON.stringify(app.swagger(), null, 2)}\n`;
          await writeOutput(options.out === undefined ? standardOutput() : fileOutput(options.out, 0o644), (output) => output.write(document));
        } finally {
          await app.close();
        }
      } finally {
        await runtime.close();
      }
      if (options.out !== undefined) printError(`OpenAPI document written to ${options.out}`);
    });
}
