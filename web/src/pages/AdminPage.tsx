import { useState, type ReactNode, type SyntheticEvent } from 'react';
import { admin } from '../api/endpoints';
import type { AdminUser, AdminUserAction, AdminUserState } from '../api/types';
import { AsyncItems, EmptyState, ErrorNotice, Loading, StatusNotice } from '../components/feedback';
import { SecurityEventEntry } from '../components/SecurityActivityCard';
import { SelectField, TextField } from '../components/fields';
import { Card } from '../components/forms';
import { useStepUp } from '../components/stepUp';
import { useI18n } from '../i18n/i18n';
import type { MessageKey } from '../i18n/messages';
import { Link } from '../router';
import { useSession } from '../session';
import { useAsync } from '../useAsync';
import { usePageTitle } from '../usePageTitle';
import { useSubmission } from '../useSubmission';
import { NotFoundPage } from './NotFoundPage';

/** Issue 19: the admin's user list (`/admin`) and one user (`/admin/<id>`). Step-up answers open the confirmation panel. */

type RoleFilter = '' | 'user' | 'admin';
type StateFilter = '' | AdminUserState;
interface Filters {
  readonly q: string;
  readonly role: RoleFilter;
  readonly state: StateFilter;
}

const STATE_TEXT: Readonly<Record<AdminUserState, MessageKey>> = { active: 'adminStateActive', locked: 'adminStateLocked', reset_required: 'adminStateResetRequired' };
const roleFilter = (value: string): RoleFilter => (value === 'user' || value === 'admin' ? value : '');
const stateFilter = (value: string): StateFilter => (value === 'active' || value === 'locked' || value === 'reset_required' ? value : '');

/** Only an admin sees these pages; anyone else gets "not found", as for any page that is not theirs. */
export function AdminOnly({ children }: { readonly children: ReactNode }) {
  const { user } = useSession();
  return user?.role === 'admin' ? children : <NotFoundPage />;
}

function UserRow({ user }: { readonly user: AdminUser }) {
  const { t } = useI18n();
  return (
    <li className="session" data-user-id={user.id}>
      <p>
        <Link to={`/admin/${encodeURIComponent(user.id)}`}>{user.email}</Link> <span className="badge">{t(STATE_TEXT[user.state])}</span>
        {user.role === 'admin' ? <> <span className="badge">{t('adminRoleAdmin')}</span></> : null}
      </p>
    </li>
  );
}

export function AdminUsersPage() {
  const { t } = useI18n();
  usePageTitle(t('adminTitle'));
  const stepUp = useStepUp('admin-list');
  const [q, setQ] = useState('');
  const [role, setRole] = useState<RoleFilter>('');
  const [state, setState] = useState<StateFilter>('');
  const [filters, setFilters] = useState<Filters>({ q: '', role: '', state: '' });
  const [more, setMore] = useState<{ readonly items: readonly AdminUser[]; readonly cursor: string | null }>();
  const [first] = useAsync((signal) => stepUp.guard(() => admin.users(filters, signal)), [filters]);
  const loadingMore = useSubmission();

  const search = (event: SyntheticEvent) => {
    event.preventDefault();
    setMore(undefined);
    setFilters({ q: q.trim(), role, state });
  };
  const cursor = more === undefined ? (first.status === 'done' ? first.value.next_cursor : null) : more.cursor;

  return (
    <>
      <h1 className="page-title">{t('adminTitle')}</h1>
      <p className="secondary-text">{t('adminIntro')}</p>
      <Card id="admin-search" title={t('adminSearchButton')}>
        <form noValidate onSubmit={search} role="search">
          <TextField id="admin-q" label={t('adminSearch')} type="search" autoComplete="off" spellCheck={false} value={q} onValue={setQ} />
          <SelectField
            id="admin-role"
            label={t('adminRole')}
            value={role}
            onValue={(value) => {
              setRole(roleFilter(value));
            }}
          >
            <option value="">{t('adminAny')}</option>
            <option value="user">{t('adminRoleUser')}</option>
            <option value="admin">{t('adminRoleAdmin')}</option>
          </SelectField>
          <SelectField
            id="admin-state"
            label={t('adminState')}
            value={state}
            onValue={(value) => {
              setState(stateFilter(value));
            }}
          >
            <option value="">{t('adminAny')}</option>
            <option value="active">{t('adminStateActive')}</option>
            <option value="locked">{t('adminStateLocked')}</option>
            <option value="reset_required">{t('adminStateResetRequired')}</option>
          </SelectField>
          <button type="submit" className="button primary">
            {t('adminSearchButton')}
          </button>
        </form>
        {stepUp.panel}
      </Card>
      <AsyncItems state={first} emptyText={t('adminNoUsers')}>
        {(items) => (
          <ul className="session-list" aria-label={t('adminTitle')}>
            {[...items, ...(more?.items ?? [])].map((user) => (
              <UserRow key={user.id} user={user} />
            ))}
          </ul>
        )}
      </AsyncItems>
      <ErrorNotice error={loadingMore.error} />
      {cursor === null ? null : (
        <button
          type="button"
          className="button"
          disabled={loadingMore.busy}
          onClick={() => {
            void loadingMore.run(async () => {
              const page = await stepUp.guard(() => admin.users({ ...filters, cursor }));
              setMore({ items: [...(more?.items ?? []), ...page.items], cursor: page.next_cursor });
              return undefined;
            });
          }}
        >
          {loadingMore.busy ? t('loading') : t('adminMore')}
        </button>
      )}
    </>
  );
}

const ACTION_TEXT: Readonly<Record<AdminUserAction, { readonly button: MessageKey; readonly confirm: MessageKey }>> = {
  lock: { button: 'adminLock', confirm: 'adminConfirmLock' },
  unlock: { button: 'adminUnlock', confirm: 'adminConfirmUnlock' },
  'sessions/end': { button: 'adminEndSessions', confirm: 'adminConfirmEndSessions' },
  'password-reset/require': { button: 'adminRequireReset', confirm: 'adminConfirmRequireReset' },
  'second-factors/reset': { button: 'adminResetFactors', confirm: 'adminConfirmResetFactors' },
};

export function AdminUserPage({ id }: { readonly id: string }) {
  const { t, formatDate } = useI18n();
  const { user: me } = useSession();
  usePageTitle(t('adminTitle'));
  const stepUp = useStepUp('admin-user');
  const [detail, reload] = useAsync((signal) => stepUp.guard(() => admin.user(id, signal)), [id]);
  const [confirming, setConfirming] = useState<AdminUserAction>();
  const submission = useSubmission();

  const back = (
    <p className="aside">
      <Link to="/admin">{t('adminBack')}</Link>
    </p>
  );
  if (detail.status !== 'done') {
    return (
      <>
        <h1 className="page-title">{t('adminTitle')}</h1>
        {detail.status === 'loading' ? <Loading /> : <ErrorNotice error={detail.error} />}
        {stepUp.panel}
        {back}
      </>
    );
  }
  const { user, sessions, factors, recent_events: recentEvents } = detail.value;
  const actions: readonly AdminUserAction[] = [
    ...(user.is_active ? (user.id === me?.id ? [] : (['lock'] as const)) : (['unlock'] as const)),
    'sessions/end',
    'password-reset/require',
    'second-factors/reset',
  ];

  return (
    <>
      <h1 className="page-title">{user.email}</h1>
      {back}
      <div className="columns">
        <Card id="admin-profile" title={t('profile')}>
          <dl className="session-details">
            <dt>{t('adminState')}</dt>
            <dd data-state={user.state}>{t(STATE_TEXT[user.state])}</dd>
            <dt>{t('adminRole')}</dt>
            <dd>{user.role === 'admin' ? t('adminRoleAdmin') : t('adminRoleUser')}</dd>
            <dt>{t('emailVerificationTitle')}</dt>
            <dd data-email-verified={String(user.email_verified)}>{user.email_verified ? t('emailVerifiedState') : t('emailNotVerifiedState')}</dd>
            <dt>{t('adminRegistered')}</dt>
            <dd>{formatDate(user.created_at)}</dd>
            {user.locked_at === null ? null : (
              <>
                <dt>{t('adminLockedSince')}</dt>
                <dd>{formatDate(user.locked_at)}</dd>
              </>
            )}
          </dl>
        </Card>
        <Card id="admin-factors" title={t('adminFactors')}>
          <dl className="session-details">
            <dt>{t('adminPasskeys')}</dt>
            <dd>{factors.passkeys}</dd>
            <dt>{t('adminTotp')}</dt>
            <dd>{factors.totp ? t('adminYes') : t('adminNo')}</dd>
            <dt>{t('adminRecoveryCodes')}</dt>
            <dd>{factors.recovery_codes_left}</dd>
          </dl>
        </Card>
      </div>
      <Card id="admin-events" title={t('securityActivityTitle')}>
        {recentEvents.length === 0 ? (
          <EmptyState>{t('securityActivityEmpty')}</EmptyState>
        ) : (
          <ol className="security-activity" data-testid="admin-security-activity">
            {recentEvents.map((entry, index) => (
              <SecurityEventEntry key={`${entry.occurred_at}-${String(index)}`} entry={{ ...entry, by_administrator: entry.actor_id !== null }} />
            ))}
          </ol>
        )}
      </Card>
      <Card id="admin-actions" title={t('adminActions')}>
        <StatusNotice message={submission.status} />
        <ErrorNotice error={submission.error} />
        {confirming === undefined ? (
          <div className="button-row">
            {actions.map((action) => (
              <button
                key={action}
                type="button"
                className={action === 'unlock' ? 'button' : 'button danger'}
                disabled={submission.busy}
                onClick={() => {
                  submission.clear();
                  setConfirming(action);
                }}
              >
                {t(ACTION_TEXT[action].button)}
              </button>
            ))}
          </div>
        ) : (
          <div role="alertdialog" aria-labelledby="admin-confirm-text" className="step-up">
            <p id="admin-confirm-text">{t(ACTION_TEXT[confirming].confirm, { email: user.email })}</p>
            <div className="button-row">
              <button
                type="button"
                className="button danger"
                disabled={submission.busy}
                onClick={() => {
                  void submission.run(async () => {
                    try {
                      await stepUp.guard(() => admin.act(user.id, confirming));
                    } finally {
                      setConfirming(undefined);
                    }
                    reload();
                    return 'adminDone';
                  });
                }}
              >
                {submission.busy ? t('adminWorking') : t('adminConfirmYes')}
              </button>
              <button
                type="button"
                className="button"
                disabled={submission.busy}
                onClick={() => {
                  setConfirming(undefined);
                }}
              >
                {t('cancel')}
              </button>
            </div>
          </div>
        )}
        {stepUp.panel}
      </Card>
      <Card id="admin-sessions" title={t('adminSessions')}>
        <AsyncItems state={{ status: 'done', value: { items: sessions } }} emptyText={t('adminNoSessions')}>
          {(items) => (
            <ul className="session-list">
              {items.map((session) => (
                <li key={session.id} className="session">
                  <p>
                    <strong>{session.device ?? session.user_agent ?? t('sessionUnknownAgent')}</strong>
                  </p>
                  <dl className="session-details">
                    <dt>{t('sessionAddress')}</dt>
                    <dd>{session.ip_prefix ?? '—'}</dd>
                    <dt>{t('sessionCreated')}</dt>
                    <dd>{formatDate(session.created_at)}</dd>
                    <dt>{t('sessionLastUsed')}</dt>
                    <dd>{formatDate(session.last_used_at)}</dd>
                  </dl>
                </li>
              ))}
            </ul>
          )}
        </AsyncItems>
      </Card>
    </>
  );
}
