export { ServiceSupervisor, type ServiceSupervisorOptions } from './supervisor.js';
export { serviceRoutes, type ServiceRelease } from './routes.js';
export {
  SERVICE_INSTANCE_KIND,
  SERVICE_KIND,
  instanceRecordId,
  type DesiredState,
  type ExitRecord,
  type InstanceData,
  type ServiceData,
} from './records.js';
export type { InstanceView, ServiceView, TailLine } from './views.js';
export { describeExit } from './exits.js';
export { sameProcess } from './definition.js';
