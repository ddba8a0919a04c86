import type { FastifyInstance } from 'fastify';
import type { Container } from '../../../container.js';
import { registerByLogin } from '../../../core/register-by-login.js';
import { signedInUser } from '../../plugins/rate-limit-accounts.js';
import { need, signupAccount } from './args.js';
import { simpleGuard } from './guard.js';
import { AuthArgs, CreatedUser, Message, NewUserArgs, NoContent, PasswordArgs, Payload } from './schemas.js';

const tags = ['simple'];

/** The Flask service's /user routes: sign up, change password, who am I, delete me. */
export async function userRoutes(app: FastifyInstance, { container }: { container: Container }): Promise<void> {
  const { users } = container;

  app.post('/user', { config: { limit: { policy: 'register', account: signupAccount } }, schema: { tags, querystring: NewUserArgs, response: { 201: CreatedUser, 400: Message, 409: Message } } }, async (req, reply) => {
    const user = await registerByLogin(users, need(req, 'user'), need(req, 'pass'));
    return reply.code(201).send({ user: user.username ?? user.email! });
  });

  app.patch('/user', {
    preValidation: simpleGuard(container, { me: true }), config: { limit: { policy: 'account', account: signedInUser } },
    schema: { tags, querystring: PasswordArgs, response: { 204: NoContent, 400: Message, 401: Message, 403: Message } },
  }, async (req, reply) => {
    const p = req.principal!;
    // Core refuses a token that is not fresh and ends the user's other sessions.
    await users.update(p.userId, { password: need(req, 'pass') }, { actor: p, asAdmin: false });
    return reply.code(204).send();
  });

  app.get('/user', { preValidation: simpleGuard(container, { optional: true }), schema: { tags, querystring: AuthArgs, response: { 200: Payload, 204: NoContent, 401: Message } } },
    async (req, reply) => (req.principal ? req.principal.claims : reply.code(204).send()));

  app.delete('/user', {
    preValidation: simpleGuard(container, { fresh: true, me: true }),
    schema: { tags, querystring: AuthArgs, response: { 204: NoContent, 401: Message, 403: Message } },
  }, async (req, reply) => {
    await users.delete(req.principal!.userId);
    return reply.code(204).send();
  });
}
