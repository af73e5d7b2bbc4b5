import { type ExportOptions, exportWith } from '../export/export.js';
import { type Io, makeClient, processIo } from './shell.js';

export type { ExportOptions };

/** `export --workspace ID ...` (docs/commands.md): the client from the environment, then the export. */
export async function runExport(opts: ExportOptions, io: Io = processIo): Promise<number> {
  const { api } = await makeClient(io, { apiUrl: opts.apiUrl, quotaMode: 'fail' });
  return exportWith(api, opts, io);
}
