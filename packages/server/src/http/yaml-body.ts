import type { CST } from 'yaml';
import { CodedanceError, jsonDepth } from '@codedance/core';
import { MAX_BODY_DEPTH } from './validation.js';

/** Aliases (`*name`) a YAML body may use; a manifest needs a handful at most. */
export const MAX_YAML_ALIASES = 50;

/**
 * Collections nested in a YAML syntax tree, and its aliases, counted
 * without recursion: the tree of `[[[[…]]]]` is as deep as the text is long.
 * Stops counting once a limit is passed.
 */
export function yamlShape(
  tokens: readonly CST.Token[],
  limits = { depth: Infinity, aliases: Infinity },
): { depth: number; aliases: number } {
  let depth = 0;
  let aliases = 0;
  const stack: [CST.Token, number][] = tokens.map((token) => [token, 0]);
  while (stack.length > 0) {
    const [token, level] = stack.pop() as [CST.Token, number];
    if (token.type === 'alias') aliases++;
    else if (token.type === 'document') {
      if (token.value) stack.push([token.value, level]);
    } else if (
      token.type === 'block-map' ||
      token.type === 'block-seq' ||
      token.type === 'flow-collection'
    ) {
      depth = Math.max(depth, level + 1);
      for (const item of token.items) {
        if (item.key) stack.push([item.key, level + 1]);
        if (item.value) stack.push([item.value, level + 1]);
      }
    }
    if (depth > limits.depth || aliases > limits.aliases) break;
  }
  return { depth, aliases };
}

/**
 * Reads a YAML request body with the limits a JSON body has: nesting depth
 * (`MAX_BODY_DEPTH`, checked on the syntax tree before anything recursive
 * sees it) and, YAML's own hazard, aliases (`MAX_YAML_ALIASES`, which with
 * the parser's expansion check stops "billion laughs"). Its size is the
 * route's body limit. Refusals are 400s with a stable code; `subject`
 * names the body in the message ("The manifest").
 */
export async function parseYamlBody(text: string, subject = 'The request body'): Promise<unknown> {
  // Loaded the first time a body comes as YAML.
  const { Parser, parseDocument } = await import('yaml');
  const shape = yamlShape([...new Parser().parse(text)], {
    depth: MAX_BODY_DEPTH,
    aliases: MAX_YAML_ALIASES,
  });
  if (shape.depth > MAX_BODY_DEPTH) throw tooDeep();
  if (shape.aliases > MAX_YAML_ALIASES) throw tooManyAliases();
  const document = parseDocument(text);
  const [problem] = document.errors;
  if (problem) {
    throw new CodedanceError('CD_INVALID_YAML', {
      message: `${subject} is not valid YAML: ${problem.message}`,
    });
  }
  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  } catch (error) {
    // The parser's own check: aliases of nodes that hold aliases, expanding exponentially.
    if (error instanceof ReferenceError) throw tooManyAliases();
    throw new CodedanceError('CD_INVALID_YAML', {
      message: `${subject} is not valid YAML: ${error instanceof Error ? error.message : String(error)}`,
    });
  }
  // Aliases can nest what the text does not: an alias of an alias of … each adds its depth.
  if (jsonDepth(value, MAX_BODY_DEPTH) > MAX_BODY_DEPTH) throw tooDeep();
  return value;
}

function tooDeep(): CodedanceError {
  return new CodedanceError('CD_BODY_TOO_DEEP', {
    message: `The request body nests deeper than ${MAX_BODY_DEPTH} levels.`,
    details: { maxDepth: MAX_BODY_DEPTH },
  });
}

function tooManyAliases(): CodedanceError {
  return new CodedanceError('CD_YAML_TOO_MANY_ALIASES', {
    message: `The YAML body uses more than ${MAX_YAML_ALIASES} aliases, or aliases that expand too far.`,
    details: { maxAliases: MAX_YAML_ALIASES },
  });
}
