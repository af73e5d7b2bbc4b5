/**
 * A local, faithful Toggl Webhooks API v1 (docs/emulator.md) for trying the tool and for tests:
 * `const emu = await startEmulator(); ... TOGGL_API_URL=emu.url ...; await emu.close();`
 */
export { signBody } from './callbacks.js';
export { BASE_PATH, DEFAULTS, startEmulator } from './server.js';
export type {
  Delivery,
  Emulator,
  EmulatorOptions,
  FaultKind,
  FaultOptions,
  QuotaOptions,
  RecordedCall,
  Subscription,
} from './types.js';
