import { useEffect, useState } from 'react';

/**
 * The token of a mailed link, `#token=…`: a fragment never reaches a server, a
 * log or a Referer header. Read once, then wiped from the address bar so it
 * stays out of the history, bookmarks and anything that reads the address later.
 */
export function useFragmentToken(): string {
  const [token] = useState(() => new URLSearchParams(window.location.hash.replace(/^#/, '')).get('token') ?? '');
  useEffect(() => {
    if (window.location.hash !== '') window.history.replaceState(window.history.state, '', window.location.pathname + window.location.search);
  }, []);
  return token;
}
