export {
  EXPECTED,
  ajvProblemTranslator,
  escapePointer,
  type AjvProblemOptions,
  type AjvProblemTranslator,
} from './ajv-problems.js';
