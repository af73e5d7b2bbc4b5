import { type ExportOptions, exportWith } from '../export/export.js';
import { RunSecrets } from '../sensitive/run-secrets.js';
import { type Io, makeClient, processIo } from './shell.js';

export type { ExportOptions };

/** `export --workspace ID ...` (docs/commands.md): the client from the environment, then the export. */
export async function runExport(opts: ExportOptions, io: Io = processIo): Promise<number> {
  const secrets = new RunSecrets();
  const { api } = await makeClient(io, { apiUrl: opts.apiUrl, quotaMode: 'fail', secrets });
  return exportWith(api, opts, io, secrets);
}
