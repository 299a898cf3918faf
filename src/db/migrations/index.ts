import type { Migration } from 'kysely';
import * as users from './0001-users.js';
import * as dtcCodes from './0002-dtc-codes.js';
import * as recalls from './0003-recalls.js';
import * as complaints from './0004-complaints.js';
import * as garage from './0005-garage.js';
import * as authState from './0006-auth-state.js';
import * as serverHeartbeats from './0007-server-heartbeats.js';
import * as dtcHungarianLists from './0008-dtc-hungarian-lists.js';
import * as dtcMake from './0009-dtc-make.js';
import * as diagnosis from './0010-diagnosis.js';
import * as secondFactors from './0011-second-factors.js';
import * as securityEvents from './0012-security-events.js';
import * as emailVerification from './0013-email-verification.js';
import * as userAdminState from './0014-user-admin-state.js';
import * as userLanguage from './0015-user-language.js';
import * as garageReminders from './0016-garage-reminders.js';
import * as garageScans from './0017-garage-scans.js';
import * as calendarFeeds from './0018-calendar-feeds.js';
import * as garageListOrder from './0019-garage-list-order.js';
import * as dtcCodesRevision from './0020-dtc-codes-revision.js';
import * as garageRevisions from './0021-garage-revisions.js';

/**
 * Every migration, in order. Names are stable forever: they are the version
 * recorded in the database. Each one must run on PostgreSQL and SQLite.
 */
export const migrations: Readonly<Record<string, Migration>> = {
  '0001-users': users,
  '0002-dtc-codes': dtcCodes,
  '0003-recalls': recalls,
  '0004-complaints': complaints,
  '0005-garage': garage,
  '0006-auth-state': authState,
  '0007-server-heartbeats': serverHeartbeats,
  '0008-dtc-hungarian-lists': dtcHungarianLists,
  '0009-dtc-make': dtcMake,
  '0010-diagnosis': diagnosis,
  '0011-second-factors': secondFactors,
  '0012-security-events': securityEvents,
  '0013-email-verification': emailVerification,
  '0014-user-admin-state': userAdminState,
  '0015-user-language': userLanguage,
  '0016-garage-reminders': garageReminders,
  '0017-garage-scans': garageScans,
  '0018-calendar-feeds': calendarFeeds,
  '0019-garage-list-order': garageListOrder,
  '0020-dtc-codes-revision': dtcCodesRevision,
  '0021-garage-revisions': garageRevisions,
};
