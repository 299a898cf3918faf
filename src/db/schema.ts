import type { ColumnType, Generated } from 'kysely';

/**
 * Column types as both engines hand them back. Timestamps are ISO-8601 strings
 * when written; PostgreSQL returns them as Date, SQLite as text, so
 * repositories normalise them with {@link toIsoTimestamp}.
 */
export type Timestamp = ColumnType<Date | string, string, string>;
/** SQLite keeps booleans as 0/1. */
export type DatabaseBoolean = ColumnType<boolean | number, boolean, boolean>;

export interface UsersTable {
  id: string;
  /** Lower-cased, so uniqueness is case-insensitive on both engines. */
  email: string;
  password_hash: string;
  full_name: string | null;
  role: 'user' | 'admin';
  is_active: DatabaseBoolean;
  created_at: Timestamp;
  updated_at: Timestamp;
  /** When the account proved it receives mail at `email`; null: not verified (migration 0013). */
  email_verified_at: Timestamp | null;
  /** Migration 0014: a correct password does not sign in until a new one is set. */
  password_reset_required: ColumnType<boolean | number, boolean | undefined, boolean>;
  /** Migration 0014: when an admin locked the account (null when not locked by an admin). */
  locked_at: ColumnType<Date | string | null, string | null | undefined, string | null>;
  /** 'hu' or 'en' (migration 0015): the language of the mail the user gets. */
  language: Generated<'hu' | 'en'>;
}

/** A JSON array of strings kept as text, so one query works on both engines. */
export type JsonTextArray = string;

export interface DtcCodesTable {
  /** Upper-case, `^[PBCU][0-9A-F]{4}$`. With `make`, the primary key (migration 0009). */
  code: string;
  /** Upper-case make whose meaning this row is; `''`: the meaning for every make (generic SAE codes). */
  make: ColumnType<string, string | undefined, string>;
  system: 'powertrain' | 'body' | 'chassis' | 'network';
  is_generic: DatabaseBoolean;
  description_en: string;
  description_hu: string | null;
  severity: 'low' | 'medium' | 'high' | 'critical' | null;
  symptoms: JsonTextArray;
  possible_causes: JsonTextArray;
  /** The same lists in Hungarian (migration 0008); empty where no import gave them. */
  symptoms_hu: JsonTextArray;
  possible_causes_hu: JsonTextArray;
  related_codes: JsonTextArray;
  sources: JsonTextArray;
  /** Both descriptions lower-cased without accents: what text search matches. */
  search_text: string;
  /** SHA-256 of the stored content: an import compares it to report "unchanged". */
  content_hash: string;
  updated_at: Timestamp;
}

/** One row whose revision changes with every change to `dtc_codes` (triggers, migration 0020). */
export interface DtcCodesRevisionTable {
  id: number;
  revision: string;
}

/** Per user, a revision that changes with every change to the user's vehicles (triggers, migration 0021). */
export interface GarageRevisionsTable {
  user_id: string;
  revision: string;
}

export interface RecallsTable {
  /** SHA-256 of (campaign_number, make, model, model_year, component). */
  recall_key: string;
  campaign_number: string;
  /** Upper-case, trimmed. */
  make: string;
  /** Upper-case, trimmed. */
  model: string;
  /** Null when NHTSA gives 9999 (unknown). */
  model_year: number | null;
  component: string;
  manufacturer: string | null;
  manufacturer_campaign_number: string | null;
  recall_type: string | null;
  potentially_affected: number | null;
  /** ISO dates, `YYYY-MM-DD`. */
  manufactured_from: string | null;
  manufactured_to: string | null;
  report_received_date: string | null;
  owner_notification_date: string | null;
  fmvss: string | null;
  defect_summary: string | null;
  consequence_summary: string | null;
  corrective_action: string | null;
  notes: string | null;
  /** Only in the 29-field layout; null in older files. */
  do_not_drive: DatabaseBoolean | null;
  park_outside: DatabaseBoolean | null;
  content_hash: string;
  updated_at: Timestamp;
}

export interface ComplaintsTable {
  cmplid: number;
  odi_number: number;
  manufacturer: string | null;
  make: string;
  model: string;
  model_year: number | null;
  /** COMPDESC as NHTSA gives it, e.g. `POWER TRAIN:AUTOMATIC TRANSMISSION`. */
  component: string;
  crash: DatabaseBoolean;
  fire: DatabaseBoolean;
  injured: number;
  deaths: number;
  failure_date: string | null;
  received_date: string | null;
  state: string | null;
  miles: number | null;
  vehicle_speed: number | null;
  description: string | null;
  complaint_type: string | null;
  product_type: string | null;
  police_report: DatabaseBoolean | null;
  medical_attention: DatabaseBoolean | null;
  vehicles_towed: DatabaseBoolean | null;
  content_hash: string;
  updated_at: Timestamp;
}

/** A user's own vehicle. Every query on it is scoped by user_id. */
export interface GarageVehiclesTable {
  id: string;
  user_id: string;
  make: string;
  model: string;
  year: number;
  vin: string | null;
  nickname: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface DiagnosisNotesTable {
  id: string;
  user_id: string;
  vehicle_id: string;
  /** JSON array of DTC codes. */
  codes: string;
  symptoms: string;
  created_at: Timestamp;
}

/** An odometer reading of a garage vehicle (migration 0016). */
export interface OdometerReadingsTable {
  id: string;
  vehicle_id: string;
  user_id: string;
  km: number;
  read_at: Timestamp;
  source: 'manual' | 'scan';
  created_at: Timestamp;
}

/** A service or inspection reminder of a garage vehicle (migration 0016); dates are `YYYY-MM-DD`. */
export interface VehicleRemindersTable {
  id: string;
  vehicle_id: string;
  user_id: string;
  kind: 'oil_service' | 'timing_belt' | 'brake_fluid' | 'inspection' | 'insurance' | 'custom';
  title: string;
  every_months: number | null;
  every_km: number | null;
  due_date: string | null;
  due_km: number | null;
  last_done_date: string | null;
  last_done_km: number | null;
  /** Which due was already mailed (`<due_date>|<due_km>`), for the reminder scheduler; null after the due moves. */
  notified_for: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** An uploaded OBD scan of a garage vehicle (migration 0017); `body` is the JSON of {@link StoredScanBody} (src/db/repositories/scans.ts). */
export interface GarageScansTable {
  id: string;
  vehicle_id: string;
  user_id: string;
  format: 'torque-csv' | 'elm327' | 'json';
  file_name: string;
  taken_at: Timestamp | null;
  uploaded_at: Timestamp;
  mileage_km: number | null;
  /** null: the scan had no mileage; false: it was lower than the latest reading and not recorded. */
  odometer_recorded: DatabaseBoolean | null;
  stored_count: number;
  pending_count: number;
  permanent_count: number;
  series_names: JsonTextArray;
  body: string;
}

/** A user's iCalendar feed (migration 0018): only the SHA-256 of the URL's token. */
export interface CalendarFeedsTable {
  user_id: string;
  token_hash: string;
  created_at: Timestamp;
}

/** A session (refresh family): its key-value state, mirrored for durability, and what the user sees in the sessions list. */
export interface AuthSessionsTable {
  id: string;
  user_id: string;
  /** The same JSON the key-value store holds under refresh_family:{id}. */
  state: string;
  user_agent: string | null;
  /** The client address coarsened to a /24 (IPv4) or /48 (IPv6). */
  ip_prefix: string | null;
  created_at: Timestamp;
  last_used_at: Timestamp;
  expires_at: Timestamp;
  revoked_at: Timestamp | null;
}

export interface RevokedTokensTable {
  jti: string;
  expires_at: Timestamp;
}

export interface UserTokenCutoffsTable {
  user_id: string;
  /** The same value the key-value store holds under user_nbf:<user>. */
  mark: string;
  expires_at: Timestamp;
}

/** bigint columns: PostgreSQL's driver hands them back as strings, SQLite as numbers. */
export type BigIntColumn = ColumnType<number | string, number, number>;

/** An authenticator app's secret (migration 0011). */
export interface UserTotpTable {
  user_id: string;
  /** AES-256-GCM ciphertext (src/security/secret-box.ts); never the secret itself. */
  secret_ciphertext: string;
  created_at: Timestamp;
  confirmed_at: Timestamp | null;
  last_used_step: BigIntColumn | null;
}

/** One single-use recovery code, by its digest. */
export interface UserRecoveryCodesTable {
  id: string;
  user_id: string;
  code_hash: string;
  created_at: Timestamp;
  used_at: Timestamp | null;
}

/** A WebAuthn passkey: its public key and signature counter. */
export interface WebauthnCredentialsTable {
  id: string;
  user_id: string;
  user_handle: string;
  public_key: string;
  counter: BigIntColumn;
  transports: JsonTextArray;
  device_type: string;
  backed_up: DatabaseBoolean;
  name: string;
  created_at: Timestamp;
  last_used_at: Timestamp | null;
}

/** A symptom, system or component of the diagnosis knowledge graph (migration 0010; derived from the bundled knowledge file). */
export interface DiagnosisNodesTable {
  id: string;
  kind: 'symptom' | 'system' | 'component';
  label_hu: string;
  label_en: string;
  checks_hu: JsonTextArray;
  checks_en: JsonTextArray;
}

/** A weighted edge: node → node, or component → `code:<code>`. */
export interface DiagnosisEdgesTable {
  source: string;
  target: string;
  weight: number;
}

/** One code's searchable text in each language, refreshed from dtc_codes by content hash. */
export interface DiagnosisDocumentsTable {
  code: string;
  make: string;
  content_hash: string;
  text_hu: string;
  text_en: string;
}

/** Every word the documents and the lexicon use, folded: what typo correction may correct to. */
export interface DiagnosisVocabularyTable {
  folded: string;
  word: string;
}

/** Fingerprints of what the derived diagnosis tables were built from. */
export interface DiagnosisStateTable {
  name: string;
  value: string;
}

/** One row of the append-only security activity log (migration 0012). */
export interface SecurityEventsTable {
  id: string;
  occurred_at: Timestamp;
  user_id: string | null;
  event: string;
  reason: string | null;
  address: string | null;
  device: string | null;
  session_id: string | null;
  actor_id: string | null;
}

export interface DatabaseSchema {
  users: UsersTable;
  dtc_codes: DtcCodesTable;
  dtc_codes_revision: DtcCodesRevisionTable;
  recalls: RecallsTable;
  complaints: ComplaintsTable;
  garage_vehicles: GarageVehiclesTable;
  garage_revisions: GarageRevisionsTable;
  diagnosis_notes: DiagnosisNotesTable;
  auth_sessions: AuthSessionsTable;
  revoked_tokens: RevokedTokensTable;
  user_token_cutoffs: UserTokenCutoffsTable;
  diagnosis_nodes: DiagnosisNodesTable;
  diagnosis_edges: DiagnosisEdgesTable;
  diagnosis_documents: DiagnosisDocumentsTable;
  diagnosis_vocabulary: DiagnosisVocabularyTable;
  diagnosis_state: DiagnosisStateTable;
  user_totp: UserTotpTable;
  user_recovery_codes: UserRecoveryCodesTable;
  webauthn_credentials: WebauthnCredentialsTable;
  security_events: SecurityEventsTable;
  odometer_readings: OdometerReadingsTable;
  vehicle_reminders: VehicleRemindersTable;
  garage_scans: GarageScansTable;
  calendar_feeds: CalendarFeedsTable;
}

/** The text `Date#toISOString` writes, which SQLite hands back as it was stored. */
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export function toIsoTimestamp(value: Date | string): string {
  if (value instanceof Date) return value.toISOString();
  // Already canonical (every timestamp this app writes): no parse and format on each row read.
  return ISO_TIMESTAMP.test(value) ? value : new Date(value).toISOString();
}

export function toBoolean(value: boolean | number): boolean {
  return value === true || value === 1;
}
