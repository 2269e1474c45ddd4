export { ROUTER_LABEL, RouterPlane, routerName, type RouterPlaneOptions } from './router-plane.js';
