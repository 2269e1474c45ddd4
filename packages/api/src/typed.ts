import { Type, type Static, type TObject } from 'typebox';

/** True when A and B have the same keys, optional ones included. */
type SameKeys<A, B> = [keyof A] extends [keyof B]
  ? [keyof B] extends [keyof A]
    ? true
    : false
  : false;

/**
 * A schema for a type the code already has (a record of @codedance/core): the schema is what
 * the wire carries and what Fastify serializes with, `T` is what a client reads it as. The
 * compiler refuses a schema that names other keys than `T`, so a field added to the record
 * and forgotten here (and silently dropped by the serializer) fails the build.
 */
export function Described<T>() {
  return <S extends TObject>(
    schema: S,
    ..._keysMatch: SameKeys<T, Static<S>> extends true ? [] : ['the schema and the type differ']
  ) => Type.Unsafe<T>(schema);
}
