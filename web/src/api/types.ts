/** Shapes of the API's answers (docs/API.md), as far as the front end uses them. */

/**
 * The server's own list of error codes. Type-only (src/errors.ts imports nothing and
 * `import type` is erased), so none of the server's code reaches the bundle.
 */
export type { ErrorCode, FieldProblem, FieldProblemKind } from '../../../src/errors.js';
/** The server's list of security event codes; type-only, like the error codes. */
export type { SecurityEventCode } from '../../../src/security/security-events.js';

export interface Page<T> {
  readonly items: readonly T[];
  readonly total: number;
  readonly limit: number;
  readonly offset: number;
}

export interface User {
  readonly id: string;
  readonly email: string;
  readonly full_name: string | null;
  readonly role: 'user' | 'admin';
  readonly is_active: boolean;
  /** The language of the user's mail: kept in step with the UI language the user picks. */
  readonly language: 'hu' | 'en';
  readonly created_at: string;
  readonly updated_at: string;
  /** Whether the account proved it receives mail at `email`. */
  readonly email_verified: boolean;
  readonly email_verified_at: string | null;
}

export type DtcSystem = 'powertrain' | 'body' | 'chassis' | 'network';
export type Severity = 'low' | 'medium' | 'high' | 'critical';

export interface DecodedDtcCode {
  readonly code: string;
  readonly system: DtcSystem;
  readonly is_generic: boolean;
  readonly controlled_by: 'sae' | 'manufacturer';
  readonly subsystem: { readonly group: string; readonly name: string };
}

export interface DtcCode {
  readonly code: string;
  /** The make whose meaning this is (upper-case); null: the same for every make. */
  readonly make: string | null;
  readonly system: DtcSystem;
  readonly is_generic: boolean;
  readonly description_en: string;
  readonly description_hu: string | null;
  readonly severity: Severity | null;
  readonly symptoms: readonly string[];
  readonly possible_causes: readonly string[];
  readonly symptoms_hu: readonly string[];
  readonly possible_causes_hu: readonly string[];
  readonly related_codes: readonly string[];
  readonly sources: readonly string[];
  readonly updated_at: string;
}

/** Another make's meaning of the same code (make null: the meaning for every make). */
export interface DtcVariant {
  readonly make: string | null;
  readonly description_en: string;
  readonly description_hu: string | null;
}

export interface DtcLookup extends DtcCode {
  readonly decoded: DecodedDtcCode;
  readonly variants: readonly DtcVariant[];
  readonly related: readonly { readonly code: string; readonly description_en: string; readonly description_hu: string | null }[];
}

export interface VehicleKey {
  readonly make: string;
  readonly model: string;
  readonly year: number;
}

export interface Recall {
  readonly campaign_number: string;
  readonly make: string;
  readonly model: string;
  readonly model_year: number | null;
  readonly component: string;
  readonly manufacturer: string | null;
  readonly potentially_affected: number | null;
  readonly report_received_date: string | null;
  readonly defect_summary: string | null;
  readonly consequence_summary: string | null;
  readonly corrective_action: string | null;
  readonly do_not_drive: boolean | null;
  readonly park_outside: boolean | null;
}

export interface Complaint {
  readonly cmplid: number;
  readonly odi_number: number;
  readonly component: string;
  readonly crash: boolean;
  readonly fire: boolean;
  readonly injured: number;
  readonly deaths: number;
  readonly failure_date: string | null;
  readonly received_date: string | null;
  readonly description: string | null;
}

export interface ComplaintTotals {
  readonly complaints: number;
  readonly crashes: number;
  readonly fires: number;
  readonly injuries: number;
  readonly deaths: number;
}

export interface RecallPage extends Page<Recall> {
  readonly vehicle: VehicleKey;
}

export interface ComplaintPage extends Page<Complaint> {
  readonly vehicle: VehicleKey;
  readonly totals: ComplaintTotals;
}

export interface QuickAnalysis {
  readonly codes: readonly { readonly code: string; readonly known: boolean; readonly decoded: DecodedDtcCode; readonly details: DtcCode | null }[];
  readonly systems: readonly { readonly system: DtcSystem; readonly codes: readonly string[] }[];
  readonly shared_systems: readonly DtcSystem[];
  readonly related_pairs: readonly { readonly code: string; readonly related_code: string }[];
  readonly highest_severity: Severity | null;
  readonly vehicle:
    | (VehicleKey & {
        readonly recalls: { readonly total: number; readonly relevant: number; readonly items: readonly Recall[] };
        readonly complaints: { readonly all: ComplaintTotals; readonly relevant: ComplaintTotals };
      })
    | null;
}

/**
 * `POST /api/v1/diagnosis/describe` (docs/API.md). Written out here rather
 * than imported from the engine: its module pulls in the database layer,
 * which this build must not type-check or bundle.
 */
export type DescribeLanguage = 'hu' | 'en';

export interface DescribeRequest {
  readonly text: string;
  readonly language: DescribeLanguage;
  readonly make?: string;
  readonly model?: string;
  readonly year?: number;
  readonly codes?: readonly string[];
}

export interface LabelledNode {
  readonly id: string;
  readonly label: string;
}

export interface RecognisedNode extends LabelledNode {
  readonly kind: string;
  /** The driver's words that named it. */
  readonly matched: readonly string[];
}

export interface DescribeCandidate {
  readonly kind: 'code' | 'component';
  readonly code: string | null;
  readonly make: string | null;
  readonly component: string | null;
  readonly title: string;
  readonly system: DtcSystem | null;
  readonly severity: Severity | null;
  /** 0–1, highest first. */
  readonly score: number;
  readonly reasons: {
    readonly symptoms: readonly LabelledNode[];
    readonly words: readonly string[];
    readonly via: readonly LabelledNode[];
    readonly given: boolean;
  };
  readonly causes: readonly string[];
  readonly checks: readonly string[];
  /** For a component: its codes, strongest link first. */
  readonly codes: readonly string[];
}

export interface MatchingComplaint {
  readonly cmplid: number;
  readonly odi_number: number;
  readonly component: string;
  readonly summary: string;
  readonly crash: boolean;
  readonly fire: boolean;
  readonly failure_date: string | null;
}

export interface DescribeResult {
  readonly language: DescribeLanguage;
  readonly understood: {
    readonly symptoms: readonly RecognisedNode[];
    readonly components: readonly RecognisedNode[];
    readonly corrections: readonly { readonly from: string; readonly to: string }[];
  };
  readonly candidates: readonly DescribeCandidate[];
  readonly vehicle:
    | (VehicleKey & {
        readonly recalls: { readonly total: number; readonly items: readonly Recall[] };
        readonly complaints: { readonly total: number; readonly items: readonly MatchingComplaint[] };
      })
    | null;
}

export interface GarageVehicle {
  readonly id: string;
  readonly make: string;
  readonly model: string;
  readonly year: number;
  readonly vin: string | null;
  readonly nickname: string | null;
  readonly created_at: string;
  readonly updated_at: string;
}

export interface GarageVehicleFields {
  readonly make: string;
  readonly model: string;
  readonly year: number;
  readonly vin: string | null;
  readonly nickname: string | null;
}

export type ReminderKind = 'oil_service' | 'timing_belt' | 'brake_fluid' | 'inspection' | 'insurance' | 'custom';
export type DueState = 'ok' | 'due_soon' | 'overdue';

export interface OdometerReading {
  readonly id: string;
  readonly vehicle_id: string;
  readonly km: number;
  readonly read_at: string;
  readonly source: 'manual' | 'scan';
  readonly created_at: string;
}

export interface VehicleReminder {
  readonly id: string;
  readonly vehicle_id: string;
  readonly kind: ReminderKind;
  readonly title: string;
  readonly every_months: number | null;
  readonly every_km: number | null;
  readonly due_date: string | null;
  readonly due_km: number | null;
  readonly last_done_date: string | null;
  readonly last_done_km: number | null;
  readonly next_due: { readonly due_date: string | null; readonly due_km: number | null; readonly state: DueState; readonly days_left: number | null; readonly km_left: number | null };
}

export interface DueReminder {
  readonly vehicle: { readonly id: string; readonly make: string; readonly model: string; readonly nickname: string | null };
  readonly reminder: VehicleReminder;
}

export interface GarageNote {
  readonly id: string;
  readonly vehicle_id: string;
  readonly codes: readonly string[];
  readonly symptoms: string;
  readonly created_at: string;
}

/** One signed-in session (a refresh family) as its owner sees it. */
export interface AuthSession {
  readonly id: string;
  readonly current: boolean;
  readonly created_at: string;
  readonly last_used_at: string;
  readonly expires_at: string;
  readonly user_agent: string | null;
  readonly ip_prefix: string | null;
}

/** `GET /api/v1/auth/session`: whether this browser has a live session; `refresh` when only a refresh can restore it. */
export interface SessionState {
  readonly authenticated: boolean;
  readonly user: User | null;
  readonly refresh: boolean;
}

/** A passkey of the signed-in user (`GET /api/v1/auth/second-factors`). */
export interface Passkey {
  readonly id: string;
  readonly name: string;
  readonly created_at: string;
  readonly last_used_at: string | null;
  readonly backed_up: boolean;
  readonly device_type: string;
}

/** The second factors of the signed-in user; `step_up.required`: sensitive changes need a fresh confirmation. */
export interface SecondFactors {
  readonly totp: { readonly enabled: boolean };
  readonly passkeys: readonly Passkey[];
  readonly recovery_codes: { readonly remaining: number; readonly created_at: string | null };
  readonly step_up: { readonly required: boolean; readonly fresh_until: string | null };
}

/** The start of an authenticator-app set-up: the secret, as text and as a QR image (a data: URL). */
export interface TotpEnrolment {
  readonly secret: string;
  readonly otpauth_uri: string;
  readonly qr_code: string;
}

/** Recovery codes are shown once: null when none were made (not the first factor). */
export interface RecoveryCodes {
  readonly recovery_codes: readonly string[] | null;
}

/** A user as an admin sees them (`GET /api/v1/admin/users`). */
export type AdminUserState = 'active' | 'locked' | 'reset_required';
export interface AdminUser extends User {
  readonly state: AdminUserState;
  readonly password_reset_required: boolean;
  readonly locked_at: string | null;
}

export interface AdminUserPage {
  readonly items: readonly AdminUser[];
  readonly next_cursor: string | null;
}

export interface AdminUserDetail {
  readonly user: AdminUser;
  readonly sessions: readonly {
    readonly id: string;
    readonly created_at: string;
    readonly last_used_at: string;
    readonly expires_at: string;
    readonly device: string | null;
    readonly user_agent: string | null;
    readonly ip_prefix: string | null;
  }[];
  readonly factors: { readonly passkeys: number; readonly totp: boolean; readonly recovery_codes_left: number };
  readonly recent_events: readonly {
    readonly event: string;
    readonly occurred_at: string;
    readonly reason: string | null;
    readonly device: string | null;
    readonly address: string | null;
    readonly actor_id: string | null;
  }[];
}

export type AdminUserAction = 'lock' | 'unlock' | 'sessions/end' | 'password-reset/require' | 'second-factors/reset';
/** `GET /api/v1/auth/security-events`: one entry of my security activity (the last 90 days). */
export interface SecurityActivity {
  readonly id: string;
  readonly occurred_at: string;
  readonly event: string;
  readonly reason: string | null;
  readonly address: string | null;
  readonly device: string | null;
  readonly by_administrator: boolean;
}

export interface SecurityActivityPage {
  readonly items: readonly SecurityActivity[];
  readonly next_cursor: string | null;
}

/** Issue 20: an OBD scan of a garage vehicle (docs/API.md "Scans"). */
export type ScanFormat = 'torque-csv' | 'elm327' | 'json';
export type ScanCodeStatus = 'stored' | 'pending' | 'permanent';

export interface ScanValue {
  readonly value: number;
  readonly unit: string;
}

export interface ScanSummary {
  readonly id: string;
  readonly vehicle_id: string;
  readonly format: ScanFormat;
  readonly file_name: string;
  readonly taken_at: string | null;
  readonly uploaded_at: string;
  readonly mileage_km: number | null;
  readonly code_counts: Readonly<Record<ScanCodeStatus, number>>;
  readonly series_names: readonly string[];
}

export type ScanFindingSeverity = 'info' | 'warning' | 'critical';

export interface ScanFinding {
  readonly rule: string;
  readonly code: string | null;
  readonly severity: ScanFindingSeverity;
  readonly evidence: Readonly<Record<string, ScanValue>>;
}

export interface ScanDetail extends ScanSummary {
  readonly codes: readonly { readonly code: string; readonly status: ScanCodeStatus; readonly ecu: string | null }[];
  readonly freeze_frames: readonly { readonly code: string | null; readonly ecu: string | null; readonly values: Readonly<Record<string, ScanValue>> }[];
  /** Name → `[milliseconds since the first sample, value]` points. */
  readonly series: Readonly<Record<string, { readonly unit: string; readonly points: readonly (readonly [number, number])[] }>>;
  readonly unknown_columns: readonly string[];
  readonly odometer: { readonly km: number; readonly recorded: boolean; readonly reason: null | 'lower_than_latest' } | null;
  readonly analysis: {
    readonly codes: readonly { readonly code: string; readonly known: boolean; readonly description: string | null; readonly description_hu?: string | null; readonly severity: Severity | null; readonly system: DtcSystem }[];
    readonly highest_severity: Severity | null;
    readonly findings: readonly ScanFinding[];
  };
}
