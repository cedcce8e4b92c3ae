export { Metrics } from './metrics';
export { healthRoutes } from './healthRoutes';
export type { HealthRoutesOptions, ReadinessCheck } from './healthRoutes';
export { serveUntilSignal, runMain } from './serveUntilSignal';
export type { RunnableService, ServeOptions } from './serveUntilSignal';
