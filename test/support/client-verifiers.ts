import { createLocalJWKSet, importSPKI, jwtVerify, type JWTPayload, type JWK } from 'jose';
import type { FastifyInstance } from 'fastify';

/**
 * Verifies a token the way the imitated systems' clients do, so tests prove
 * those clients keep working. PyJWT (flask_jwtlib for ipseity, fastapi-users'
 * JWTStrategy, aegis) refuses a token carrying an `aud` its caller did not
 * ask for, and with `audience=[...]` wants one of them; jose checks the
 * signature, `exp` and `nbf` as PyJWT does.
 */
export async function pyjwtDecode(token: string, key: Parameters<typeof jwtVerify>[1], opts: { algorithms: string[]; audience?: string[] }): Promise<JWTPayload> {
  const { payload } = await jwtVerify(token, key, { algorithms: opts.algorithms, ...(opts.audience ? { audience: opts.audience } : {}) });
  if (!opts.audience && payload.aud !== undefined) throw new Error('InvalidAudienceError: Invalid audience');
  return payload;
}

/** flask_jwtlib: the PEM from ipseity's /pubkey, RS256/EdDSA as the key says, no audience. */
export async function flaskJwtlibDecode(app: FastifyInstance, token: string): Promise<JWTPayload> {
  const pem = (await app.inject({ url: '/pubkey' })).body;
  const alg = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()).alg as string;
  return pyjwtDecode(token, await importSPKI(pem, alg), { algorithms: [alg] });
}

/** A verifier holding the server's published keys (a resource server of the users or oauth2 face). */
export async function jwksKey(app: FastifyInstance) {
  const jwks = (await app.inject({ url: '/.well-known/jwks.json' })).json() as { keys: JWK[] };
  return createLocalJWKSet(jwks);
}
