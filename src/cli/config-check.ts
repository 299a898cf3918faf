import { describeConfig } from '../config/index.js';
import type { CommandContext } from './context.js';

/** `config check`: validates the environment and prints the effective configuration, secrets masked. */
export function configCheck(cli: CommandContext, options: { json?: boolean }): void {
  const described = describeConfig(cli.config());
  if (options.json === true) {
    cli.print(JSON.stringify(described, null, 2));
    return;
  }
  const width = Math.max(...Object.keys(described).map((name) => name.length));
  for (const [name, value] of Object.entries(described)) {
    const shown = value === null ? '(unset)' : Array.isArray(value) ? value.join(',') || '(none)' : String(value);
    cli.print(`${name.padEnd(width)}  ${shown}`);
  }
  cli.print('configuration ok');
}
