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

/** Unknown login, wrong password or inactive account: deliberately indistinguishable. */
export class InvalidCredentials extends DomainError { readonly code = 'invalid_credentials'; }
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
