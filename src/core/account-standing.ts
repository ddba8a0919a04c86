import type { UserRecord } from '../store/repos/index.js';

/**
 * Whether a user's live access tokens still speak for them: `inactive` once the
 * account is deactivated, `unverified` when the server requires a verified email
 * (TESSERA_REQUIRE_VERIFIED) and the user has none. Every face's guard asks
 * this; each answers a refusal in its own format (the users face says 403 to an
 * unverified user, as FastAPI Users' `current_user(verified=True)` does; the
 * others treat such a token as invalid).
 */
export type AccountStanding = 'ok' | 'inactive' | 'unverified';

export function accountStanding(user: UserRecord, requireVerified: boolean): AccountStanding {
  if (!user.isActive) return 'inactive';
  if (requireVerified && !user.isVerified) return 'unverified';
  return 'ok';
}
