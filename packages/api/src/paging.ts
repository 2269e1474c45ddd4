import {
  Type,
  type TArray,
  type TInteger,
  type TNull,
  type TProperties,
  type TSchema,
  type TString,
  type TUnion,
} from 'typebox';

/*
 * The paging contract every list shares: `limit`, `cursor` and `order`
 * beside the list's own filters; the answer keeps the list's key and adds
 * `total` (every match, on every page) and `nextCursor` (null on the last
 * page). A cursor is opaque, and bound to its list, filters and order.
 */

export const DEFAULT_PAGE_LIMIT = 50;
export const MAX_PAGE_LIMIT = 500;

export const PAGE_ORDERS = ['asc', 'desc'] as const;
export type PageOrder = (typeof PAGE_ORDERS)[number];

/** The query of a paged list: its own filters, then `limit`, `cursor` and `order`. */
export function PageQuery<P extends TProperties>(filters: P) {
  return Type.Object(
    {
      ...filters,
      limit: Type.Optional(
        Type.Integer({
          minimum: 1,
          maximum: MAX_PAGE_LIMIT,
          description: `Items per page (default ${DEFAULT_PAGE_LIMIT}).`,
        }),
      ),
      cursor: Type.Optional(
        Type.String({
          minLength: 1,
          maxLength: 1024,
          description: 'The nextCursor of the previous page, with the same filters and order.',
        }),
      ),
      order: Type.Optional(Type.Union([Type.Literal('asc'), Type.Literal('desc')])),
    },
    { additionalProperties: false },
  );
}

type PageProperties<K extends string, T extends TSchema> = { [P in K]: TArray<T> } & {
  total: TInteger;
  nextCursor: TUnion<[TString, TNull]>;
};

/** The answer of a paged list: the items under the list's own key, `total` and `nextCursor`. */
export function PageAnswer<K extends string, T extends TSchema>(key: K, item: T) {
  const properties = {
    [key]: Type.Array(item),
    total: Type.Integer({ minimum: 0, description: 'Every match of the filters, on every page.' }),
    nextCursor: Type.Union([Type.String(), Type.Null()], {
      description: 'Pass as cursor for the next page; null on the last page.',
    }),
  } as unknown as PageProperties<K, T>;
  return Type.Object(properties);
}

/** A `status` filter: one of `choices`, or several separated by commas. */
export function StatusFilter(choices: readonly string[]) {
  const choice = choices.join('|');
  return Type.Optional(
    Type.String({
      pattern: `^(${choice})(,(${choice}))*$`,
      description: `One status, or several separated by commas: ${choices.join(', ')}.`,
    }),
  );
}

/** A name (id) prefix filter. */
export const PrefixFilter = Type.Optional(
  Type.String({ minLength: 1, maxLength: 200, description: 'Only names starting with this.' }),
);

/** A free-text filter. */
export const SearchFilter = Type.Optional(
  Type.String({
    minLength: 1,
    maxLength: 200,
    description: 'Only items holding this text, ignoring case.',
  }),
);

/** The query of a list keyed by name: status, name prefix and text filters. */
export function KeyedListQuery(statuses: readonly string[]) {
  return PageQuery({ status: StatusFilter(statuses), prefix: PrefixFilter, q: SearchFilter });
}
