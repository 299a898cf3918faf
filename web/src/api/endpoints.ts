import type { AuthenticationResponseJSON, PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON, RegistrationResponseJSON } from '@simplewebauthn/browser';
import { apiCommand, apiRequest, apiUpload, type UploadProgress } from './client';
import type {
  AdminUserAction,
  AdminUserDetail,
  AdminUserPage,
  AdminUserState,
  AuthSession,
  ComplaintPage,
  DescribeRequest,
  DescribeResult,
  DtcLookup,
  DtcCode,
  DtcSystem,
  DueReminder,
  GarageNote,
  OdometerReading,
  ReminderKind,
  VehicleReminder,
  GarageVehicle,
  GarageVehicleFields,
  Page,
  Passkey,
  QuickAnalysis,
  RecallPage,
  RecoveryCodes,
  ScanDetail,
  ScanFormat,
  ScanSummary,
  SecondFactors,
  SecurityActivityPage,
  SessionState,
  TotpEnrolment,
  User,
  VehicleKey,
} from './types';

/** Typed calls, one per endpoint the pages use. Transport, CSRF and refresh live in client.ts. */

const segment = encodeURIComponent;

export const auth = {
  me: (): Promise<User> => apiRequest('/api/v1/auth/me'),
  /** 200 whether or not a session exists: an anonymous visit is not an error. */
  session: (): Promise<SessionState> => apiRequest('/api/v1/auth/session'),
  register: (body: { email: string; password: string; full_name?: string; language: User['language'] }): Promise<User> => apiRequest('/api/v1/auth/register', { method: 'POST', body }),
  updateProfile: (body: { full_name?: string | null; language?: User['language'] }): Promise<User> => apiRequest('/api/v1/auth/me', { method: 'PUT', body }),
  /** 202: a link goes to the new address; nothing changes until it is followed. */
  requestEmailChange: async (body: { new_email: string; password: string }): Promise<void> => {
    await apiCommand('/api/v1/auth/me/email', { method: 'POST', body });
  },
  confirmEmailChange: async (token: string): Promise<void> => {
    await apiCommand('/api/v1/auth/email/confirm', { method: 'POST', body: { token } });
  },
  undoEmailChange: async (token: string): Promise<void> => {
    await apiCommand('/api/v1/auth/email/undo', { method: 'POST', body: { token } });
  },
  verifyEmail: async (token: string): Promise<void> => {
    await apiCommand('/api/v1/auth/email/verify', { method: 'POST', body: { token } });
  },
  /** 204: a new verification link is on its way (none when the address is already verified). */
  resendVerification: async (): Promise<void> => {
    await apiCommand('/api/v1/auth/email/verification', { method: 'POST' });
  },
  changePassword: async (body: { current_password: string; new_password: string }): Promise<void> => {
    await apiCommand('/api/v1/auth/password', { method: 'PUT', body });
  },
  /** Always 202 with the same answer, whether or not the account exists. */
  forgotPassword: async (email: string): Promise<void> => {
    await apiCommand('/api/v1/auth/forgot-password', { method: 'POST', body: { email } });
  },
  /** The token travels in the JSON body only, never in a URL. */
  resetPassword: async (body: { token: string; new_password: string }): Promise<void> => {
    await apiCommand('/api/v1/auth/reset-password', { method: 'POST', body });
  },
  /** Erases the account; with a second factor, only within a fresh step-up. */
  eraseAccount: async (body: { password: string }): Promise<void> => {
    await apiCommand('/api/v1/auth/me', { method: 'DELETE', body });
  },
  sessions: (): Promise<{ items: AuthSession[] }> => apiRequest('/api/v1/auth/sessions'),
  endSession: async (id: string): Promise<void> => {
    await apiCommand(`/api/v1/auth/sessions/${segment(id)}`, { method: 'DELETE' });
  },
  /** My security activity of the last 90 days, newest first; `cursor` is the previous page's `next_cursor`. */
  securityActivity: (cursor?: string): Promise<SecurityActivityPage> =>
    apiRequest(`/api/v1/auth/security-events?limit=20${cursor === undefined ? '' : `&cursor=${segment(cursor)}`}`),
};

const factorsPath = '/api/v1/auth/second-factors';

/** The signed-in user's second factors; turning one off, new recovery codes and a first passkey beside a factor need a fresh step-up. */
export const secondFactors = {
  get: (): Promise<SecondFactors> => apiRequest(factorsPath),
  startTotp: (): Promise<TotpEnrolment> => apiRequest(`${factorsPath}/totp`, { method: 'POST', body: {} }),
  confirmTotp: (code: string): Promise<RecoveryCodes> => apiRequest(`${factorsPath}/totp/confirm`, { method: 'POST', body: { code } }),
  removeTotp: async (): Promise<void> => {
    await apiCommand(`${factorsPath}/totp`, { method: 'DELETE' });
  },
  newRecoveryCodes: (): Promise<{ recovery_codes: readonly string[] }> => apiRequest(`${factorsPath}/recovery-codes`, { method: 'POST', body: {} }),
  passkeyOptions: async (): Promise<PublicKeyCredentialCreationOptionsJSON> =>
    (await apiRequest<{ options: PublicKeyCredentialCreationOptionsJSON }>(`${factorsPath}/passkeys/options`, { method: 'POST', body: {} })).options,
  addPasskey: (body: { name: string; response: RegistrationResponseJSON }): Promise<RecoveryCodes & { passkey: Passkey }> =>
    apiRequest(`${factorsPath}/passkeys`, { method: 'POST', body }),
  renamePasskey: (id: string, name: string): Promise<{ passkey: Passkey }> => apiRequest(`${factorsPath}/passkeys/${segment(id)}`, { method: 'PATCH', body: { name } }),
  removePasskey: async (id: string): Promise<void> => {
    await apiCommand(`${factorsPath}/passkeys/${segment(id)}`, { method: 'DELETE' });
  },
  stepUp: (body: { totp_code: string } | { recovery_code: string }): Promise<{ fresh_until: string }> => apiRequest(`${factorsPath}/step-up`, { method: 'POST', body }),
  stepUpPasskeyOptions: async (): Promise<PublicKeyCredentialRequestOptionsJSON> =>
    (await apiRequest<{ options: PublicKeyCredentialRequestOptionsJSON }>(`${factorsPath}/step-up/passkey-options`, { method: 'POST', body: {} })).options,
  stepUpWithPasskey: (response: AuthenticationResponseJSON): Promise<{ fresh_until: string }> =>
    apiRequest(`${factorsPath}/step-up/passkey`, { method: 'POST', body: { response } }),
};

export const dtc = {
  search: (query: { q?: string; system?: DtcSystem | ''; make?: string; limit: number; offset: number }, signal?: AbortSignal): Promise<Page<DtcCode>> =>
    apiRequest('/api/v1/dtc/search', {
      query: { q: query.q, system: query.system, make: query.make, limit: query.limit, offset: query.offset },
      ...(signal ? { signal } : {}),
    }),
  /** With a make: that make's meaning of the code where it has one. */
  lookup: (code: string, make: string, signal?: AbortSignal): Promise<DtcLookup> =>
    apiRequest(`/api/v1/dtc/${segment(code)}`, { query: { make }, ...(signal ? { signal } : {}) }),
};

/** The make list changes only with an import: fetched once per page load, and again after a failure. */
let makesRequest: Promise<Page<string>> | undefined;

export const vehicles = {
  makes: (): Promise<Page<string>> => {
    makesRequest ??= apiRequest<Page<string>>('/api/v1/vehicles/makes', { query: { limit: 1000 } }).catch((error: unknown) => {
      makesRequest = undefined;
      throw error;
    });
    return makesRequest;
  },
  models: (make: string): Promise<Page<string>> => apiRequest('/api/v1/vehicles/models', { query: { make, limit: 1000 } }),
  recalls: (vehicle: VehicleKey, offset = 0): Promise<RecallPage> =>
    apiRequest(`/api/v1/vehicles/${segment(vehicle.make)}/${segment(vehicle.model)}/${vehicle.year}/recalls`, { query: { limit: 20, offset } }),
  complaints: (vehicle: VehicleKey, offset = 0): Promise<ComplaintPage> =>
    apiRequest(`/api/v1/vehicles/${segment(vehicle.make)}/${segment(vehicle.model)}/${vehicle.year}/complaints`, { query: { limit: 20, offset } }),
};

export const diagnosis = {
  quickAnalyze: (body: { codes: string[]; make?: string; model?: string; year?: number }): Promise<QuickAnalysis> =>
    apiRequest('/api/v1/diagnosis/quick-analyze', { method: 'POST', body }),
  describe: (body: DescribeRequest): Promise<DescribeResult> => apiRequest('/api/v1/diagnosis/describe', { method: 'POST', body }),
};

const garagePath = (id?: string): string => (id === undefined ? '/api/v1/garage/vehicles' : `/api/v1/garage/vehicles/${segment(id)}`);

export const garage = {
  list: (): Promise<Page<GarageVehicle>> => apiRequest(garagePath(), { query: { limit: 100 } }),
  get: (id: string): Promise<GarageVehicle> => apiRequest(garagePath(id)),
  add: (fields: GarageVehicleFields): Promise<GarageVehicle> => apiRequest(garagePath(), { method: 'POST', body: fields }),
  update: (id: string, fields: Partial<GarageVehicleFields>): Promise<GarageVehicle> => apiRequest(garagePath(id), { method: 'PUT', body: fields }),
  remove: async (id: string): Promise<void> => {
    await apiCommand(garagePath(id), { method: 'DELETE' });
  },
  recalls: (id: string): Promise<RecallPage> => apiRequest(`${garagePath(id)}/recalls`, { query: { limit: 50 } }),
  odometer: (id: string): Promise<Page<OdometerReading>> => apiRequest(`${garagePath(id)}/odometer`, { query: { limit: 5 } }),
  addReading: (id: string, body: { km: number; correct?: boolean }): Promise<OdometerReading> => apiRequest(`${garagePath(id)}/odometer`, { method: 'POST', body }),
  reminders: (id: string): Promise<{ items: VehicleReminder[]; latest_km: number | null }> => apiRequest(`${garagePath(id)}/reminders`),
  addReminder: (id: string, body: { kind: ReminderKind; title?: string; due_date?: string }): Promise<VehicleReminder> => apiRequest(`${garagePath(id)}/reminders`, { method: 'POST', body }),
  reminderDone: (id: string, reminderId: string, body: { next_due_date?: string }): Promise<VehicleReminder> =>
    apiRequest(`${garagePath(id)}/reminders/${segment(reminderId)}/done`, { method: 'POST', body }),
  removeReminder: async (id: string, reminderId: string): Promise<void> => {
    await apiCommand(`${garagePath(id)}/reminders/${segment(reminderId)}`, { method: 'DELETE' });
  },
  dueReminders: (): Promise<{ items: DueReminder[] }> => apiRequest('/api/v1/garage/reminders/due'),
  scans: (id: string): Promise<Page<ScanSummary>> => apiRequest(`${garagePath(id)}/scans`, { query: { limit: 100 } }),
  scan: (id: string, scanId: string): Promise<ScanDetail> => apiRequest(`${garagePath(id)}/scans/${segment(scanId)}`),
  /** Multipart: the file, and the format and mileage when the user chose them (the server guesses the format otherwise). */
  uploadScan: (id: string, upload: { file: File; format?: ScanFormat; mileage_km?: number }, onProgress: (progress: UploadProgress) => void, signal?: AbortSignal): Promise<ScanDetail> => {
    const form = new FormData();
    // Text fields first: the server reads them before it streams the file.
    if (upload.format !== undefined) form.append('format', upload.format);
    if (upload.mileage_km !== undefined) form.append('mileage_km', String(upload.mileage_km));
    form.append('file', upload.file, upload.file.name);
    return apiUpload(`${garagePath(id)}/scans`, form, onProgress, signal);
  },
  /** A plain link (the browser downloads it with the session cookie): `Content-Disposition: attachment`. */
  scanCsvPath: (id: string, scanId: string): string => `${garagePath(id)}/scans/${segment(scanId)}/export.csv`,
  removeScan: async (id: string, scanId: string): Promise<void> => {
    await apiCommand(`${garagePath(id)}/scans/${segment(scanId)}`, { method: 'DELETE' });
  },
  calendarFeed: (): Promise<{ enabled: boolean; created_at: string | null }> => apiRequest('/api/v1/garage/calendar-feed'),
  /** Makes or rotates the feed: the URL comes back this once. */
  rotateCalendarFeed: (): Promise<{ url: string; created_at: string }> => apiRequest('/api/v1/garage/calendar-feed', { method: 'POST' }),
  disableCalendarFeed: async (): Promise<void> => {
    await apiCommand('/api/v1/garage/calendar-feed', { method: 'DELETE' });
  },
  notes: (id: string): Promise<Page<GarageNote>> => apiRequest(`${garagePath(id)}/notes`, { query: { limit: 100 } }),
  addNote: (id: string, body: { codes: string[]; symptoms: string }): Promise<GarageNote> => apiRequest(`${garagePath(id)}/notes`, { method: 'POST', body }),
  removeNote: async (id: string, noteId: string): Promise<void> => {
    await apiCommand(`${garagePath(id)}/notes/${segment(noteId)}`, { method: 'DELETE' });
  },
};

/** Admins only; with a second factor of their own, every call needs a fresh step-up. */
export const admin = {
  users: (query: { q?: string; role?: 'user' | 'admin' | ''; state?: AdminUserState | ''; cursor?: string | undefined }, signal?: AbortSignal): Promise<AdminUserPage> =>
    apiRequest('/api/v1/admin/users', { query: { q: query.q, role: query.role, state: query.state, cursor: query.cursor, limit: 25 }, ...(signal ? { signal } : {}) }),
  user: (id: string, signal?: AbortSignal): Promise<AdminUserDetail> => apiRequest(`/api/v1/admin/users/${segment(id)}`, signal ? { signal } : {}),
  act: async (id: string, action: AdminUserAction): Promise<void> => {
    await apiCommand(`/api/v1/admin/users/${segment(id)}/${action}`, { method: 'POST' });
  },
};
