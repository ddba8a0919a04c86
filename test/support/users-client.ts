import type { FastifyInstance } from 'fastify';

/** Small helpers over inject() for the users face, so tests read as scenarios. */
export async function register(app: FastifyInstance, email: string, password = 'correct horse battery', extra: object = {}) {
  const res = await app.inject({ method: 'POST', url: '/auth/register', payload: { email, password, ...extra } });
  if (res.statusCode !== 201) throw new Error(`register failed: ${res.statusCode} ${res.body}`);
  return res.json() as { id: string; email: string };
}

export async function login(app: FastifyInstance, username: string, password = 'correct horse battery') {
  const res = await app.inject({ method: 'POST', url: '/auth/jwt/login', payload: { username, password } });
  if (res.statusCode !== 200) throw new Error(`login failed: ${res.statusCode} ${res.body}`);
  return res.json() as { access_token: string; refresh_token: string; expires_in: number };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** A superuser made through the core (the bootstrap path), logged in: its token holds `admin`. */
export async function adminToken(app: FastifyInstance, users: { create: (u: { email: string; password: string; isSuperuser: boolean; isVerified: boolean }) => Promise<unknown> }, email = 'admin@camelot.bt') {
  await users.create({ email, password: 'admin password 1', isSuperuser: true, isVerified: true });
  return (await login(app, email, 'admin password 1')).access_token;
}
