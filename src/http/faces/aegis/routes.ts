import type { FastifyInstance, FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Container } from '../../../container.js';
import { bodyLogin, bodyToken } from '../../plugins/rate-limit-accounts.js';
import { clientOf } from '../../client-context.js';
import { aegisGuard } from './guard.js';
import { AuthBody, AuthResponse, MeResponse, Problem, RefreshBody, RefreshResponse } from './schemas.js';

const tags = ['aegis'];
const problems = { 400: Problem, 401: Problem };
const noStore = (reply: FastifyReply) => reply.header('cache-control', 'no-store').header('pragma', 'no-cache');

/** aegis's JWT routes: /auth, /auth/refresh, /me. */
export async function aegisRoutes(base: FastifyInstance, { container }: { container: Container }): Promise<void> {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const { auth, sessions } = container;

  app.post('/auth', { config: { limit: { policy: 'login', account: bodyLogin('username') } }, schema: { tags, body: AuthBody, response: { 200: AuthResponse, ...problems } } }, async (req, reply) => {
    // aegis refresh tokens are reused, never rotated: the session is non-rotating.
    const { tokens } = await auth.login(req.body.username, req.body.password, { rotating: false, profile: 'aegis', client: clientOf(req) });
    noStore(reply);
    return { access_token: tokens.accessToken, refresh_token: tokens.refreshToken! };
  });

  app.post('/auth/refresh', { config: { limit: { policy: 'refresh', account: bodyToken('refresh_token') } }, schema: { tags, body: RefreshBody, response: { 200: RefreshResponse, ...problems } } }, async (req, reply) => {
    const tokens = await sessions.refresh(req.body.refresh_token, { profile: 'aegis', client: clientOf(req), returnsSuccessor: false });
    noStore(reply);
    return { access_token: tokens.accessToken };
  });

  app.get('/me', { preValidation: aegisGuard(container), schema: { tags, response: { 200: MeResponse, 401: Problem } } }, async (req) => {
    const p = req.principal!;
    return { id: p.userId, permissions: p.scope, exp: p.claims.exp };
  });
}
