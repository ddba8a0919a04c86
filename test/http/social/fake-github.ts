import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GithubUser { id: number; email: string | null; emails: { email: string; primary: boolean; verified: boolean }[] }

/**
 * A stand-in for GitHub Enterprise Server's OAuth app endpoints and REST API,
 * as GitHub documents them: codes are single use and PKCE-bound, and a bad
 * code is answered with HTTP 200 and an `error` body, as GitHub does.
 */
export async function startFakeGithub(client: { id: string; secret: string }) {
  let next: GithubUser | undefined;
  const codes = new Map<string, { user: GithubUser; challenge: string; redirectUri: string }>();
  const tokens = new Map<string, GithubUser>();

  const server = createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    const json = (status: number, body: unknown) => { res.writeHead(status, { 'content-type': 'application/json' }); res.end(JSON.stringify(body)); };
    const user = () => tokens.get((req.headers.authorization ?? '').replace(/^Bearer /i, ''));

    if (url.pathname === '/login/oauth/authorize') {
      const q = url.searchParams;
      const back = new URL(q.get('redirect_uri')!);
      back.searchParams.set('state', q.get('state')!);
      if (q.get('client_id') !== client.id || q.get('code_challenge_method') !== 'S256' || !next) back.searchParams.set('error', 'access_denied');
      else {
        const code = randomBytes(10).toString('hex');
        codes.set(code, { user: next, challenge: q.get('code_challenge')!, redirectUri: q.get('redirect_uri')! });
        back.searchParams.set('code', code);
      }
      res.writeHead(302, { location: back.href });
      return res.end();
    }
    if (url.pathname === '/login/oauth/access_token' && req.method === 'POST') {
      let body = '';
      req.on('data', (c: Buffer) => { body += c.toString(); });
      req.on('end', () => {
        const f = new URLSearchParams(body);
        const grant = codes.get(f.get('code') ?? '');
        codes.delete(f.get('code') ?? '');
        const verifierOk = grant && createHash('sha256').update(f.get('code_verifier') ?? '').digest('base64url') === grant.challenge;
        if (f.get('client_id') !== client.id || f.get('client_secret') !== client.secret || !grant || !verifierOk || f.get('redirect_uri') !== grant.redirectUri) {
          return json(200, { error: 'bad_verification_code', error_description: 'The code passed is incorrect or expired.' });
        }
        const token = `gho_${randomBytes(16).toString('hex')}`;
        tokens.set(token, grant.user);
        return json(200, { access_token: token, token_type: 'bearer', scope: 'read:user,user:email' });
      });
      return;
    }
    const u = user();
    if (url.pathname === '/api/v3/user') return u ? json(200, { id: u.id, login: `user${u.id}`, email: u.email }) : json(401, { message: 'Bad credentials' });
    if (url.pathname === '/api/v3/user/emails') return u ? json(200, u.emails) : json(401, { message: 'Bad credentials' });
    return json(404, { message: 'Not Found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    next(u: GithubUser) { next = u; },
    /** The next person at the authorize page says no: back to the app with error=access_denied. */
    deny() { next = undefined; },
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/** The OAuth app the tests register at the stand-in. */
export const GITHUB_CLIENT = { id: 'Iv1.tessera', secret: 'github-test-secret' };

/** Tessera's settings for the GitHub preset pointed at the stand-in. */
export const githubEnv = (gh: { url: string }) => ({
  TESSERA_OAUTH_GITHUB_CLIENT_ID: GITHUB_CLIENT.id, TESSERA_OAUTH_GITHUB_CLIENT_SECRET: GITHUB_CLIENT.secret, TESSERA_OAUTH_GITHUB_URL: gh.url,
});
