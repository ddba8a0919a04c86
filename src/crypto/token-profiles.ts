/**
 * Token profiles: the shape of the access tokens each face issues, so that
 * clients of the imitated systems, which decode and verify tokens
 * themselves, keep working. A profile is data handed to the one token
 * service (access-token.ts); every profile also carries Tessera's own claims
 * (iss, sub, iat, exp, jti, sid, scope, fresh).
 */
export const PROFILE_NAMES = ['oauth2', 'users', 'simple', 'aegis'] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];

/** What a token is issued for; profiles pick the claims they need. */
export interface TokenInput {
  sub: string;
  sid: string;
  scope: string[];
  fresh: boolean;
  /** The user's names (the `simple` profile's `user` claim). */
  username?: string | null;
  email?: string | null;
  clientId?: string;
}

export interface TokenProfile {
  name: ProfileName;
  typ: 'at+jwt' | 'JWT';
  /** The audiences a token of this profile carries; undefined: no `aud` at all. */
  aud?: string | string[];
  /** An HS256 secret of this face; undefined: the server's signing key. */
  secret?: string;
  /** `opaque`: a random UUID stored as a hash instead of a JWT (the `oauth2` face, on request). */
  format: 'jwt' | 'opaque';
  /** The imitated system's own claims. */
  extra(input: TokenInput, iat: number): Record<string, unknown>;
  /** Whether a verified payload has this profile's own claims. */
  hasClaims(payload: Record<string, unknown>): boolean;
}

export interface ProfileSettings {
  /** TESSERA_JWT_AUDIENCE. */
  audience: string;
  /** TESSERA_USERS_AUDIENCE. */
  usersAudience: string[];
  secrets?: Partial<Record<ProfileName, string | undefined>>;
  oauth2Format?: 'jwt' | 'opaque';
}

const isStrings = (v: unknown) => Array.isArray(v) && v.every((s) => typeof s === 'string');

export type TokenProfiles = Record<ProfileName, TokenProfile>;

export function createTokenProfiles(s: ProfileSettings): TokenProfiles {
  const secret = (name: ProfileName) => (s.secrets?.[name] ? { secret: s.secrets[name] } : {});
  return {
    // RFC 9068.
    oauth2: {
      name: 'oauth2', typ: 'at+jwt', aud: s.audience, format: s.oauth2Format ?? 'jwt',
      extra: (i) => (i.clientId ? { client_id: i.clientId } : {}),
      hasClaims: () => true,
    },
    // FastAPI Users' JWTStrategy: PyJWT decodes with audience=["fastapi-users:auth"].
    users: {
      name: 'users', typ: 'JWT', aud: [...s.usersAudience], format: 'jwt', ...secret('users'),
      extra: () => ({}),
      hasClaims: () => true,
    },
    // ipseity: flask_jwtlib verifies with PyJWT and no audience, so the token must carry none.
    simple: {
      name: 'simple', typ: 'JWT', format: 'jwt', ...secret('simple'),
      extra: (i, iat) => ({
        user: i.username ?? i.email ?? i.sub, nbf: iat,
        authentication_method: i.fresh ? 'password' : 'refresh_token', token_type: 'access_token',
      }),
      hasClaims: (p) => typeof p.user === 'string' && typeof p.nbf === 'number' && p.token_type === 'access_token'
        && (p.authentication_method === 'password' || p.authentication_method === 'refresh_token'),
    },
    // aegis: apps read `permissions` (and `id`) from the token.
    aegis: {
      name: 'aegis', typ: 'JWT', format: 'jwt', ...secret('aegis'),
      extra: (i) => ({ id: i.sub, permissions: i.scope }),
      hasClaims: (p) => p.id === p.sub && isStrings(p.permissions),
    },
  };
}

/**
 * The profile a token claims to be, from its `typ` and claims: `at+jwt` is
 * oauth2; a `JWT` with `permissions` is aegis, with any of ipseity's claims
 * simple, otherwise users. The profile's own rules (audience, claims) are
 * checked afterwards, so a token cannot borrow one profile's audience rule
 * while wearing another's claims.
 */
export function profileOf(typ: unknown, p: Record<string, unknown>): ProfileName | undefined {
  if (typ === 'at+jwt') return 'oauth2';
  if (typ !== 'JWT') return undefined;
  if ('permissions' in p || 'id' in p) return 'aegis';
  if ('token_type' in p || 'user' in p || 'authentication_method' in p) return 'simple';
  return 'users';
}

/** A token carrying `aud` must carry its profile's; a profile without one takes no `aud` at all. */
export function audienceFits(profile: TokenProfile, aud: unknown): boolean {
  if (profile.aud === undefined) return aud === undefined;
  const wanted = Array.isArray(profile.aud) ? profile.aud : [profile.aud];
  const got = typeof aud === 'string' ? [aud] : isStrings(aud) ? (aud as string[]) : [];
  return got.some((a) => wanted.includes(a));
}
