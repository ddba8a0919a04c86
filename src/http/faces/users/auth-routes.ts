import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Container } from '../../../container.js';
import { clientOf } from '../../client-context.js';
import { bodyLogin, bodyToken } from '../../plugins/rate-limit-accounts.js';
import { refuseCrossSite, userGuard } from './guard.js';
import { clearAuthCookie, sendLogin } from './login-response.js';
import { LoginDetail } from './mfa-schemas.js';
import { BearerResponse, Detail, EmailBody, LoginForm, RegisterBody, ResetBody, UserRead, ValidationDetail, VerifyBody, formOrJson, security, toUserRead } from './schemas.js';

const tags = ['users: auth'];
const errors = { 400: Detail, 401: Detail, 422: ValidationDetail };
const loginErrors = { ...errors, 400: LoginDetail };
const Empty = Type.Null();

/** FastAPI Users' auth routers: jwt and cookie backends, register, reset, verify. */
export async function authRoutes(base: FastifyInstance, { container }: { container: Container }): Promise<void> {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const { auth, sessions, users, accountTokens, config } = container;
  const authed = { preValidation: userGuard(container, 'any') };

  app.post('/auth/jwt/login', { config: { limit: { policy: 'login', account: bodyLogin('username') } }, schema: { tags, consumes: formOrJson, body: LoginForm, response: { 200: BearerResponse, ...loginErrors } } }, async (req, reply) => {
    // A user with a second factor gets MfaRequired with a challenge (errors.ts: LOGIN_MFA_REQUIRED).
    const { tokens } = await auth.login(req.body.username, req.body.password, { profile: 'users', secondStep: 'jwt', client: clientOf(req) });
    return sendLogin(reply, 'jwt', tokens, config.cookieSecure);
  });

  // FastAPI Users' bearer transport answers logout with 204 and no body.
  app.post('/auth/jwt/logout', { ...authed, schema: { tags, security, response: { 204: Empty, 401: Detail, 403: Detail } } }, async (req, reply) => {
    await sessions.logout(req.principal!, clientOf(req));
    return reply.code(204).send(null);
  });

  app.post('/auth/cookie/login', { config: { limit: { policy: 'login', account: bodyLogin('username') } }, preValidation: refuseCrossSite(container), schema: { tags, consumes: formOrJson, body: LoginForm, response: { 204: Empty, ...loginErrors } } }, async (req, reply) => {
    const { tokens } = await auth.login(req.body.username, req.body.password, { profile: 'users', secondStep: 'cookie', client: clientOf(req) });
    return sendLogin(reply, 'cookie', tokens, config.cookieSecure);
  });

  app.post('/auth/cookie/logout', { ...authed, schema: { tags, security, response: { 204: Empty, 401: Detail, 403: Detail } } }, async (req, reply) => {
    await sessions.logout(req.principal!, clientOf(req));
    clearAuthCookie(reply, config.cookieSecure);
    return reply.code(204).send(null);
  });

  app.post('/auth/register', { config: { limit: { policy: 'register', account: bodyLogin('email') } }, schema: { tags, body: RegisterBody, response: { 201: UserRead, ...errors } } }, async (req, reply) => {
    // is_active, is_superuser, is_verified and scopes in the body are ignored: only admins set them.
    const user = await users.register({ email: req.body.email, username: req.body.username ?? null, password: req.body.password }, clientOf(req));
    return reply.code(201).send(toUserRead(user));
  });

  app.post('/auth/forgot-password', { config: { limit: { policy: 'mail', account: bodyLogin('email') } }, schema: { tags, body: EmailBody, response: { 202: Empty, 422: ValidationDetail } } }, async (req, reply) => {
    await accountTokens.forgotPassword(req.body.email, clientOf(req));
    return reply.code(202).send(null);
  });

  app.post('/auth/reset-password', {
    config: { limit: { policy: 'verify', account: bodyToken('token') }, errorCodes: { invalid_password: 'RESET_PASSWORD_INVALID_PASSWORD' } },
    schema: { tags, body: ResetBody, response: { 200: Empty, ...errors } },
  }, async (req) => {
    await accountTokens.resetPassword(req.body.token, req.body.password, clientOf(req));
    return null;
  });

  app.post('/auth/request-verify-token', { config: { limit: { policy: 'mail', account: bodyLogin('email') } }, schema: { tags, body: EmailBody, response: { 202: Empty, 422: ValidationDetail } } }, async (req, reply) => {
    await accountTokens.requestVerify(req.body.email, clientOf(req));
    return reply.code(202).send(null);
  });

  app.post('/auth/verify', { config: { limit: { policy: 'verify', account: bodyToken('token') } }, schema: { tags, body: VerifyBody, response: { 200: UserRead, ...errors } } }, async (req) =>
    toUserRead(await accountTokens.verify(req.body.token, clientOf(req))));
}
