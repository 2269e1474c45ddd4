export { FIELD_MANAGER } from './cluster-objects.js';
export {
  GatewayApiTrafficRouter,
  HTTP_ROUTE_API_VERSION,
  type GatewayApiSettings,
  type HttpRoute,
} from './gateway-api.js';
export {
  IstioTrafficRouter,
  VIRTUAL_SERVICE_API_VERSION,
  type IstioSettings,
  type VirtualService,
} from './istio.js';
export { NGINX_AFFINITY_COOKIE, NginxTrafficRouter, type NginxSettings } from './nginx.js';
export { replicaCounts } from './replica-counts.js';
export { ReplicasTrafficRouter, type ReplicasSettings } from './replicas.js';
export { APP_LABEL, VERSION_LABEL, VERSIONS_ANNOTATION } from './split.js';
