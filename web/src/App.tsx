import { useEffect, useRef, type ReactNode } from 'react';
import { LANGUAGES } from './i18n/messages';
import { useI18n } from './i18n/i18n';
import { Loading } from './components/feedback';
import { AccountPage } from './pages/AccountPage';
import { AdminOnly, AdminUserPage, AdminUsersPage } from './pages/AdminPage';
import { DescribeProblemPage } from './pages/DescribeProblemPage';
import { DtcDetailPage } from './pages/DtcDetailPage';
import { DtcSearchPage } from './pages/DtcSearchPage';
import { ForgotPasswordPage } from './pages/ForgotPasswordPage';
import { GaragePage } from './pages/GaragePage';
import { GarageVehiclePage } from './pages/GarageVehiclePage';
import { NotFoundPage } from './pages/NotFoundPage';
import { QuickAnalysisPage } from './pages/QuickAnalysisPage';
import { RegisterPage } from './pages/RegisterPage';
import { ResetPasswordPage } from './pages/ResetPasswordPage';
import { ScanPage } from './pages/ScanPage';
import { EmailLinkPage } from './pages/EmailLinkPage';
import { SecurityPage } from './pages/SecurityPage';
import { SignInPage } from './pages/SignInPage';
import { VehicleInfoPage } from './pages/VehicleInfoPage';
import { Link, navigate, pathWithQuery, useLocation } from './router';
import { useSession } from './session';
import { auth } from './api/endpoints';

function RequireSignIn({ children }: { readonly children: ReactNode }) {
  const { user } = useSession();
  const { path, query } = useLocation();
  const here = pathWithQuery(path, Object.fromEntries(query));
  useEffect(() => {
    if (user === null) navigate(pathWithQuery('/signin', { next: here }), { replace: true });
  }, [user, here]);
  return user === undefined || user === null ? <Loading /> : children;
}

function decodedSegments(path: string): string[] | undefined {
  try {
    return path
      .split('/')
      .filter((segment) => segment !== '')
      .map((segment) => decodeURIComponent(segment));
  } catch {
    return undefined; // malformed percent-encoding
  }
}

function page(path: string): ReactNode {
  const segments = decodedSegments(path);
  if (segments === undefined) return <NotFoundPage />;
  const [first, second, third, fourth, ...rest] = segments;
  // Only a vehicle's scan goes deeper than two segments: /garage/:vehicleId/scans/:scanId.
  if (first === 'garage' && second !== undefined && third === 'scans' && fourth !== undefined && rest.length === 0) {
    return (
      <RequireSignIn>
        <ScanPage vehicleId={second} scanId={fourth} />
      </RequireSignIn>
    );
  }
  if (third !== undefined) return <NotFoundPage />;
  switch (first) {
    case undefined:
      return <DtcSearchPage />;
    case 'dtc':
      return second === undefined ? <DtcSearchPage /> : <DtcDetailPage code={second} />;
    case 'analysis':
      return second === undefined ? <QuickAnalysisPage /> : <NotFoundPage />;
    case 'describe':
      return second === undefined ? <DescribeProblemPage /> : <NotFoundPage />;
    case 'vehicles':
      return second === undefined ? <VehicleInfoPage /> : <NotFoundPage />;
    case 'garage':
      return <RequireSignIn>{second === undefined ? <GaragePage /> : <GarageVehiclePage id={second} />}</RequireSignIn>;
    case 'account':
      return second === undefined || second === 'security' ? <RequireSignIn>{second === undefined ? <AccountPage /> : <SecurityPage />}</RequireSignIn> : <NotFoundPage />;
    case 'admin':
      return (
        <RequireSignIn>
          <AdminOnly>{second === undefined ? <AdminUsersPage /> : <AdminUserPage id={second} />}</AdminOnly>
        </RequireSignIn>
      );
    case 'signin':
      return second === undefined ? <SignInPage /> : <NotFoundPage />;
    case 'register':
      return second === undefined ? <RegisterPage /> : <NotFoundPage />;
    case 'forgot-password':
      return second === undefined ? <ForgotPasswordPage /> : <NotFoundPage />;
    case 'reset-password':
      return second === undefined ? <ResetPasswordPage /> : <NotFoundPage />;
    case 'confirm-email':
      return second === undefined ? <EmailLinkPage kind="confirm" /> : <NotFoundPage />;
    case 'undo-email-change':
      return second === undefined ? <EmailLinkPage kind="undo" /> : <NotFoundPage />;
    case 'verify-email':
      return second === undefined ? <EmailLinkPage kind="verify" /> : <NotFoundPage />;
    default:
      return <NotFoundPage />;
  }
}

function NavLink({ to, children }: { readonly to: string; readonly children: ReactNode }) {
  const { path } = useLocation();
  const current = to === '/' ? path === '/' || path.startsWith('/dtc') : path === to || path.startsWith(`${to}/`);
  return (
    <Link to={to} className="nav-link" aria-current={current ? 'page' : undefined}>
      {children}
    </Link>
  );
}

export function App() {
  const { t, language, setLanguage } = useI18n();
  const { user, setUser } = useSession();
  const { path } = useLocation();
  const main = useRef<HTMLElement>(null);
  const firstRender = useRef(true);

  // After an in-app navigation, move focus to the new page so screen readers and keyboards start there.
  useEffect(() => {
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    main.current?.focus();
  }, [path]);

  return (
    <div className="layout">
      <a className="skip-link" href="#main">
        {t('skipToContent')}
      </a>
      <header className="site-header">
        <div className="header-inner">
          <Link to="/" className="brand">
            <img src="/favicon.svg" alt="" width="28" height="28" />
            <span>{t('appName')}</span>
          </Link>
          <nav aria-label={t('mainNavigation')} className="main-nav">
            <NavLink to="/">{t('navSearch')}</NavLink>
            <NavLink to="/analysis">{t('navAnalysis')}</NavLink>
            <NavLink to="/describe">{t('navDescribe')}</NavLink>
            <NavLink to="/vehicles">{t('navVehicles')}</NavLink>
            {user ? (
              <>
                <NavLink to="/garage">{t('navGarage')}</NavLink>
                <NavLink to="/account">{t('navAccount')}</NavLink>
                {user.role === 'admin' ? <NavLink to="/admin">{t('navAdmin')}</NavLink> : null}
              </>
            ) : (
              <>
                <NavLink to="/signin">{t('navSignIn')}</NavLink>
                <NavLink to="/register">{t('navRegister')}</NavLink>
              </>
            )}
          </nav>
          <div className="language-switch" role="group" aria-label={t('language')}>
            {LANGUAGES.map((option) => (
              <button
                key={option}
                type="button"
                className="language-button"
                aria-pressed={language === option}
                lang={option}
                onClick={() => {
                  setLanguage(option);
                  // A signed-in user's security mail follows the language they read the app in; a failure changes nothing on screen.
                  if (user && user.language !== option) auth.updateProfile({ language: option }).then(setUser, () => undefined);
                }}
              >
                {option === 'hu' ? 'Magyar' : 'English'}
              </button>
            ))}
          </div>
        </div>
      </header>
      <main id="main" ref={main} tabIndex={-1} className="content">
        {page(path)}
      </main>
      <footer className="site-footer">
        <p>AutoCognitix · NHTSA · SAE J2012</p>
      </footer>
    </div>
  );
}
