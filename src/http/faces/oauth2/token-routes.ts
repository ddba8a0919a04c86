import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Container } from '../../../container.js';
import { parseScope } from '../../../core/scopes.js';
import type { TokenSet } from '../../../core/sessions.js';
import { clientOf } from '../../client-context.js';
import { OAuthError } from './errors.js';
import { param, required, tokenRequestAccount } from './params.js';
import { OAuthErrorBody, TokenForm, TokenResponse } from './schemas.js';

const tags = ['oauth2'];

/** RFC 6749 token endpoint: the password and refresh_token grants. */
export async function tokenRoutes(base: FastifyInstance, { container }: { container: Container }): Promise<void> {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const { auth, sessions } = container;

  app.post('/oauth/token', {
    config: { limit: { policy: 'token', account: tokenRequestAccount } },
    schema: { tags, summary: 'Token endpoint (password and refresh_token grants)', body: TokenForm,
      response: { 200: TokenResponse, 400: OAuthErrorBody, 413: OAuthErrorBody } },
  }, async (req) => {
    const body = req.body as Record<string, unknown>;
    const grant = required(body, 'grant_type');
    const scope = parseScope(param(body, 'scope'));
    const client = clientOf(req);
    let tokens: TokenSet;
    if (grant === 'password') {
      const username = required(body, 'username');
      tokens = (await auth.login(username, required(body, 'password'), { scope, profile: 'oauth2', client })).tokens;
    } else if (grant === 'refresh_token') {
      const presented = required(body, 'refresh_token');
      tokens = await sessions.refresh(presented, { scope, profile: 'oauth2', client });
      // A non-rotating session (aegis) keeps its refresh token: hand the same one back.
      tokens.refreshToken ??= presented;
    } else {
      throw new OAuthError('unsupported_grant_type', 'only the password and refresh_token grants are supported');
    }
    return {
      access_token: tokens.accessToken, token_type: 'bearer' as const, expires_in: tokens.expiresIn,
      refresh_token: tokens.refreshToken!, scope: tokens.scope.join(' '),
    };
  });
}
