export { LocalRuntime, type LocalRuntimeOptions } from './local.js';
export { LOCAL_ADDRESS } from './observe.js';
