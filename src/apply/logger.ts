/** The few pino methods reconcile uses; a pino logger (src/log/logger.ts) satisfies it. */
export interface ReconcileLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}
