import type { FastifyRequest } from 'fastify';
import type { Container } from '../../container.js';
import { providerLabel } from './providers.js';

/** Latest security events the account page shows (the API pages through all of them). */
const EVENTS_SHOWN = 10;

/** "2026-11-30 07:50 UTC": times on the pages, in one zone for everybody. */
export const when = (ms: number | string | null): string => (ms === null ? 'never' : `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`);

/**
 * What /account shows besides the profile: live sessions (the current one marked), second
 * factors, passkeys, linked sign-in providers and the latest security events, each read through
 * the core call the users face's API uses.
 */
export async function accountView(container: Container, req: FastifyRequest): Promise<Record<string, unknown>> {
  const { accountSessions, mfa, passkeys, socialLogin, config } = container;
  const userId = req.principal!.userId;
  // Linking needs the users face's associate callback (the redirect URI providers know).
  const linkable = config.faces.includes('users') ? socialLogin.providers() : [];
  const [sessions, events, status, keys, identities] = await Promise.all([
    accountSessions.list(userId),
    accountSessions.events(userId, { limit: EVENTS_SHOWN, offset: 0 }),
    mfa.status(userId),
    passkeys.list(userId),
    socialLogin.identities(userId),
  ]);
  return {
    sessions: sessions.map((s) => ({ ...s, current: s.id === req.principal!.sid })),
    events: events.items,
    mfa: status,
    passkeys: keys,
    identities: identities.map((i) => ({ ...i, label: providerLabel(i.provider) })),
    linkable: linkable.filter((p) => !identities.some((i) => i.provider === p)).map((name) => ({ name, label: providerLabel(name) })),
    when,
  };
}
