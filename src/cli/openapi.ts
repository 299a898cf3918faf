import { buildApp } from '../app.js';
import { createLogger } from '../observability/index.js';
import { openRuntime } from '../runtime.js';
import type { CommandContext } from './context.js';
import { fileOutput, standardOutput, writeOutput } from './data-output.js';

/** `openapi`: the OpenAPI document the server serves, built from the route schemas without listening or needing the dependencies to answer. */
export async function openApi(cli: CommandContext, options: { out?: string }): Promise<void> {
  const config = cli.config();
  const runtime = await openRuntime(config, { migrate: false });
  try {
    // Logs go to stderr: stdout carries the document.
    const app = await buildApp(config, { database: runtime.database, store: runtime.store, logger: createLogger({ level: config.logLevel, destination: cli.io.stderr }) });
    try {
      await app.ready();
      const document = `${JSON.stringify(app.swagger(), null, 2)}\n`;
      await writeOutput(options.out === undefined ? standardOutput(cli.io.stdout) : fileOutput(cli.resolvePath(options.out), 0o644), (output) => output.write(document));
    } finally {
      await app.close();
    }
  } finally {
    await runtime.close();
  }
  if (options.out !== undefined) cli.printError(`OpenAPI document written to ${options.out}`);
}
