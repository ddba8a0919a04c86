import type { FastifyInstance, FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Container } from '../../../container.js';
import { actsAsAdmin, parseScope } from '../../../core/scopes.js';
import { clientOf } from '../../client-context.js';
import { callerGuard } from './guard.js';
import { param, required } from './params.js';
import { IntrospectForm, IntrospectionResponse, OAuthErrorBody, RevokeForm } from './schemas.js';

const tags = ['oauth2'];
const security = [{ bearer: [] }];
const errors = { 400: OAuthErrorBody, 401: OAuthErrorBody, 413: OAuthErrorBody };

/** RFC 7662 introspection (also at Spring's /oauth/check_token) and RFC 7009 revocation. */
export async function introspectionRoutes(base: FastifyInstance, { container }: { container: Container }): Promise<void> {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const { introspection, tokenRevocation } = container;

  for (const url of ['/oauth/introspect', '/oauth/check_token']) {
    app.post(url, {
      onRequest: callerGuard(container),
      schema: { tags, security, summary: 'Token introspection (RFC 7662)', body: IntrospectForm, response: { 200: IntrospectionResponse, ...errors } },
    }, async (req) => {
      const body = req.body as Record<string, unknown>;
      return introspection.introspect(required(body, 'token'), {
        required: parseScope(param(body, 'scope')), hint: param(body, 'token_type_hint'),
      });
    });
  }

  app.post('/oauth/revoke', {
    onRequest: callerGuard(container, 'me'),
    schema: { tags, security, summary: 'Token revocation (RFC 7009)', body: RevokeForm, response: { 403: OAuthErrorBody, ...errors } },
  }, async (req, reply) => {
    const by = req.principal!;
    // Only a superuser whose token holds `admin` may revoke other users' tokens.
    const isAdmin = actsAsAdmin(req.currentUser!, by.scope, container.scopePolicy);
    await tokenRevocation.revoke(required(req.body as Record<string, unknown>, 'token'), { userId: by.userId, isAdmin }, clientOf(req));
    // RFC 7009 §2.2: 200 and nothing to say, whatever the token was.
    return (reply as FastifyReply).code(200).send();
  });
}
