import type { FastifyError } from 'fastify';
import * as E from '../../core/errors.js';
import { classifyTransportError } from '../fastify-errors.js';

/** A page refused to someone signed in without the rights it needs (the admin console). */
export class PageForbidden extends Error {
  readonly statusCode = 403;
}

export interface PageFailure { status: number; message: string }

/** Domain error → status and the sentence a person reads. One table for every page. */
const MAP: [new (...a: never[]) => Error, number, string | ((e: never) => string)][] = [
  // Inactive accounts read as bad credentials: the pages reveal no more than the API does.
  [E.InvalidCredentials, 400, 'The email or username and password do not match an account.'],
  [E.UserNotVerified, 400, 'Please verify your email address first: open the link we mailed you.'],
  [E.UserAlreadyExists, 400, (e: E.UserAlreadyExists) => (e.field === 'username' ? 'That username is already taken.' : 'An account with that email already exists.')],
  [E.InvalidPassword, 400, (e: E.InvalidPassword) => e.reason],
  [E.InvalidUsername, 400, (e: E.InvalidUsername) => e.reason],
  [E.WrongPassword, 400, 'The current password is not right.'],
  [E.InvalidIdentifier, 400, 'An account needs an email or a username to sign in with.'],
  [E.BadResetToken, 400, 'This reset link is invalid, used or expired. Ask for a new one.'],
  [E.BadVerifyToken, 400, 'This verification link is invalid, used or expired.'],
  [E.AlreadyVerified, 400, 'This email address is already verified.'],
  [E.FreshTokenRequired, 400, 'Enter your current password to make this change.'],
  [E.LastSuperuser, 400, 'This is the last active superuser: nobody could administer the server without it.'],
  [E.InvalidScope, 400, 'That scope cannot be granted.'],
  [E.UserNotFound, 404, 'No such user.'],
  [E.UnknownOAuthProvider, 404, 'No such sign-in provider.'],
  [E.OAuthProviderUnavailable, 502, 'The sign-in provider could not be reached. Try again later.'],
  [E.Overloaded, 503, 'The server is busy. Try again in a moment.'],
  [E.StoreUnavailable, 503, 'The server is unavailable. Try again in a moment.'],
  [E.MfaInvalidCode, 400, 'That code is not right. Check your authenticator app and try again.'],
  [E.MfaTokenInvalid, 400, 'Your sign-in expired or had too many wrong codes. Sign in again.'],
  [E.MfaNotEnabled, 400, 'Set up an authenticator app or a passkey first: recovery codes go with a second factor.'],
  [E.WebAuthnInvalid, 400, 'The passkey could not be checked. Try again.'],
  [E.PasskeyNotFound, 400, 'That passkey is already removed.'],
  [E.SocialIdentityNotFound, 400, 'That sign-in provider is already unlinked.'],
  [E.LastSignInMethod, 400, 'This is your only way to sign in: set a password or add a passkey first.'],
  [E.SessionNotFound, 400, 'That session has already ended.'],
  [E.WebhookNotFound, 404, 'No such webhook endpoint.'],
  [E.InvalidWebhookUrl, 400, (e: E.InvalidWebhookUrl) => e.reason],
  [E.UnknownEventType, 400, (e: E.UnknownEventType) => `There is no event type “${e.type}”.`],
  [PageForbidden, 403, 'You do not have access to this page.'],
];

const STATUS_MESSAGES: Record<number, string> = {
  403: 'This form has expired or did not come from this site. Reload the page and try again.',
  404: 'Page not found.',
  413: 'That form was too large.',
  415: 'That form could not be read.',
  429: 'Too many attempts. Wait a little and try again.',
};

/** The label a form field carries on the pages, to name it in a validation message. */
const FIELD_LABELS: Record<string, string> = {
  username: 'Email or username', email: 'Email', password: 'Password', new_password: 'New password',
  current_password: 'Current password', scopes: 'Scopes', q: 'Search users', token: 'link',
  code: 'Authentication code', mfa_token: 'sign-in', url: 'URL', events: 'Events',
};

function validationMessage(err: FastifyError): string {
  const first = err.validation?.[0];
  const name = (first?.params as { missingProperty?: string } | undefined)?.missingProperty ?? first?.instancePath.split('/').filter(Boolean)[0];
  const label = name ? FIELD_LABELS[name] : undefined;
  if (label === 'link') return 'This link is incomplete or damaged: open the whole link from the mail.';
  if (label === 'sign-in') return 'Your sign-in expired or had too many wrong codes. Sign in again.';
  return label ? `Please check the “${label}” field.` : 'Please check the form: a field is missing or not valid.';
}

/** What to tell a person about an error; undefined for a bug (the page says only that something failed). */
export function pageFailure(err: FastifyError): PageFailure | undefined {
  const hit = MAP.find(([cls]) => err instanceof cls);
  if (hit) {
    const [, status, text] = hit;
    return { status, message: typeof text === 'function' ? text(err as never) : text };
  }
  const t = classifyTransportError(err);
  if (t?.kind === 'validation') return { status: 400, message: validationMessage(t.error) };
  if (t?.kind === 'malformed') return { status: 400, message: 'That form could not be read.' };
  if (t?.kind === 'status') return { status: t.status, message: STATUS_MESSAGES[t.status] ?? 'That request could not be completed.' };
  return undefined;
}
