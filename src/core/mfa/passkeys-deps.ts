import type { Repos } from '../../store/repos/index.js';
import type { SessionService } from '../sessions.js';
import type { RelyingParty } from './passkeys-relying-party.js';

/** Who/where a request came from (the audit log's client context, typed structurally). */
export interface PasskeyClient { face?: string; ip?: string | null; userAgent?: string | null; actorId?: string | null }

/** The audit log, typed structurally so this module does not depend on its implementation. */
export interface PasskeyAudit {
  record(e: { type: string; userId: string | null; detail?: Record<string, unknown> }, ctx?: PasskeyClient): Promise<void>;
}

export interface PasskeyServiceDeps {
  repos: Pick<Repos, 'users' | 'passkeys' | 'passkeyChallenges'>;
  sessions: Pick<SessionService, 'startSession'>;
  rp: RelyingParty;
  requireVerified: boolean;
  now?: () => number;
  audit?: PasskeyAudit;
  /** Called after a passkey is added or removed (the second-factor flag on the user follows it). */
  onFactorsChanged?: (userId: string) => Promise<void>;
}

/** A ceremony's challenge lives five minutes and the browser is told the same. */
export const CEREMONY_MS = 5 * 60_000;

export const WEBAUTHN = { method: 'webauthn' } as const;
