import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { FLOW_COOKIE } from '../../../src/http/faces/users/social-routes.js';
import type { TestAccount, TestIdp } from './idp.js';

/** A browser's cookies for one site: enough for the provider's session and interaction cookies. */
export class CookieJar {
  private readonly cookies = new Map<string, string>();
  store(setCookies: string[]) {
    for (const line of setCookies) {
      const [pair = '', ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a) || (/^\s*expires=/i.test(a) && Date.parse(a.split('=')[1]!) < Date.now()));
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

/** Follows redirects over real HTTP, as a browser would, until one points under `stopAt`; returns that URL. */
export async function followUntil(start: string, stopAt: string, jar = new CookieJar()): Promise<URL> {
  let url = new URL(start);
  for (let hops = 0; hops < 20; hops++) {
    if (url.href.startsWith(stopAt)) return url;
    const cookie = jar.header();
    const res = await fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });
    jar.store(res.headers.getSetCookie());
    const body = await res.text();
    const location = res.headers.get('location');
    if (res.status < 300 || res.status >= 400 || !location) throw new Error(`browser stopped at ${url.href}: ${res.status} ${body.slice(0, 300)}`);
    url = new URL(location, url);
  }
  throw new Error('too many redirects');
}

export const PUBLIC_URL = 'http://tessera.test';

export interface Started { authorizationUrl: string; flowCookie: string | undefined; res: LightMyRequestResponse }

/** GET …/authorize on Tessera: the provider URL and the flow cookie Tessera set for this browser. */
export async function authorize(app: FastifyInstance, path: string, headers: Record<string, string> = {}): Promise<Started> {
  const res = await app.inject({ url: path, headers });
  const cookie = res.cookies.find((c) => c.name === FLOW_COOKIE);
  return { authorizationUrl: res.statusCode === 200 ? (res.json() as { authorization_url: string }).authorization_url : '', flowCookie: cookie?.value, res };
}

/** The user at the provider: signs in as `who` (or refuses) and lands back on Tessera's callback URL. */
export async function atProvider(idp: TestIdp, authorizationUrl: string, who: TestAccount | 'deny'): Promise<URL> {
  idp.next(who);
  return followUntil(authorizationUrl, PUBLIC_URL);
}

/** The browser arriving at Tessera's callback, with (or without) its flow cookie. */
export function callback(app: FastifyInstance, url: URL, flowCookie: string | undefined, headers: Record<string, string> = {}) {
  const cookie = [flowCookie !== undefined ? `${FLOW_COOKIE}=${flowCookie}` : '', headers.cookie ?? ''].filter(Boolean).join('; ');
  return app.inject({ url: url.pathname + url.search, headers: { ...headers, ...(cookie ? { cookie } : {}) } });
}

/** The whole dance for a login: authorize → provider → callback. */
export async function socialLogin(app: FastifyInstance, idp: TestIdp, provider: string, who: TestAccount | 'deny', query = '') {
  const started = await authorize(app, `/auth/${provider}/authorize${query}`);
  if (started.res.statusCode !== 200) throw new Error(`authorize failed: ${started.res.statusCode} ${started.res.body}`);
  const back = await atProvider(idp, started.authorizationUrl, who);
  return { started, back, res: await callback(app, back, started.flowCookie) };
}
