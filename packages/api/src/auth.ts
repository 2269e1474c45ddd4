import { Type, type Static } from 'typebox';
import { PRINCIPAL_KINDS, ROLES } from '@codedance/core';
import { IsoTime, Nullable } from './common.js';

export const PrincipalSchema = Type.Object({
  kind: Type.Enum([...PRINCIPAL_KINDS]),
  id: Type.String(),
  tenant: Type.String(),
  role: Type.Enum([...ROLES]),
  platform: Type.Optional(
    Type.Boolean({ description: 'A platform administrator, above tenants.' }),
  ),
});

/** `GET` and `POST /api/auth/session` */
export const SessionSchema = Type.Object({
  principal: PrincipalSchema,
  expiresAt: Type.Union([IsoTime, Type.Null()], {
    description: 'When the session ends if unused; null for the admin token.',
  }),
});
export type Session = Static<typeof SessionSchema>;

/** `POST /api/auth/session` */
export const SignInBody = Type.Object(
  { token: Type.String({ minLength: 1, maxLength: 512 }) },
  { additionalProperties: false },
);

/** `GET /login` */
export const LoginQuery = Type.Object(
  { code: Type.Optional(Type.String({ maxLength: 200 })) },
  { additionalProperties: false },
);

/** `POST /api/auth/login-links` */
export const LoginLinkSchema = Type.Object({ url: Type.String(), expiresAt: IsoTime });
export type LoginLink = Static<typeof LoginLinkSchema>;

/** `POST /api/auth/admin-token/rotate` */
export const TokenRotationSchema = Type.Object({
  source: Type.String(),
  token: Nullable(Type.String()),
  file: Nullable(Type.String()),
  sessionsEnded: Type.Integer(),
  socketsClosed: Type.Integer(),
});
export type TokenRotation = Static<typeof TokenRotationSchema>;
