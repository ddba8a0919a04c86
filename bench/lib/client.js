// What the scenarios do over HTTP as a client would: calls, users, logins, an admin token.
import { randomBytes } from 'node:crypto';

export const FORM = 'application/x-www-form-urlencoded';
export const JSON_TYPE = 'application/json';
export const PASSWORD = 'bench-correct-horse-battery';
/** The superuser the webhook scenarios start their server with (TESSERA_BOOTSTRAP_SUPERUSER_*). */
export const ADMIN = { email: 'admin@bench.example', password: PASSWORD };
export const ADMIN_ENV = { TESSERA_BOOTSTRAP_SUPERUSER_EMAIL: ADMIN.email, TESSERA_BOOTSTRAP_SUPERUSER_PASSWORD: ADMIN.password };

export async function call(base, method, path, { form, json, token, headers: extra } = {}) {
  const headers = { ...extra };
  let body;
  if (form) { headers['content-type'] = FORM; body = new URLSearchParams(form).toString(); }
  if (json) { headers['content-type'] = JSON_TYPE; body = JSON.stringify(json); }
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(base + path, { method, headers, body });
  const text = await res.text();
  let data;
  try { data = JSON.parse(text); } catch { data = text; }
  return { status: res.status, bytes: Buffer.byteLength(text), data, headers: res.headers };
}

export function expect(res, status, what) {
  if (res.status !== status) throw new Error(`${what}: expected ${status}, got ${res.status} ${JSON.stringify(res.data).slice(0, 200)}`);
  return res;
}

export const uniqueEmail = (tag) => `${tag}-${randomBytes(6).toString('hex')}@bench.example`;

export async function newUser(base) {
  const email = uniqueEmail('user');
  expect(await call(base, 'POST', '/auth/register', { json: { email, password: PASSWORD } }), 201, 'register');
  return email;
}

export async function login(base, email, password = PASSWORD) {
  return expect(await call(base, 'POST', '/auth/jwt/login', { form: { username: email, password } }), 200, 'login').data;
}

/** An access token of the bootstrap superuser (holds `admin`). */
export const adminToken = async (base) => (await login(base, ADMIN.email, ADMIN.password)).access_token;

/** A probe that 404s means the route does not exist in this build. */
export function routeMissing(res, route) {
  return res.status === 404 ? `${route} answered 404: its face is not built or not mounted in this build` : undefined;
}

/** Static request of the same method, headers and body size, for the baseline. */
export function bareOf(req, body) {
  return { method: req.method, path: req.path, headers: req.headers, ...(body !== undefined ? { body } : {}) };
}

/** Runs `fn(i)` for i < n with `width` calls in flight (set-up that must not take one call at a time). */
export async function inParallel(n, width, fn) {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(width, n) }, async () => {
    while (next < n) await fn(next++);
  }));
}
