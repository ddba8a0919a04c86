import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Container } from '../../../container.js';
import { bodyLogin, bodyToken, signedInUser } from '../../plugins/rate-limit-accounts.js';
import { refuseCrossSite, userGuard } from './guard.js';
import { sendLogin } from './login-response.js';
import { BearerResponse, Detail, ValidationDetail, security } from './schemas.js';
import { clientOf } from '../../client-context.js';
import {
  LoginOptionsBody, LoginOptionsResponse, LoginVerifyBody, OptionsJson, PasskeyCreated, PasskeyParams, PasskeyRead,
  RegisterVerifyBody, toPasskeyCreated, toPasskeyRead,
} from './passkey-schemas.js';

const tags = ['users: passkeys'];
const errors = { 400: Detail, 401: Detail, 403: Detail, 422: ValidationDetail };

/** WebAuthn passkeys (docs/passkeys.md): enrolment and management (signed in), and passwordless login. */
export async function passkeyRoutes(base: FastifyInstance, { container }: { container: Container }): Promise<void> {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const { passkeys, config } = container;
  const me = { preValidation: userGuard(container, 'me') };
  const crossSite = refuseCrossSite(container);

  app.post('/auth/webauthn/register/options', { ...me, config: { limit: { policy: 'passkey', account: signedInUser } }, schema: { tags, security, response: { 200: OptionsJson, ...errors } } }, async (req) =>
    passkeys.registrationOptions(req.principal!));

  app.post('/auth/webauthn/register/verify', {
    ...me, config: { limit: { policy: 'passkey', account: signedInUser } },
    schema: { tags, security, body: RegisterVerifyBody, response: { 201: PasskeyCreated, ...errors } },
  }, async (req, reply) => {
    const created = await passkeys.register(req.principal!, req.body.credential, req.body.name ?? undefined, clientOf(req));
    return reply.code(201).send(toPasskeyCreated(created));
  });

  app.get('/auth/webauthn/credentials', { ...me, schema: { tags, security, response: { 200: Type.Array(PasskeyRead), ...errors } } }, async (req) =>
    (await passkeys.list(req.principal!.userId)).map(toPasskeyRead));

  app.delete('/auth/webauthn/credentials/:id', { ...me, schema: { tags, security, params: PasskeyParams, response: { 204: Type.Null(), 404: Detail, ...errors } } }, async (req, reply) => {
    await passkeys.remove(req.principal!, req.params.id, clientOf(req));
    return reply.code(204).send(null);
  });

  app.post('/auth/webauthn/login/options', {
    config: { limit: { policy: 'passkey', account: bodyLogin('username') } },
    // A discoverable login has nothing to say: a POST without a body is `{}`.
    preValidation: async (req) => { req.body ??= {}; },
    schema: { tags, body: LoginOptionsBody, response: { 200: LoginOptionsResponse, 422: ValidationDetail } },
  }, async (req) => {
    const { flowId, options } = await passkeys.loginOptions(req.body.username ?? undefined);
    return { flow_id: flowId, options };
  });

  app.post('/auth/webauthn/login/verify', {
    config: { limit: { policy: 'passkey', account: bodyToken('flow_id') } },
    schema: { tags, body: LoginVerifyBody, response: { 200: BearerResponse, 204: Type.Null(), ...errors } },
  }, async (req, reply) => {
    const backend = req.body.backend ?? 'jwt';
    // A cookie login from another site's page is login CSRF, as for the password cookie login.
    if (backend === 'cookie') await crossSite(req);
    const { tokens } = await passkeys.login(req.body.flow_id, req.body.credential, { client: clientOf(req) });
    return sendLogin(reply, backend, tokens, config.cookieSecure);
  });
}
