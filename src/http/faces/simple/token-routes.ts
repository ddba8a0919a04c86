import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Container } from '../../../container.js';
import { packageVersion } from '../../../package-version.js';
import { clientOf } from '../../client-context.js';
import { arg, need, tokenAccount } from './args.js';
import { SimpleError } from './errors.js';
import { simpleGuard } from './guard.js';
import { AuthArgs, Message, NoArgs, NoContent, Payload, RevokeArgs, Text, TokenArgs, Version } from './schemas.js';

const tags = ['simple'];
const plain = (reply: FastifyReply, body: string) =>
  reply.type('text/plain; charset=utf-8').header('cache-control', 'no-store').header('pragma', 'no-cache').send(body);

/** The Flask service's token routes: /version, /pubkey, /token, /check, /refresh_token. */
export async function tokenRoutes(app: FastifyInstance, { container }: { container: Container }): Promise<void> {
  const { auth, accessTokens, sessions } = container;

  app.get('/version', { schema: { tags, querystring: NoArgs, response: { 200: Version } } }, async () => ({ version: packageVersion }));

  app.get('/pubkey', { schema: { tags, response: { 200: Text, 404: Message } } }, async (_req, reply) => {
    const pem = await accessTokens.publicPem('simple');
    if (!pem) throw new SimpleError(404, 'No public key: tokens are signed with a shared secret');
    return reply.type('text/plain; charset=utf-8').send(pem);
  });

  app.get('/token', { config: { limit: { policy: 'login', account: tokenAccount } }, schema: { tags, querystring: TokenArgs, response: { 200: Text, 400: Message, 403: Message, 404: Message } } }, async (req, reply) => {
    const user = need(req, 'user');
    const pass = arg(req, 'pass');
    // Without `pass`, `user` is a refresh token: the new access token is not fresh. A
    // refused one of a deactivated account is a 403, as ipseity answers, not a bad token.
    const tokens = pass === undefined || pass === ''
      ? await sessions.refresh(user, { profile: 'simple', client: clientOf(req), returnsSuccessor: false }).catch((err) => sessions.explainRefreshFailure(user, err))
      : (await auth.login(user, pass, { rotating: false, profile: 'simple', client: clientOf(req) })).tokens;
    return plain(reply, tokens.accessToken);
  });

  app.get('/check', { preValidation: simpleGuard(container, { mode: 'check' }), schema: { tags, querystring: AuthArgs, response: { 200: Payload, 400: Message } } },
    async (req) => req.principal!.claims);

  app.get('/refresh_token', {
    preValidation: simpleGuard(container, { fresh: true, me: true }),
    schema: { tags, querystring: AuthArgs, response: { 200: Text, 401: Message, 403: Message } },
  }, async (req, reply) => plain(reply, await sessions.issueRefreshToken(req.principal!.sid)));

  app.delete('/refresh_token', {
    preValidation: simpleGuard(container, { me: true }),
    schema: { tags, querystring: RevokeArgs, response: { 204: NoContent, 400: Message, 401: Message, 403: Message } },
  }, async (req, reply) => {
    // ipseity disallows that one refresh token; the caller's session and other tokens live on.
    await sessions.disallowRefreshToken(req.principal!.userId, need(req, 'refresh_token'));
    return reply.code(204).send();
  });
}
