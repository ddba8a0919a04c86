import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';

export interface TestAccount { sub: string; email?: string; email_verified?: boolean }

export const CLIENT = { id: 'tessera-test', secret: 'tessera-test-secret-0123456789abcdef' };

/** The settings that make `idp` Tessera's provider `testoidc` (cookies not Secure: tests speak http). */
export const testOidcEnv = (idp: { issuer: string }): Record<string, string> => ({
  TESSERA_OAUTH_TESTOIDC_ISSUER: idp.issuer, TESSERA_OAUTH_TESTOIDC_CLIENT_ID: CLIENT.id, TESSERA_OAUTH_TESTOIDC_CLIENT_SECRET: CLIENT.secret,
  TESSERA_COOKIE_SECURE: 'false',
});

export interface TestIdp {
  issuer: string;
  /** Who the next login interaction signs in as; 'deny' makes the user refuse (error=access_denied). */
  next(who: TestAccount | 'deny'): void;
  close(): Promise<void>;
}

/**
 * A real OpenID Connect provider (oidc-provider) on a loopback port. Its
 * login and consent interaction is automatic: it signs in whichever account
 * the test chose with next(), and grants what the client asked for.
 */
export async function startIdp(redirectUris: string[]): Promise<TestIdp> {
  const accounts = new Map<string, TestAccount>();
  let chosen: TestAccount | 'deny' = 'deny';
  let provider: Provider | undefined;

  async function interact(req: IncomingMessage, res: ServerResponse) {
    const p = provider!;
    const details = await p.interactionDetails(req, res);
    if (chosen === 'deny') {
      return p.interactionFinished(req, res, { error: 'access_denied', error_description: 'End-User refused' }, { mergeWithLastSubmission: false });
    }
    if (details.prompt.name === 'login') {
      accounts.set(chosen.sub, chosen);
      return p.interactionFinished(req, res, { login: { accountId: chosen.sub } }, { mergeWithLastSubmission: false });
    }
    const grant = (details.grantId && (await p.Grant.find(details.grantId))) || new p.Grant({ accountId: details.session!.accountId, clientId: String(details.params.client_id) });
    const d = details.prompt.details;
    if (d.missingOIDCScope) grant.addOIDCScope(d.missingOIDCScope.join(' '));
    if (d.missingOIDCClaims) grant.addOIDCClaims(d.missingOIDCClaims);
    for (const [resource, scopes] of Object.entries(d.missingResourceScopes ?? {})) grant.addResourceScope(resource, scopes.join(' '));
    return p.interactionFinished(req, res, { consent: { grantId: await grant.save() } }, { mergeWithLastSubmission: true });
  }

  const server = createServer((req, res) => {
    if (req.url?.startsWith('/interaction/')) {
      interact(req, res).catch((err: Error) => { res.statusCode = 500; res.end(err.message); });
      return;
    }
    provider!.callback()(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  provider = new Provider(issuer, {
    clients: [{ client_id: CLIENT.id, client_secret: CLIENT.secret, redirect_uris: redirectUris, response_types: ['code'], grant_types: ['authorization_code'] }],
    jwks: { keys: [{ ...(await exportJWK(privateKey)), alg: 'RS256', use: 'sig', kid: 'test-key' }] },
    cookies: { keys: ['test-idp-cookie-key'] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'] },
    features: { devInteractions: { enabled: false } },
    pkce: { required: () => true },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    findAccount: async (_ctx: unknown, sub: string) => {
      const a = accounts.get(sub);
      return a && { accountId: sub, claims: async () => ({ sub, ...(a.email !== undefined ? { email: a.email } : {}), ...(a.email_verified !== undefined ? { email_verified: a.email_verified } : {}) }) };
    },
  });

  return {
    issuer,
    next(who) { chosen = who; },
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
