import { Type } from '@sinclair/typebox';

const Code = Type.String({ minLength: 1, maxLength: 64 });
const MfaToken = Type.String({ minLength: 1, maxLength: 256 });

/** The answer of a password login that needs a second factor, next to FastAPI Users' detail shapes. */
export const LoginDetail = Type.Object({
  detail: Type.Union([
    Type.String(),
    Type.Object({ code: Type.String(), reason: Type.String() }),
    Type.Object({ code: Type.Literal('LOGIN_MFA_REQUIRED'), mfa_token: Type.String(), methods: Type.Array(Type.String()) }),
  ]),
});

export const MfaStatus = Type.Object({ totp: Type.Boolean(), webauthn: Type.Integer(), recovery_codes_left: Type.Integer() });
export const TotpEnrollment = Type.Object({ secret: Type.String(), otpauth_uri: Type.String() });
export const RecoveryCodes = Type.Object({ recovery_codes: Type.Array(Type.String()) });
export const ConfirmBody = Type.Object({ code: Code });
export const OptionsBody = Type.Object({ mfa_token: MfaToken });
/** The mfa_token and exactly one answer: a TOTP code, a recovery code, or a passkey assertion. */
export const VerifyBody = Type.Object({
  mfa_token: MfaToken,
  code: Type.Optional(Code),
  recovery_code: Type.Optional(Code),
  webauthn: Type.Optional(Type.Object({}, { additionalProperties: true })),
}, { minProperties: 2, maxProperties: 2, additionalProperties: false });
