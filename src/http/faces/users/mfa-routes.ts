import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Container } from '../../../container.js';
import { UserNotFound } from '../../../core/errors.js';
import type { MfaAnswer } from '../../../core/mfa/second-step.js';
import { bodyMfaToken, signedInUser, userParam } from '../../plugins/rate-limit-accounts.js';
import { clientOf } from '../../client-context.js';
import { refuseCrossSite, userGuard } from './guard.js';
import { noStore, sendLogin, type LoginBackend } from './login-response.js';
import { ConfirmBody, MfaStatus, OptionsBody, RecoveryCodes, TotpEnrollment, VerifyBody } from './mfa-schemas.js';
import { userIdParam } from '../../id-params.js';
import { BearerResponse, Detail, IdParams, ValidationDetail, security } from './schemas.js';

const tags = ['users: multi-factor'];
const errors = { 400: Detail, 401: Detail, 403: Detail, 422: ValidationDetail };
const Empty = Type.Null();

const answerOf = (b: { code?: string; recovery_code?: string; webauthn?: unknown }): MfaAnswer =>
  b.code !== undefined ? { code: b.code } : b.recovery_code !== undefined ? { recoveryCode: b.recovery_code } : { webauthn: b.webauthn };

/**
 * TOTP, recovery codes, the login's second step, and an admin's removal of a user's factors.
 * Registered outside the `/users` plugin, so they exist whichever admin API that plugin speaks.
 */
export async function mfaRoutes(base: FastifyInstance, { container }: { container: Container }): Promise<void> {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const { mfa, mfaLogin, users, config } = container;
  const me = { preValidation: userGuard(container, 'me') };
  const admin = { preValidation: userGuard(container, 'admin') };

  app.get('/auth/mfa', { ...me, schema: { tags, security, response: { 200: MfaStatus, ...errors } } }, async (req) => {
    const s = await mfa.status(req.principal!.userId);
    return { totp: s.totp, webauthn: s.webauthn, recovery_codes_left: s.recoveryCodesLeft };
  });

  app.post('/auth/mfa/totp/enroll', { ...me, schema: { tags, security, response: { 200: TotpEnrollment, ...errors } } }, async (req, reply) => {
    const { secret, otpauthUri } = await mfa.enrollTotp(req.principal!);
    noStore(reply);
    return { secret, otpauth_uri: otpauthUri };
  });

  app.post('/auth/mfa/totp/confirm', { ...me, config: { limit: { policy: 'mfa', account: signedInUser } }, schema: { tags, security, body: ConfirmBody, response: { 200: RecoveryCodes, ...errors } } }, async (req, reply) => {
    const codes = await mfa.confirmTotp(req.principal!, req.body.code, clientOf(req));
    noStore(reply);
    return { recovery_codes: codes };
  });

  app.delete('/auth/mfa/totp', { ...me, schema: { tags, security, response: { 204: Empty, ...errors } } }, async (req, reply) => {
    await mfa.removeTotp(req.principal!, clientOf(req));
    return reply.code(204).send(null);
  });

  app.post('/auth/mfa/recovery-codes', { ...me, schema: { tags, security, response: { 200: RecoveryCodes, ...errors } } }, async (req, reply) => {
    const codes = await mfa.regenerateRecoveryCodes(req.principal!);
    noStore(reply);
    return { recovery_codes: codes };
  });

  // The second step answers like the login that started it: a cookie is set only from a trusted origin.
  const secondStep = { preValidation: refuseCrossSite(container), config: { limit: { policy: 'mfa' as const, account: bodyMfaToken('mfa_token') } } };

  app.post('/auth/mfa/verify', { ...secondStep, schema: { tags, body: VerifyBody, response: { 200: BearerResponse, 204: Empty, 400: Detail, 403: Detail, 422: ValidationDetail } } }, async (req, reply) => {
    const { backend, tokens } = await mfaLogin.verify(req.body.mfa_token, answerOf(req.body), clientOf(req));
    return sendLogin(reply, backend as LoginBackend, tokens, config.cookieSecure);
  });

  app.post('/auth/mfa/webauthn/options', { ...secondStep, schema: { tags, body: OptionsBody, response: { 400: Detail, 422: ValidationDetail } } }, async (req, reply) => {
    // PublicKeyCredentialRequestOptionsJSON, as the passkeys module builds it (no schema: passed through).
    noStore(reply).send(await mfaLogin.webauthnOptions(req.body.mfa_token));
  });

  // A UUID, or (for the wisdom admin API) an account number; anything else names no user.
  app.delete('/users/:id/mfa', { ...admin, config: { limit: { policy: 'admin', account: userParam('id') } }, schema: { tags, security, params: IdParams, response: { 204: Empty, ...errors, 404: Detail } } }, async (req, reply) => {
    await mfa.removeAll(await userIdParam(req.params.id, users.getByAccountNumber, () => new UserNotFound()), clientOf(req));
    return reply.code(204).send(null);
  });
}
