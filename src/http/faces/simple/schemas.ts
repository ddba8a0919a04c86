import { Type, type TProperties } from '@sinclair/typebox';

/**
 * Arguments of the simple face. They are documented (and type-checked) as
 * query parameters; the same names are accepted as JSON or form body fields,
 * the body winning, which the handlers merge themselves (see args.ts).
 */
const Arg = (description: string) => Type.Optional(Type.String({ maxLength: 4096, description }));
const args = (props: TProperties) => Type.Object(props);

const accessToken = Arg('Access token, when not sent in the Authorization header.');
export const NoArgs = args({});
export const TokenArgs = args({
  user: Arg('Email or username; or, without `pass`, a refresh token.'),
  pass: Arg('Password.'),
});
export const AuthArgs = args({ access_token: accessToken });
export const RevokeArgs = args({ access_token: accessToken, refresh_token: Arg('The refresh token to disallow (one of the caller\'s).') });
export const NewUserArgs = args({ user: Arg('Email (contains "@") or username.'), pass: Arg('Password.') });
export const PasswordArgs = args({ access_token: accessToken, pass: Arg('The new password.') });

export const NoContent = Type.Null({ description: 'No content.' });
export const Message = Type.Object({ message: Type.String() });
export const Version = Type.Object({ version: Type.String() });
export const Text = Type.String({ description: 'text/plain' });
export const Payload = Type.Object({}, { additionalProperties: true, description: 'The JWT payload (claims) of the token.' });
