import { startBareApp, type BareApp } from '../../http/test-support/bare-app.js';
import { LogHub } from '../../logs/index.js';
import { EventBus } from '../bus.js';
import type { LiveLimits } from '../live-limits.js';
import { liveRoutes } from '../live-routes.js';

export interface LiveApp {
  app: BareApp;
  /** The app's base URL with the ws: scheme. */
  ws: string;
  hub: LogHub;
  bus: EventBus;
}

/**
 * The live routes alone on a real loopback port, over a fresh log hub in
 * `dir` and a fresh event bus; `onClose` registers their closing.
 */
export async function startLiveApp(
  dir: string,
  onClose: (close: () => unknown) => void,
  options: { heartbeatSeconds?: number; limits?: () => LiveLimits } = {},
): Promise<LiveApp> {
  const hub = new LogHub({ dir, journal: { maxSize: 1024 * 1024, maxFiles: 2 } });
  onClose(() => hub.close());
  const bus = new EventBus();
  onClose(() => {
    bus.close();
  });
  const app = await startBareApp((instance) =>
    liveRoutes(instance, {
      hub,
      bus,
      heartbeatSeconds: () => options.heartbeatSeconds ?? 30,
      ...(options.limits === undefined ? {} : { limits: options.limits }),
    }),
  );
  onClose(() => app.close());
  return { app, ws: app.url.replace(/^http/, 'ws'), hub, bus };
}
