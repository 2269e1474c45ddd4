export { buildApp, type AppContext } from './app.js';
export { startServer, isLoopback, type RunningServer, type StartOptions } from './server.js';
export { ConfigRuntime, CONFIG_FILE_NAME } from './config/index.js';
export { createStore, type Store, type StoredRecord, type StoreInfo } from './store/index.js';
export { VERSION } from './version.js';
export { readServerLog, type ServerLogLine } from './observability/index.js';
