import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { fetchCsrfToken } from './api/client';
import { App } from './App';
import { I18nProvider } from './i18n/i18n';
import { SessionProvider } from './session';
import './styles.css';

// The CSRF token is fetched once on load and kept in memory; unsafe requests wait for it if needed.
fetchCsrfToken().catch(() => {
  // Offline or the server is down: the first unsafe request tries again and reports the error.
});

const root = document.getElementById('root');
if (root === null) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <I18nProvider>
      <SessionProvider>
        <App />
      </SessionProvider>
    </I18nProvider>
  </StrictMode>,
);
