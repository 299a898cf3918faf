import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { onSessionChange, refreshSession } from './api/client';
import { auth } from './api/endpoints';
import type { User } from './api/types';

interface Session {
  /** undefined while the first check runs; null when signed out. */
  readonly user: User | null | undefined;
  /** True once a session ended underneath the user (refresh failed, signed out elsewhere). */
  readonly sessionLost: boolean;
  readonly reload: () => Promise<void>;
  readonly setUser: (user: User | null) => void;
}

const SessionContext = createContext<Session | undefined>(undefined);

export function SessionProvider({ children }: { readonly children: ReactNode }) {
  const [user, setUserState] = useState<User | null | undefined>(undefined);
  const [sessionLost, setSessionLost] = useState(false);
  // Read by the session listener: only a signed-in user can "lose" a session.
  const signedIn = useRef(false);
  useEffect(() => {
    signedIn.current = user !== null && user !== undefined;
  }, [user]);

  // Asks whether a session exists (200 either way: an anonymous visit logs no error), and refreshes
  // only when the server says the access token expired while a refresh cookie is there.
  const reload = useCallback(async () => {
    let state = await auth.session();
    if (state.refresh && (await refreshSession())) state = await auth.session();
    setUserState(state.user);
    setSessionLost(false);
  }, []);

  const setUser = useCallback((next: User | null) => {
    setUserState(next);
    setSessionLost(false);
  }, []);

  useEffect(() => {
    reload().catch(() => {
      // The server is unreachable: treat as signed out; pages show their own errors.
      setUserState(null);
    });
    return onSessionChange((event) => {
      if (event === 'signed-in') {
        reload().catch(() => undefined);
        return;
      }
      // Only a signed-in user loses a session. The page's other requests fail the same way a moment later,
      // when the user is already signed out: they must not take the notice away.
      if (event !== 'session-lost') setSessionLost(false);
      else if (signedIn.current) setSessionLost(true);
      setUserState(null);
    });
  }, [reload]);

  const value = useMemo<Session>(() => ({ user, sessionLost, reload, setUser }), [user, sessionLost, reload, setUser]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const context = useContext(SessionContext);
  if (context === undefined) throw new Error('useSession must be used inside <SessionProvider>');
  return context;
}
