export {
  SECRET_MASK,
  keepSecrets,
  maskEnv,
  maskSecrets,
  plainEnv,
  secretValues,
  withKeptSecrets,
  type EnvMap,
  type EnvValue,
  type SecretValue,
} from './env.js';
