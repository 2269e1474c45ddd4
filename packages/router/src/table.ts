import { Ajv, type ValidateFunction } from 'ajv';
import { Type, type Static } from 'typebox';

const VERSION_ID = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$' });

/** The routing table as sent to `PUT /routes`; the schema and the type are one. */
export const RouteTableSchema = Type.Object(
  {
    versions: Type.Array(
      Type.Object(
        {
          version: VERSION_ID,
          weight: Type.Integer({ minimum: 0, maximum: 100 }),
          backends: Type.Array(Type.String({ pattern: '^[A-Za-z0-9.-]+:[0-9]{1,5}$' }), {
            maxItems: 256,
          }),
        },
        { additionalProperties: false },
      ),
      { maxItems: 16 },
    ),
    /** The version `x-canary: never` selects; defaults to `stable`. */
    stable: Type.Optional(VERSION_ID),
    /** The version `x-canary: always` selects; defaults to `canary`. */
    canary: Type.Optional(VERSION_ID),
    /** Pin each client to its first version with a `cd_version` cookie. */
    sticky: Type.Optional(Type.Boolean()),
    /** Honour the `x-canary: always | never` request header. */
    headerRouting: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export type RouteTableInput = Static<typeof RouteTableSchema>;

/** A validated table with every default filled in. */
export interface RouteTable {
  versions: { version: string; weight: number; backends: string[] }[];
  stable: string;
  canary: string;
  sticky: boolean;
  headerRouting: boolean;
}

/** One reason a table was refused, with the JSON path it concerns. */
export interface TableProblem {
  path: string;
  message: string;
}

export type ParsedTable = { ok: true; table: RouteTable } | { ok: false; problems: TableProblem[] };

// Compiled on first use: most router processes never parse a table from JSON.
let compiled: ValidateFunction<RouteTableInput> | undefined;
function validator(): ValidateFunction<RouteTableInput> {
  compiled ??= new Ajv({ allErrors: true, strict: false }).compile<RouteTableInput>(
    RouteTableSchema,
  );
  return compiled;
}

/** An empty table: every request is answered 503 until versions are set. */
export const EMPTY_TABLE: RouteTable = {
  versions: [],
  stable: 'stable',
  canary: 'canary',
  sticky: false,
  headerRouting: true,
};

/**
 * Checks a table against the schema and the rules a schema cannot say:
 * version ids are unique and the weights add up to 100 (so "10" means 10 %).
 */
export function parseRouteTable(input: unknown): ParsedTable {
  const validate = validator();
  if (!validate(input)) {
    const problems = (validate.errors ?? []).map((error) => ({
      path: error.instancePath === '' ? '/' : error.instancePath,
      message: error.message ?? 'is not valid',
    }));
    return { ok: false, problems };
  }
  const problems: TableProblem[] = [];
  const seen = new Set<string>();
  let total = 0;
  input.versions.forEach((entry, index) => {
    if (seen.has(entry.version)) {
      problems.push({ path: `/versions/${index}/version`, message: 'is a duplicate' });
    }
    seen.add(entry.version);
    total += entry.weight;
    entry.backends.forEach((address, at) => {
      const port = Number(address.slice(address.lastIndexOf(':') + 1));
      if (port < 1 || port > 65_535) {
        problems.push({ path: `/versions/${index}/backends/${at}`, message: 'has no valid port' });
      }
    });
  });
  if (input.versions.length > 0 && total !== 100) {
    problems.push({ path: '/versions', message: `weights add up to ${total}, not 100` });
  }
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    table: {
      versions: input.versions.map((entry) => ({
        version: entry.version,
        weight: entry.weight,
        backends: [...entry.backends],
      })),
      stable: input.stable ?? 'stable',
      canary: input.canary ?? 'canary',
      sticky: input.sticky ?? false,
      headerRouting: input.headerRouting ?? true,
    },
  };
}
