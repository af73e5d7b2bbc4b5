export { type ApiResponseInfo, MetricsRecorder, workspaceOfPath } from './record.js';
export {
  type CreateMetricsOptions,
  createMetrics,
  type DaemonMetrics,
  ERROR_STAGES,
  type ErrorStage,
} from './registry.js';
