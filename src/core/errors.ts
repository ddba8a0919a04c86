/** Not a domain error: the database is unreachable. Every face answers it with 503. */
export { StoreUnavailable } from '../store/store-unavailable.js';

/**
 * Every failure core can report, one class per stable code. Faces map these
 * to their own wire format in one place each (src/http/faces/<face>/errors.ts);
 * nothing here is ever serialised as-is.
 */
export abstract class DomainError extends Error {
  abstract readonly code: string;
  constructor(message?: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Unknown login or wrong password: deliberately indistinguishable. */
export class InvalidCredentials extends DomainError { readonly code: string = 'invalid_credentials'; }
/**
 * The password was right but the account is deactivated. Thrown only after the
 * password verified, so it reveals nothing to whoever does not know it. A
 * subclass of InvalidCredentials: faces that do not tell the two apart (users,
 * oauth2, aegis) answer it as bad credentials; the simple face answers 403.
 */
export class AccountInactive extends InvalidCredentials { override readonly code = 'account_inactive'; }
export class UserNotVerified extends DomainError { readonly code = 'user_not_verified'; }
export class UserAlreadyExists extends DomainError {
  readonly code = 'user_already_exists';
  constructor(readonly field: 'email' | 'username') { super(`${field} already in use`); }
}
/** A password the policy refuses; `reason` is safe to show the user. */
export class InvalidPassword extends DomainError {
  readonly code = 'invalid_password';
  constructor(readonly reason: string) { super(reason); }
}
/** old_password did not match. */
export class WrongPassword extends DomainError { readonly code = 'wrong_password'; }
export class BadResetToken extends DomainError { readonly code = 'bad_reset_token'; }
export class BadVerifyToken extends DomainError { readonly code = 'bad_verify_token'; }
export class AlreadyVerified extends DomainError { readonly code = 'already_verified'; }
export class UserNotFound extends DomainError { readonly code = 'user_not_found'; }
/** No live session of that id belongs to the user (the sessions API). */
export class SessionNotFound extends DomainError { readonly code = 'session_not_found'; }
/** A login that is neither a plausible email nor a username (1-64 characters, no "@", no spaces). */
export class InvalidLogin extends DomainError { readonly code = 'invalid_login'; }
/** A change that would leave a user with neither an email nor a username to log in with. */
export class InvalidIdentifier extends DomainError { readonly code = 'invalid_identifier'; }

/** Access token missing, malformed, forged, or of an ended session / inactive user. */
export class InvalidToken extends DomainError { readonly code = 'invalid_token'; }
export class TokenExpired extends DomainError { readonly code = 'token_expired'; }
export class FreshTokenRequired extends DomainError { readonly code = 'fresh_token_required'; }
export class Forbidden extends DomainError { readonly code = 'forbidden'; }

/** Refresh token unknown, expired, of an ended session, or its user gone/inactive. */
export class InvalidRefreshToken extends DomainError { readonly code: string = 'invalid_refresh_token'; }
/** An already-rotated refresh token came back: the whole session has been ended. */
export class RefreshTokenReused extends InvalidRefreshToken { override readonly code = 'refresh_token_reused'; }
export class InvalidScope extends DomainError { readonly code = 'invalid_scope'; }
/** Too much password hashing already queued: refused at once (faces answer 503) rather than piling up. */
export class Overloaded extends DomainError { readonly code = 'overloaded'; }

/** Social login: no provider of that name is configured. */
export class UnknownOAuthProvider extends DomainError { readonly code = 'unknown_oauth_provider'; }
/** The callback's state does not match this browser's flow cookie, or the cookie is missing, forged or expired. */
export class OAuthInvalidState extends DomainError { readonly code = 'oauth_invalid_state'; }
/** The provider gave no usable email, and one is needed to find or create the user. */
export class OAuthEmailUnavailable extends DomainError { readonly code = 'oauth_email_unavailable'; }
/** A local user has the provider's email but linking is not allowed, or the identity belongs to another user. */
export class OAuthUserAlreadyExists extends DomainError { readonly code = 'oauth_user_already_exists'; }
/** The provider refused (e.g. access_denied, or invalid_grant for a spent code); `reason` is its OAuth error code. */
export class OAuthProviderError extends DomainError {
  readonly code = 'oauth_provider_error';
  constructor(readonly reason: string) { super(reason); }
}
/** The provider could not be reached or answered with a server error. */
export class OAuthProviderUnavailable extends DomainError { readonly code = 'oauth_provider_unavailable'; }
/** The change would leave no active superuser (demoting, deactivating or deleting the last one): nobody could administer the server. */
export class LastSuperuser extends DomainError { readonly code = 'last_superuser'; }
/** A username with characters no username may hold (controls, invisible or format characters, spaces, symbols outside ASCII); `reason` is safe to show. */
export class InvalidUsername extends DomainError {
  readonly code = 'invalid_username';
  constructor(readonly reason: string) { super(reason); }
}
/** A webhook URL that is not http(s), whose host does not resolve, or that points into a private network; `reason` is safe to show. */
export class InvalidWebhookUrl extends DomainError {
  readonly code = 'invalid_webhook_url';
  constructor(readonly reason: string) { super(reason); }
}
/** A webhook subscription naming an event type that does not exist; `index` is its place in the list. */
export class UnknownEventType extends DomainError {
  readonly code = 'unknown_event_type';
  constructor(readonly index: number, readonly type: string) { super(`unknown event type ${type}`); }
}
export class WebhookNotFound extends DomainError { readonly code = 'webhook_not_found'; }
/** A WebAuthn response that does not verify: unknown or spent challenge, wrong origin, bad signature, no user verification, counter regression, someone else's credential. */
export class WebAuthnInvalid extends DomainError { readonly code = 'webauthn_invalid'; }
/** The caller has no linked social identity by that id. */
export class SocialIdentityNotFound extends DomainError { readonly code = 'social_identity_not_found'; }
/** Unlinking this identity would leave the account with no way to sign in (no password, passkey or other identity). */
export class LastSignInMethod extends DomainError { readonly code = 'last_sign_in_method'; }
/** The caller has no passkey by that id. */
export class PasskeyNotFound extends DomainError { readonly code = 'passkey_not_found'; }

/** What a password login of a user with a second factor hands back instead of tokens. */
export interface MfaChallenge {
  /** Opaque; redeemed at the second step (POST /auth/mfa/verify). */
  mfaToken: string;
  methods: Array<'totp' | 'webauthn' | 'recovery_code'>;
  /** How the login that made it answers once it is met (`jwt`, `cookie`, `page`). */
  backend?: string;
}
/**
 * The password was right and the user has a second factor. Thrown only after the password
 * verified. Carries the challenge when the face can take a second step (users face); faces that
 * cannot refuse the login with their own bad-credentials answer. Not an InvalidCredentials: it is
 * no failed password check (rate-limit back-off).
 */
export class MfaRequired extends DomainError {
  readonly code = 'mfa_required';
  constructor(readonly challenge?: MfaChallenge) { super('multi-factor authentication required'); }
}
/** A wrong TOTP code, recovery code or passkey assertion (the mfa_token, if any, lives on). */
export class MfaInvalidCode extends DomainError { readonly code = 'mfa_invalid_code'; }
/** An mfa_token that is unknown, expired, spent, or out of attempts; or its login no longer valid. */
export class MfaTokenInvalid extends DomainError { readonly code = 'mfa_token_invalid'; }
/** Recovery codes asked for by a user with no second factor: they would open nothing. */
export class MfaNotEnabled extends DomainError { readonly code = 'mfa_not_enabled'; }
