/** How deep JSON or YAML from a person may nest: configuration, tasks and manifests need far less. */
export const MAX_INPUT_DEPTH = 32;

/**
 * Depth of a parsed JSON value (a scalar is 0, `{}` is 1), measured without
 * recursion so no input can overflow the stack. Stops once past `limit`.
 */
export function jsonDepth(value: unknown, limit = Infinity): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (node === null || typeof node !== 'object') continue;
    deepest = Math.max(deepest, depth);
    if (deepest > limit) return deepest;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return deepest;
}

/**
 * Parses JSON text that a person wrote (a file in the data folder), refusing
 * nesting deeper than `MAX_INPUT_DEPTH`, which the recursive code that reads
 * configuration would otherwise overflow on. Returns the value or the
 * problem in words. (JSON.parse itself does not recurse.)
 */
export function parseBoundedJson(
  text: string,
): { ok: true; value: unknown } | { ok: false; problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, problem: `is not valid JSON: ${(error as Error).message}` };
  }
  if (jsonDepth(value, MAX_INPUT_DEPTH) > MAX_INPUT_DEPTH) {
    return { ok: false, problem: `nests deeper than ${MAX_INPUT_DEPTH} levels` };
  }
  return { ok: true, value };
}
