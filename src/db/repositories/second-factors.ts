import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type { DatabaseSchema, WebauthnCredentialsTable } from '../schema.js';
import { toBoolean, toIsoTimestamp } from '../schema.js';
import { decodeStringArray } from './column-values.js';

const iso = (ms: number): string => new Date(ms).toISOString();

/** A user's authenticator-app secret as stored: ciphertext only. */
export interface StoredTotp {
  readonly secretCiphertext: string;
  readonly confirmed: boolean;
  /** The newest time step accepted so far; null before the first use. */
  readonly lastUsedStep: number | null;
}

/** A passkey as stored. */
export interface StoredPasskey {
  /** The credential ID, base64url. */
  readonly id: string;
  readonly userId: string;
  readonly userHandle: string;
  /** The COSE public key, base64url. */
  readonly publicKey: string;
  readonly counter: number;
  readonly transports: readonly string[];
  readonly deviceType: string;
  readonly backedUp: boolean;
  readonly name: string;
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
}

export type NewPasskey = Omit<StoredPasskey, 'createdAt' | 'lastUsedAt'>;

/** Which factors a user has: what sign-in and step-up decide on. */
export interface FactorSummary {
  readonly totp: boolean;
  readonly passkeys: number;
  readonly recoveryCodesLeft: number;
}

export const hasSecondFactor = (summary: FactorSummary): boolean => summary.totp || summary.passkeys > 0;

function toPasskey(row: Selectable<WebauthnCredentialsTable>): StoredPasskey {
  return {
    id: row.id,
    userId: row.user_id,
    userHandle: row.user_handle,
    publicKey: row.public_key,
    counter: Number(row.counter),
    transports: decodeStringArray(row.transports),
    deviceType: row.device_type,
    backedUp: toBoolean(row.backed_up),
    name: row.name,
    createdAt: toIsoTimestamp(row.created_at),
    lastUsedAt: row.last_used_at === null ? null : toIsoTimestamp(row.last_used_at),
  };
}

/**
 * Second factors in SQL, the durable record that decides: a code is spent, a
 * counter moves, a step is used, only by a conditional UPDATE that one caller
 * wins. Times in are epoch milliseconds.
 */
export class SecondFactorsRepository {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  async summary(userId: string): Promise<FactorSummary> {
    const [totp, passkeys, codes] = await Promise.all([
      this.db.selectFrom('user_totp').select('confirmed_at').where('user_id', '=', userId).executeTakeFirst(),
      this.db.selectFrom('webauthn_credentials').select((eb) => eb.fn.countAll<number | string>().as('count')).where('user_id', '=', userId).executeTakeFirstOrThrow(),
      this.db
        .selectFrom('user_recovery_codes')
        .select((eb) => eb.fn.countAll<number | string>().as('count'))
        .where('user_id', '=', userId)
        .where('used_at', 'is', null)
        .executeTakeFirstOrThrow(),
    ]);
    return { totp: totp !== undefined && totp.confirmed_at !== null, passkeys: Number(passkeys.count), recoveryCodesLeft: Number(codes.count) };
  }

  // Authenticator app (TOTP).

  async findTotp(userId: string): Promise<StoredTotp | undefined> {
    const row = await this.db.selectFrom('user_totp').select(['secret_ciphertext', 'confirmed_at', 'last_used_step']).where('user_id', '=', userId).executeTakeFirst();
    if (row === undefined) return undefined;
    return { secretCiphertext: row.secret_ciphertext, confirmed: row.confirmed_at !== null, lastUsedStep: row.last_used_step === null ? null : Number(row.last_used_step) };
  }

  /** Stores a new, unconfirmed secret in place of an unconfirmed one. False when a confirmed one exists (it is never replaced). */
  async startTotpEnrolment(userId: string, secretCiphertext: string, nowMs: number): Promise<boolean> {
    await this.db.deleteFrom('user_totp').where('user_id', '=', userId).where('confirmed_at', 'is', null).execute();
    const result = await this.db
      .insertInto('user_totp')
      .values({ user_id: userId, secret_ciphertext: secretCiphertext, created_at: iso(nowMs), confirmed_at: null, last_used_step: null })
      .onConflict((conflict) => conflict.column('user_id').doNothing())
      .executeTakeFirst();
    return (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
  }

  /**
   * Spends a time step: true only when `step` is newer than every step used
   * before (so each code works once, and an older code after a newer one
   * never). With `confirm`, also activates an unconfirmed secret.
   */
  async useTotpStep(userId: string, step: number, nowMs: number, options: { confirm: boolean }): Promise<boolean> {
    const result = await this.db
      .updateTable('user_totp')
      .set(options.confirm ? { last_used_step: step, confirmed_at: iso(nowMs) } : { last_used_step: step })
      .where('user_id', '=', userId)
      .where('confirmed_at', options.confirm ? 'is' : 'is not', null)
      .where((eb) => eb.or([eb('last_used_step', 'is', null), eb('last_used_step', '<', step)]))
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async deleteTotp(userId: string): Promise<boolean> {
    const result = await this.db.deleteFrom('user_totp').where('user_id', '=', userId).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  // Recovery codes.

  /** The user's codes become exactly these (old ones, used or not, die), in one transaction. */
  async replaceRecoveryCodes(userId: string, codeHashes: readonly string[], nowMs: number): Promise<void> {
    await this.db.transaction().execute(async (transaction) => {
      await transaction.deleteFrom('user_recovery_codes').where('user_id', '=', userId).execute();
      if (codeHashes.length > 0) {
        await transaction
          .insertInto('user_recovery_codes')
          .values(codeHashes.map((codeHash) => ({ id: randomUUID(), user_id: userId, code_hash: codeHash, created_at: iso(nowMs), used_at: null })))
          .execute();
      }
    });
  }

  /** Spends one unused code with this digest; false when there is none (wrong, or already used). */
  async useRecoveryCode(userId: string, codeHash: string, nowMs: number): Promise<boolean> {
    const result = await this.db
      .updateTable('user_recovery_codes')
      .set({ used_at: iso(nowMs) })
      .where('user_id', '=', userId)
      .where('code_hash', '=', codeHash)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async recoveryCodesCreatedAt(userId: string): Promise<string | null> {
    const row = await this.db.selectFrom('user_recovery_codes').select('created_at').where('user_id', '=', userId).orderBy('created_at', 'desc').limit(1).executeTakeFirst();
    return row === undefined ? null : toIsoTimestamp(row.created_at);
  }

  // Passkeys (WebAuthn).

  async listPasskeys(userId: string): Promise<StoredPasskey[]> {
    const rows = await this.db.selectFrom('webauthn_credentials').selectAll().where('user_id', '=', userId).orderBy('created_at').orderBy('id').execute();
    return rows.map(toPasskey);
  }

  async findPasskey(id: string): Promise<StoredPasskey | undefined> {
    const row = await this.db.selectFrom('webauthn_credentials').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toPasskey(row);
  }

  /** The user's WebAuthn user handle, when they have a passkey. */
  async userHandleOf(userId: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('webauthn_credentials').select('user_handle').where('user_id', '=', userId).limit(1).executeTakeFirst();
    return row?.user_handle;
  }

  /** False when the credential ID is already registered (to anyone). */
  async addPasskey(passkey: NewPasskey, nowMs: number): Promise<boolean> {
    const result = await this.db
      .insertInto('webauthn_credentials')
      .values({
        id: passkey.id,
        user_id: passkey.userId,
        user_handle: passkey.userHandle,
        public_key: passkey.publicKey,
        counter: passkey.counter,
        transports: JSON.stringify(passkey.transports),
        device_type: passkey.deviceType,
        backed_up: passkey.backedUp,
        name: passkey.name,
        created_at: iso(nowMs),
        last_used_at: null,
      })
      .onConflict((conflict) => conflict.column('id').doNothing())
      .executeTakeFirst();
    return (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
  }

  /**
   * Records a verified use: the counter moves from `expectedCounter` to
   * `newCounter` only if nobody moved it meanwhile (two parallel uses of one
   * assertion: one wins). False when it lost.
   */
  async recordPasskeyUse(id: string, expectedCounter: number, newCounter: number, nowMs: number): Promise<boolean> {
    const result = await this.db
      .updateTable('webauthn_credentials')
      .set({ counter: newCounter, last_used_at: iso(nowMs) })
      .where('id', '=', id)
      .where('counter', '=', expectedCounter)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async renamePasskey(userId: string, id: string, name: string): Promise<boolean> {
    const result = await this.db.updateTable('webauthn_credentials').set({ name }).where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async deletePasskey(userId: string, id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('webauthn_credentials').where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  /** An admin's reset (lost every device): every factor and recovery code of the user goes, in one transaction. */
  async deleteAllFactors(userId: string): Promise<void> {
    await this.db.transaction().execute(async (transaction) => {
      await transaction.deleteFrom('user_totp').where('user_id', '=', userId).execute();
      await transaction.deleteFrom('user_recovery_codes').where('user_id', '=', userId).execute();
      await transaction.deleteFrom('webauthn_credentials').where('user_id', '=', userId).execute();
    });
  }
}
