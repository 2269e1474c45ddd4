import { lazy, Suspense, type ComponentType } from 'react';
import { Route, Switch } from 'wouter';
import { useI18n } from '../i18n/I18nProvider';
import { Empty, Loading } from '../ui/states';

/** Each screen is its own chunk, fetched when it is first opened. */
function screen<K extends string>(
  load: () => Promise<Record<K, ComponentType>>,
  name: K,
): ComponentType {
  const Lazy = lazy<ComponentType>(async () => ({ default: (await load())[name] }));
  return Lazy;
}

const Overview = screen(() => import('../features/overview/OverviewPage'), 'OverviewPage');
const Deployments = screen(
  () => import('../features/deployments/DeploymentsPage'),
  'DeploymentsPage',
);
const Deployment = screen(() => import('../features/deployments/DeploymentPage'), 'DeploymentPage');
const Canaries = screen(() => import('../features/canaries/CanariesPage'), 'CanariesPage');
const Services = screen(() => import('../features/services/ServicesPage'), 'ServicesPage');
const Tasks = screen(() => import('../features/tasks/TasksPage'), 'TasksPage');
const Task = screen(() => import('../features/tasks/TaskPage'), 'TaskPage');
const Logs = screen(() => import('../features/logs/LogsPage'), 'LogsPage');
const System = screen(() => import('../features/system/SystemPage'), 'SystemPage');
const Settings = screen(() => import('../features/settings/SettingsPage'), 'SettingsPage');

function NotFound() {
  const { t } = useI18n();
  return <Empty title={t('notFound.title')}>{t('notFound.body')}</Empty>;
}

/** The dashboard's pages; the server answers each of these paths with the app. */
export function Routes() {
  return (
    <Suspense fallback={<Loading />}>
      <Switch>
        <Route path="/" component={Overview} />
        <Route path="/deployments" component={Deployments} />
        <Route path="/deployments/:id" component={Deployment} />
        <Route path="/canaries" component={Canaries} />
        <Route path="/canaries/:namespace/:name" component={Canaries} />
        <Route path="/services" component={Services} />
        <Route path="/services/:name" component={Services} />
        <Route path="/tasks" component={Tasks} />
        <Route path="/tasks/:id" component={Task} />
        <Route path="/tasks/:id/runs/:run" component={Task} />
        <Route path="/logs" component={Logs} />
        <Route path="/system" component={System} />
        <Route path="/settings" component={Settings} />
        <Route component={NotFound} />
      </Switch>
    </Suspense>
  );
}
