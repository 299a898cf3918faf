import type { Clock } from '../clock.js';
import type { AccountDataRepository } from '../db/repositories/account-data.js';
import type { UserWithPasswordHash } from '../db/repositories/users.js';
import type { SessionService } from './sessions.js';
import type { AttemptOrigin } from './throttle.js';

/** Erasing an account for its owner (GDPR art. 17): the password proves it is them, then nothing of theirs is left. */
export class AccountErasure {
  constructor(
    private readonly sessions: SessionService,
    private readonly accountData: AccountDataRepository,
    private readonly clock: Clock,
  ) {}

  /** Checks the password like a sign-in (throttled), ends every session, then deletes the user's rows in one transaction. */
  async erase(user: UserWithPasswordHash, password: string, attempt: AttemptOrigin): Promise<void> {
    await this.sessions.verifyStepUp(user, password, attempt);
    // Tokens first: their denylist rows outlive the user, so no token of theirs works after the rows are gone.
    await this.sessions.endAllSessions(user.id);
    await this.accountData.eraseAccount(user.id, this.clock.now());
  }
}
