import { describe, expect, it } from 'vitest';
import { SessionStateReader, type SessionState } from '../../src/security/session-state.js';

const stateText = (revoked: boolean, accessJti = 'access-1'): string =>
  JSON.stringify({ userId: 'user-1', revoked, current: { refreshJti: 'refresh-1', accessJti, issuedAtMs: 1, accessExp: 2, refreshExp: 3 } } satisfies SessionState);

describe('the session state reader of the revocation check', () => {
  it('reads what the stored text says, every time, and a changed text anew', () => {
    const reader = new SessionStateReader();
    expect(reader.read(stateText(false))?.revoked).toBe(false);
    expect(reader.read(stateText(false))?.revoked).toBe(false);
    expect(reader.read(stateText(true))?.revoked).toBe(true);
    expect(reader.read(stateText(false, 'access-2'))?.current.accessJti).toBe('access-2');
  });

  it('answers nothing for malformed text', () => {
    const reader = new SessionStateReader();
    expect(reader.read('{')).toBeUndefined();
    expect(reader.read('{"userId":"u"}')).toBeUndefined();
    expect(reader.read('null')).toBeUndefined();
  });

  it('shares frozen states, so no caller can change another’s', () => {
    const reader = new SessionStateReader();
    const state = reader.read(stateText(false));
    expect(reader.read(stateText(false))).toBe(state);
    expect(Object.isFrozen(state)).toBe(true);
    expect(Object.isFrozen(state?.current)).toBe(true);
  });

  it('stays correct past its bound', () => {
    const reader = new SessionStateReader(2);
    for (let round = 0; round < 3; round++) {
      for (const jti of ['a', 'b', 'c']) expect(reader.read(stateText(false, jti))?.current.accessJti).toBe(jti);
    }
  });
});
