import type { FastifyInstance } from 'fastify';
import type { Container } from '../../../container.js';
import { Jwks, Metadata } from './schemas.js';

const tags = ['oauth2'];

/** RFC 8414 metadata and the JWKS: what a client needs to find and verify Tessera. */
export async function metadataRoutes(app: FastifyInstance, { container }: { container: Container }): Promise<void> {
  const base = container.publicUrl;
  // Tessera has no authorization endpoint (no redirect flows, no registered clients): it is a token service.
  const metadata = {
    issuer: base,
    token_endpoint: `${base}/oauth/token`,
    introspection_endpoint: `${base}/oauth/introspect`,
    revocation_endpoint: `${base}/oauth/revoke`,
    jwks_uri: `${base}/.well-known/jwks.json`,
    grant_types_supported: ['password', 'refresh_token'],
    response_types_supported: [],
    scopes_supported: ['me', 'admin'],
    token_endpoint_auth_methods_supported: ['none'],
    // "Bearer" is from the OAuth Access Token Types registry, which RFC 8414 §2 allows here.
    introspection_endpoint_auth_methods_supported: ['Bearer'],
    revocation_endpoint_auth_methods_supported: ['Bearer'],
    subject_types_supported: ['public'],
    service_documentation: `${base}/docs`,
  };

  for (const url of ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration']) {
    app.get(url, { schema: { tags, summary: 'Authorization server metadata (RFC 8414)', response: { 200: Metadata } } }, async () => metadata);
  }

  app.get('/.well-known/jwks.json', { schema: { tags, summary: 'Public signing keys', response: { 200: Jwks } } }, async (_req, reply) => {
    // Short cache: verifiers refetch on an unknown kid anyway, and rotation must show up soon.
    reply.header('cache-control', 'public, max-age=60');
    return { keys: container.keys.jwks() };
  });
}
