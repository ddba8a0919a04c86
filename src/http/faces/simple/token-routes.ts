import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Container } from '../../../container.js';
import { packageVersion } from '../../../package-version.js';
import { arg, need, tokenAccount } from './args.js';
import { SimpleError } from './errors.js';
import { simpleGuard } from './guard.js';
import { AuthArgs, Message, NoArgs, NoContent, Payload, RevokeArgs, Text, TokenArgs, Version } from './schemas.js';

const tags = ['simple'];
const plain = (reply: FastifyReply, body: string) =>
  reply.type('text/plain; charset=utf-8').header('cache-control', 'no-store').header('pragma', 'no-cache').send(body);

/** The Flask service's token routes: /version, /pubkey, /token, /check, /refresh_token. */
export async function tokenRoutes(app: FastifyInstance, { container }: { container: Container }): Promise<void> {
  const { auth, keys, sessions, tokenRevocation } = container;

  app.get('/version', { schema: { tags, querystring: NoArgs, response: { 200: Version } } }, async () => ({ version: packageVersion }));

  app.get('/pubkey', { schema: { tags, response: { 200: Text, 404: Message } } }, async (_req, reply) => {
    const pem = await keys.publicPem();
    if (!pem) throw new SimpleError(404, 'No public key: tokens are signed with a shared secret');
    return reply.type('text/plain; charset=utf-8').send(pem);
  });

  app.get('/token', { config: { limit: { policy: 'login', account: tokenAccount } }, schema: { tags, querystring: TokenArgs, response: { 200: Text, 400: Message, 401: Message } } }, async (req, reply) => {
    const user = need(req, 'user');
    const pass = arg(req, 'pass');
    // Without `pass`, `user` is a refresh token: the new access token is not fresh.
    const tokens = pass === undefined
      ? await sessions.refresh(user)
      : (await auth.login(user, pass, { rotating: false })).tokens;
    return plain(reply, tokens.accessToken);
  });

  app.get('/check', { preValidation: simpleGuard(container), schema: { tags, querystring: AuthArgs, response: { 200: Payload, 401: Message } } },
    async (req) => req.principal!.claims);

  app.get('/refresh_token', {
    preValidation: simpleGuard(container, { fresh: true, me: true }),
    schema: { tags, querystring: AuthArgs, response: { 200: Text, 401: Message, 403: Message } },
  }, async (req, reply) => plain(reply, await sessions.issueRefreshToken(req.principal!.sid)));

  app.delete('/refresh_token', {
    preValidation: simpleGuard(container, { me: true }),
    schema: { tags, querystring: RevokeArgs, response: { 204: NoContent, 401: Message, 403: Message } },
  }, async (req, reply) => {
    const p = req.principal!;
    const token = arg(req, 'refresh_token');
    // Revocation ends sessions, as on every face: one given token ends its session (if it is the
    // caller's; anyone else's is silently left alone); none given ends all of the caller's sessions.
    if (token) await tokenRevocation.revoke(token, { userId: p.userId, isAdmin: false });
    else await sessions.endUserSessions(p.userId);
    return reply.code(204).send();
  });
}
