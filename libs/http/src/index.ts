export { Metrics } from './metrics';
export { healthRoutes } from './healthRoutes';
export type { HealthRoutesOptions, ReadinessCheck } from './healthRoutes';
