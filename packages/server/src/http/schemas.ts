import { Type } from 'typebox';

/** The body of every 4xx and 5xx answer, as the OpenAPI document shows it. */
export const ErrorResponse = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'Stable error code, e.g. CD_VALIDATION_FAILED.' }),
      message: Type.String(),
      details: Type.Optional(Type.Unknown()),
    }),
  },
  { description: 'Every error answer has this shape.' },
);

/** One problem found in an input, named by its JSON pointer. */
export const FieldProblemSchema = Type.Object({ path: Type.String(), message: Type.String() });
