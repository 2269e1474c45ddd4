export {
  EXPECTED,
  ajvProblemTranslator,
  escapePointer,
  type AjvProblemOptions,
  type AjvProblemTranslator,
} from './ajv-problems.js';
export { MAX_INPUT_DEPTH, jsonDepth, parseBoundedJson } from './json-depth.js';
