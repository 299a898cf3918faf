import { systemClock } from '../clock.js';
import { MAX_PREVIOUS_SECRET_KEYS } from '../config/index.js';
import { keyIdOf } from '../security/tokens.js';
import type { CommandContext } from './context.js';

const DAY_MS = 86_400_000;

/** `2026-12-11 20:05 UTC`: minutes are enough, and UTC is the same on every host. */
function utcMinute(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/**
 * `keys rotate`: the steps that rotate the token signing key without signing
 * anyone out, with the ids of the keys this environment holds and the date the
 * old key may go. It changes nothing and prints no key: a key belongs in the
 * secret store, never on a terminal or in a log.
 */
export function rotateKeys(cli: CommandContext): void {
  const config = cli.config();
  const previousIds = config.jwtPreviousSecretKeys.map(keyIdOf);
  const removeAfter = utcMinute(systemClock.now() + (config.refreshTokenExpireDays + 1) * DAY_MS);

  cli.print('Token signing keys (ids only; a key is never printed):');
  cli.print(`  current   JWT_SECRET_KEY            kid ${keyIdOf(config.jwtSecretKey)}${config.jwtSecretSource === 'generated-file' ? ' (generated development key in DATA_DIR)' : ''}`);
  cli.print(`  previous  JWT_PREVIOUS_SECRET_KEYS  ${previousIds.length === 0 ? '(none)' : previousIds.map((id) => `kid ${id}`).join(', ')}`);
  if (previousIds.length >= MAX_PREVIOUS_SECRET_KEYS) {
    cli.print(`  JWT_PREVIOUS_SECRET_KEYS is full (${MAX_PREVIOUS_SECRET_KEYS} keys): remove the oldest, once REFRESH_TOKEN_EXPIRE_DAYS have passed since it was replaced, before rotating.`);
  }
  cli.print('');
  cli.print('To rotate without signing anyone out (docs/DEPLOYMENT.md, "Rotating the signing key"):');
  cli.print('  1. Generate a new key where your secrets are kept, not on a shared terminal: openssl rand -base64 48');
  cli.print('  2. Several instances restarted one at a time? First add the new key to JWT_PREVIOUS_SECRET_KEYS of every instance and restart them,');
  cli.print('     so that every instance accepts tokens signed with it before any instance signs with it. One instance, or all restarted at once: skip this.');
  cli.print('  3. Move the current JWT_SECRET_KEY to the front of JWT_PREVIOUS_SECRET_KEYS (comma-separated, other keys kept; drop the new key if step 2 put it there).');
  cli.print('  4. Set JWT_SECRET_KEY to the new key.');
  cli.print(`  5. Restart every instance. \`autocognitix keys rotate\` then shows a new current kid, and kid ${keyIdOf(config.jwtSecretKey)} among the previous ones.`);
  cli.print('     Signed-in users stay signed in: tokens signed with the old key are accepted until they expire; new tokens are signed with the new key.');
  cli.print(`  6. On or after ${removeAfter} (REFRESH_TOKEN_EXPIRE_DAYS=${config.refreshTokenExpireDays} + 1 day from now; count from the restart if it is later),`);
  cli.print(`     remove the replaced key (kid ${keyIdOf(config.jwtSecretKey)}) from JWT_PREVIOUS_SECRET_KEYS and restart again: every token it signed has expired by then.`);
  cli.print('A key that leaked is not rotated this way: replace JWT_SECRET_KEY and leave it out of JWT_PREVIOUS_SECRET_KEYS, which signs everyone out at once.');
}
