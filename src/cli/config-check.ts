import type { Command } from 'commander';
import { describeConfig } from '../config/index.js';
import { commandConfig, print } from './context.js';

export function registerConfigCommands(program: Command): void {
  const config = program.command('config').description('inspect the configuration read from the environment');
  config
    .command('check')
    .description('validate the environment and print the effective configuration, secrets masked')
    .option('--json', 'print JSON instead of aligned text')
    .action((options: { json?: boolean }) => {
      const described = describeConfig(commandConfig());
      if (options.json === true) {
        print(JSON.stringify(described, null, 2));
        return;
      }
      const width = Math.max(...Object.keys(described).map((name) => name.length));
      for (const [name, value] of Object.entries(described)) {
        const shown = value === null ? '(unset)' : Array.isArray(value) ? value.join(',') || '(none)' : String(value);
        print(`${name.padEnd(width)}  ${shown}`);
      }
      print('configuration ok');
    });
}
