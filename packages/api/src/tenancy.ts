import { Type, type Static } from 'typebox';
import { PRINCIPAL_KINDS, ROLES, USAGE_WINDOWS } from '@codedance/core';
import { Nullable } from './common.js';

/** What a change did: `refused` for a 4xx answer, `failed` for a 5xx. */
export const AUDIT_RESULTS = ['ok', 'refused', 'failed'] as const;
export type AuditResult = (typeof AUDIT_RESULTS)[number];

/** One change someone made or tried, as `GET /api/audit` and its export show it. */
export const AuditEntrySchema = Type.Object({
  id: Type.String(),
  at: Type.String({ format: 'date-time' }),
  actorKind: Type.Enum([...PRINCIPAL_KINDS]),
  actorId: Type.String(),
  role: Type.Enum([...ROLES]),
  action: Type.String({ description: 'Method and route pattern, e.g. POST /api/tasks/:id/run.' }),
  method: Type.String(),
  path: Type.String(),
  summary: Nullable(Type.String()),
  address: Type.String(),
  status: Type.Integer(),
  result: Type.Enum([...AUDIT_RESULTS]),
});
export type AuditEntryView = Static<typeof AuditEntrySchema>;

const AuditFilters = {
  actor: Type.Optional(
    Type.String({ minLength: 1, maxLength: 256, description: 'Only this actor id.' }),
  ),
  method: Type.Optional(Type.Enum(['POST', 'PUT', 'PATCH', 'DELETE'])),
  result: Type.Optional(Type.Enum([...AUDIT_RESULTS])),
  order: Type.Optional(Type.Enum(['desc', 'asc'])),
};

/** `GET /api/audit` */
export const AuditListQuery = Type.Object(
  {
    ...AuditFilters,
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
  },
  { additionalProperties: false },
);
export const AuditPageSchema = Type.Object({
  entries: Type.Array(AuditEntrySchema),
  nextCursor: Nullable(Type.String()),
});
export type AuditPage = Static<typeof AuditPageSchema>;

/** `GET /api/audit/export` */
export const AuditExportQuery = Type.Object(
  { ...AuditFilters, format: Type.Optional(Type.Enum(['json', 'csv'])) },
  { additionalProperties: false },
);

/** One tenant's use of one resource in one UTC hour or day. */
export const UsageRowSchema = Type.Object({
  resource: Type.String(),
  start: Type.String({ format: 'date-time', description: 'Start of the UTC hour or day.' }),
  amount: Type.Number(),
  events: Type.Integer({ description: 'How many uses the amount sums.' }),
});

const UsageFilters = {
  window: Type.Optional(Type.Enum([...USAGE_WINDOWS], { default: 'day' })),
  from: Type.Optional(Type.String({ format: 'date-time' })),
  to: Type.Optional(Type.String({ format: 'date-time' })),
  resource: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
};

/** `GET /api/usage` */
export const UsageQuery = Type.Object(UsageFilters, { additionalProperties: false });
export const UsageSchema = Type.Object({
  tenant: Type.String(),
  window: Type.Enum([...USAGE_WINDOWS]),
  rows: Type.Array(UsageRowSchema),
});
export type Usage = Static<typeof UsageSchema>;

/** `GET /api/usage/export` */
export const UsageExportQuery = Type.Object(
  { ...UsageFilters, format: Type.Optional(Type.Enum(['json', 'csv'])) },
  { additionalProperties: false },
);

/** The body of an export: a JSON or CSV file. */
export const ExportFileSchema = Type.String({ description: 'The file: JSON or CSV.' });

/** An API token as listed: never its secret. */
export const TokenSchema = Type.Object({
  id: Type.String(),
  tenant: Type.String(),
  name: Type.String(),
  role: Type.Enum([...ROLES]),
  createdAt: Type.String({ format: 'date-time' }),
  createdBy: Type.String(),
  expiresAt: Nullable(Type.String({ format: 'date-time' })),
  revokedAt: Nullable(Type.String({ format: 'date-time' })),
  lastUsedAt: Nullable(Type.String({ format: 'date-time' })),
});
export type ApiToken = Static<typeof TokenSchema>;

/** `POST /api/tokens` */
export const TokenBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100, description: 'What the token is for.' }),
    role: Type.Enum([...ROLES], { description: 'At most your own role.' }),
    expiresInDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
  },
  { additionalProperties: false },
);
export const IssuedTokenSchema = Type.Object({
  token: Type.String({ description: 'Shown this once; only its hash is kept.' }),
  info: TokenSchema,
});
export type IssuedToken = Static<typeof IssuedTokenSchema>;

export const TokenListSchema = Type.Object({ tokens: Type.Array(TokenSchema) });
export const TokenParams = Type.Object({ id: Type.String({ pattern: '^[A-Za-z0-9_-]{12}$' }) });
