import type { Repos } from '../../store/repos/index.js';
import type { AuditLog } from '../audit.js';
import type { SessionService } from '../sessions.js';
import type { SecondFactorChanged } from './passkey-factor.js';
import type { RelyingParty } from './passkeys-relying-party.js';

/** The audit log: record() for failures, prepare() for the events a change writes in its transaction. */
export type PasskeyAudit = Pick<AuditLog, 'record' | 'prepare'>;

export interface PasskeyServiceDeps {
  repos: Pick<Repos, 'users' | 'passkeys' | 'passkeyChallenges' | 'transaction'>;
  sessions: Pick<SessionService, 'startSession'>;
  rp: RelyingParty;
  requireVerified: boolean;
  now?: () => number;
  audit: PasskeyAudit;
  /** Called in the transaction that adds or removes a passkey (the second-factor flag on the user follows it). */
  onFactorsChanged?: SecondFactorChanged;
}

/** A ceremony's challenge lives five minutes and the browser is told the same. */
export const CEREMONY_MS = 5 * 60_000;

export const WEBAUTHN = { method: 'webauthn' } as const;
