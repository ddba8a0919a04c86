import { Type } from '@sinclair/typebox';

export const AuthBody = Type.Object({
  username: Type.String({ minLength: 1, maxLength: 320, description: 'Email or username.' }),
  password: Type.String({ maxLength: 4096 }),
});
export const RefreshBody = Type.Object({ refresh_token: Type.String({ minLength: 1, maxLength: 4096 }) });

export const AuthResponse = Type.Object({ access_token: Type.String(), refresh_token: Type.String() });
export const RefreshResponse = Type.Object({ access_token: Type.String() });
export const MeResponse = Type.Object({ id: Type.String(), permissions: Type.Array(Type.String()), exp: Type.Integer() });

/** RFC 7807 as aegis sends it: `status` is a string. Served as application/problem+json. */
export const Problem = Type.Object({
  type: Type.String(), title: Type.String(), detail: Type.String(), instance: Type.String(), status: Type.String(),
});
