/**
 * What Codedance's components may do on a cluster, as data: deploy/kubernetes/controller.yaml
 * and dashboard.yaml grant exactly this, and the end-to-end test proves on a real API server
 * that the grants are enough and no more (`kubectl auth can-i … --as=system:serviceaccount:…`).
 */

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete';

/** Some verbs on one resource (or subresource, `deployments/scale`) of one API group. */
export interface Permission {
  /** '' for the core group. */
  group: string;
  resource: string;
  verbs: readonly Verb[];
}

const READ: readonly Verb[] = ['get', 'list', 'watch'];
const OWN: readonly Verb[] = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];

/** The namespace the components run in, with their ServiceAccounts. */
export const INSTALL_NAMESPACE = 'codedance-system';
export const CONTROLLER_SERVICE_ACCOUNT = 'codedance-controller';
export const DASHBOARD_SERVICE_ACCOUNT = 'codedance-dashboard';
export const ROUTER_SERVICE_ACCOUNT = 'codedance-router';

/** What each traffic provider reads and writes in the app's namespace. */
export const TRAFFIC_PERMISSIONS = {
  replicas: [
    { group: 'apps', resource: 'deployments', verbs: READ },
    { group: 'apps', resource: 'deployments/scale', verbs: ['get', 'update', 'patch'] },
  ],
  gatewayAPI: [{ group: 'gateway.networking.k8s.io', resource: 'httproutes', verbs: OWN }],
  nginx: [{ group: 'networking.k8s.io', resource: 'ingresses', verbs: OWN }],
  istio: [{ group: 'networking.istio.io', resource: 'virtualservices', verbs: OWN }],
} as const satisfies Record<string, readonly Permission[]>;

/**
 * The controller, in every namespace: it reads CanaryDeployments and writes their status and
 * finalizer, makes the canary's Deployment, Services and hook Jobs, moves traffic with any
 * provider, and records Events. It never reads Secrets or ConfigMaps.
 */
export const CONTROLLER_PERMISSIONS: readonly Permission[] = [
  {
    group: 'deploy.codedance.io',
    resource: 'canarydeployments',
    verbs: ['get', 'list', 'watch', 'update', 'patch'],
  },
  {
    group: 'deploy.codedance.io',
    resource: 'canarydeployments/status',
    verbs: ['get', 'update', 'patch'],
  },
  // Owner references that block deletion need update on the owner's finalizers.
  { group: 'deploy.codedance.io', resource: 'canarydeployments/finalizers', verbs: ['update'] },
  { group: 'apps', resource: 'deployments', verbs: OWN },
  { group: 'apps', resource: 'deployments/scale', verbs: ['get', 'update', 'patch'] },
  { group: 'apps', resource: 'replicasets', verbs: READ },
  { group: '', resource: 'pods', verbs: READ },
  { group: '', resource: 'services', verbs: OWN },
  { group: '', resource: 'endpoints', verbs: READ },
  { group: 'batch', resource: 'jobs', verbs: ['get', 'list', 'watch', 'create', 'delete'] },
  { group: '', resource: 'events', verbs: ['create', 'patch'] },
  ...TRAFFIC_PERMISSIONS.gatewayAPI,
  ...TRAFFIC_PERMISSIONS.nginx,
  ...TRAFFIC_PERMISSIONS.istio,
];

/** The controller, in its own namespace only: the Lease its replicas elect a leader with. */
export const CONTROLLER_LEADER_PERMISSIONS: readonly Permission[] = [
  { group: 'coordination.k8s.io', resource: 'leases', verbs: ['get', 'create', 'update'] },
];

/**
 * The dashboard and API server, in every namespace: it shows releases, their Deployments, pods
 * and Events, and acts on a release (pause, resume, promote, abort) by patching its spec.
 */
export const DASHBOARD_PERMISSIONS: readonly Permission[] = [
  {
    group: 'deploy.codedance.io',
    resource: 'canarydeployments',
    verbs: ['get', 'list', 'watch', 'patch'],
  },
  { group: 'deploy.codedance.io', resource: 'canarydeployments/status', verbs: ['get'] },
  { group: 'apps', resource: 'deployments', verbs: READ },
  { group: 'apps', resource: 'replicasets', verbs: READ },
  { group: '', resource: 'pods', verbs: READ },
  { group: '', resource: 'events', verbs: READ },
];
