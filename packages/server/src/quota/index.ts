export { COUNTER_KIND, QuotaLedger } from './ledger.js';
