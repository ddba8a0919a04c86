import type { FastifyInstance } from 'fastify';
import type { Container } from '../../../container.js';
import { registerByLogin } from '../../../core/register-by-login.js';
import { clientOf } from '../../client-context.js';
import { signedInUser } from '../../plugins/rate-limit-accounts.js';
import { need, signupAccount } from './args.js';
import { simpleGuard } from './guard.js';
import { AuthArgs, Message, NewUserArgs, NoContent, PasswordArgs, Payload } from './schemas.js';

const tags = ['simple'];

/** The Flask service's /user routes: sign up, change password, who am I, delete me. */
export async function userRoutes(app: FastifyInstance, { container }: { container: Container }): Promise<void> {
  const { users } = container;

  app.post('/user', { config: { limit: { policy: 'register', account: signupAccount } }, schema: { tags, querystring: NewUserArgs, response: { 201: NoContent, 400: Message, 403: Message } } }, async (req, reply) => {
    await registerByLogin(users, need(req, 'user'), need(req, 'pass'), clientOf(req));
    // ipseity answers 201 with an empty body.
    return reply.code(201).send();
  });

  app.patch('/user', {
    preValidation: simpleGuard(container, { fresh: true, me: true }), config: { limit: { policy: 'account', account: signedInUser } },
    schema: { tags, querystring: PasswordArgs, response: { 200: NoContent, 400: Message, 401: Message, 403: Message } },
  }, async (req, reply) => {
    const p = req.principal!;
    // Core ends the user's other sessions.
    await users.update(p.userId, { password: need(req, 'pass') }, { actor: p, asAdmin: false, client: clientOf(req) });
    return reply.code(200).send();
  });

  // An invalid token counts as none here (ipseity's optional authentication): 204, never 401.
  app.get('/user', { preValidation: simpleGuard(container, { mode: 'optional' }), schema: { tags, querystring: AuthArgs, response: { 200: Payload, 204: NoContent } } },
    async (req, reply) => (req.principal ? req.principal.claims : reply.code(204).send()));

  app.delete('/user', {
    preValidation: simpleGuard(container, { fresh: true, me: true }),
    schema: { tags, querystring: AuthArgs, response: { 204: NoContent, 401: Message, 403: Message } },
  }, async (req, reply) => {
    // ipseity keeps the record and deactivates it: a later password login is a 403.
    await users.deactivate(req.principal!.userId, req.principal!, clientOf(req));
    return reply.code(204).send();
  });
}
