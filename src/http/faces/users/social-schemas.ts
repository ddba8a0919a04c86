import { Type } from '@sinclair/typebox';
import { Scopes } from './schemas.js';

export const AuthorizeQuery = Type.Object({
  scopes: Type.Optional(Scopes),
  authentication_backend: Type.Union([Type.Literal('jwt'), Type.Literal('cookie')], { default: 'jwt' }),
});

export const AssociateAuthorizeQuery = Type.Object({ scopes: Type.Optional(Scopes) });

export const AuthorizeResponse = Type.Object({ authorization_url: Type.String() });

/** What a provider may send back; extra parameters (session_state, iss, …) pass through to the code exchange. */
export const CallbackQuery = Type.Object({
  code: Type.Optional(Type.String({ maxLength: 4096 })),
  state: Type.Optional(Type.String({ maxLength: 1024 })),
  error: Type.Optional(Type.String({ maxLength: 1024 })),
  error_description: Type.Optional(Type.String({ maxLength: 4096 })),
});

export const ProviderParams = Type.Object({ provider: Type.String() });
