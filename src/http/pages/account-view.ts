import type { FastifyRequest } from 'fastify';
import type { Container } from '../../container.js';
import { pageProviders, providerLabel } from './providers.js';

/** Latest security events the account page shows (the API pages through all of them). */
const EVENTS_SHOWN = 10;

/** What each security event means to the person it happened to. */
const EVENT_LABELS: Record<string, string> = {
  'user.registered': 'Account created', 'user.created': 'Account created', 'user.updated': 'Account changed',
  'user.deactivated': 'Account deactivated', 'user.deleted': 'Account deleted',
  'login.succeeded': 'Signed in', 'login.failed': 'Sign-in refused', 'login.mfa_required': 'Password accepted, second step asked',
  'mfa.failed': 'Wrong second-step answer', 'mfa.enrolled': 'Second factor added', 'mfa.removed': 'Second factor removed',
  logout: 'Signed out', 'session.revoked': 'Sessions ended', 'refresh.reuse_detected': 'A stolen session token was refused; its session ended',
  'password.changed': 'Password changed', 'password.reset_requested': 'Password reset asked for', 'password.reset': 'Password reset',
  'email.verification_requested': 'Verification email sent', 'email.verified': 'Email verified', 'email.changed': 'Email changed',
  'social.linked': 'Sign-in provider linked', 'social.unlinked': 'Sign-in provider unlinked', rate_limited: 'Too many attempts refused',
};
export const eventLabel = (type: string): string => EVENT_LABELS[type] ?? type;

/** "2026-11-30 07:50 UTC": times on the pages, in one zone for everybody. */
export const when = (ms: number | string | null): string => (ms === null ? 'never' : `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`);

/**
 * What /account shows besides the profile: live sessions (the current one marked), second
 * factors, passkeys, linked sign-in providers and the latest security events, each read through
 * the core call the users face's API uses.
 */
export async function accountView(container: Container, req: FastifyRequest): Promise<Record<string, unknown>> {
  const { accountSessions, mfa, passkeys, socialLogin } = container;
  const userId = req.principal!.userId;
  const linkable = pageProviders(container);
  const [sessions, events, status, keys, identities] = await Promise.all([
    accountSessions.list(userId),
    accountSessions.events(userId, { limit: EVENTS_SHOWN, offset: 0 }),
    mfa.status(userId),
    passkeys.list(userId),
    socialLogin.identities(userId),
  ]);
  return {
    sessions: sessions.map((s) => ({ ...s, current: s.id === req.principal!.sid })),
    events: events.items.map((e) => ({ ...e, label: eventLabel(e.type) })),
    mfa: status,
    passkeys: keys,
    identities: identities.map((i) => ({ ...i, label: providerLabel(i.provider) })),
    linkable: linkable.filter((p) => !identities.some((i) => i.provider === p)).map((name) => ({ name, label: providerLabel(name) })),
    when,
  };
}
