import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { SCHEMA_URL } from '../resources.js';
import { WITHHELD } from '../sensitive/secret-set.js';
import { PLACEHOLDER } from '../sensitive/value.js';
import type { Subscription, TogglApi } from '../toggl/types.js';
import { quote } from '../util/text.js';
import { descriptionKey } from '../util/unicode.js';
import { type ExportedWorkspace, literalPattern, renderExport } from './render.js';

/** What `export` was asked to do, parsed by src/cli/. */
export interface ExportOptions {
  workspaces: number[];
  /** `--out FILE`; stdout when absent. */
  out?: string | undefined;
  /** `--schema REF` for the modeline; default: the bundled schema's `$id`. */
  schemaRef?: string | undefined;
  apiUrl?: string | undefined;
  logLevel: string;
}

/** Where the export's YAML, warnings and errors go. */
export interface ExportIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

/**
 * `export --workspace ID ...` once the client exists: one GET per workspace, then the YAML on stdout or
 * into `-o FILE`. All or nothing: if any workspace cannot be read, nothing is written and the exit code
 * is 1, so a half export can never be committed and synced (with `prune: true` it would plan deletes).
 * Warnings (URLs carrying credentials) go to stderr; the YAML is the only thing on stdout.
 */
export async function exportWith(
  api: TogglApi,
  opts: ExportOptions,
  io: ExportIo,
  secrets: { scrub(text: string): string; maskLong(text: string): string },
): Promise<number> {
  const ids = [...new Set(opts.workspaces)];
  const workspaces: ExportedWorkspace[] = [];
  const errors: string[] = [];
  for (const id of ids) {
    try {
      const subs: Subscription[] = await api.listSubscriptions(id);
      workspaces.push({ workspace_id: id, subscriptions: subs });
    } catch (err) {
      errors.push(`workspace ${id}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if (errors.length > 0) {
    for (const e of errors) io.stderr.write(`error: ${secrets.scrub(e)}\n`);
    io.stderr.write('error: nothing was exported\n');
    return 1;
  }

  const { yaml, variables, warnings } = renderExport(workspaces, {
    schemaRef: opts.schemaRef ?? defaultSchemaRef(),
    // Live descriptions are text from the API: each is scrubbed on its own, so one holding a short
    // secret is withheld without taking the rest of the warning (ids, variable names) with it.
    sensitivePattern: (d) => {
      const scrubbed = secrets.scrub(d);
      if (scrubbed === d) return undefined;
      // Withheld whole (a short secret is in it): as many single-character wildcards as it has.
      if (scrubbed === WITHHELD) return '?'.repeat([...descriptionKey(d)].length);
      // The text around each masked span, literally; the span itself as `*`.
      return scrubbed.split(PLACEHOLDER).map(literalPattern).join('*');
    },
    showDescription: (d) => {
      const scrubbed = secrets.scrub(d);
      return scrubbed === d ? quote(d) : scrubbed;
    },
  });
  for (const w of warnings) io.stderr.write(`warning: ${secrets.maskLong(w)}\n`);

  if (opts.out === undefined) io.stdout.write(yaml);
  else {
    try {
      await writeAtomically(opts.out, yaml);
    } catch (err) {
      io.stderr.write(`error: cannot write ${opts.out}: ${(err as Error).message}\n`);
      return 1;
    }
  }

  if (opts.logLevel !== 'silent' && opts.logLevel !== 'error' && opts.logLevel !== 'fatal') {
    const count = workspaces.reduce((n, w) => n + w.subscriptions.length, 0);
    const where = opts.out === undefined ? '' : ` to ${opts.out}`;
    io.stderr.write(
      `exported ${count} subscription${count === 1 ? '' : 's'} of ${plural(workspaces.length, 'workspace')}` +
        `${where}; secrets are not exported` +
        (variables.length > 0 ? ' (see the commented secret lines to manage them)' : '') +
        '\n',
    );
  }
  return 0;
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** A reader never sees half a file, and an existing file survives a failed export. */
async function writeAtomically(path: string, text: string): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, text, { encoding: 'utf8', flag: 'wx' });
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** The schema's canonical location (`$id`), which editors can fetch wherever the file is committed. */
export function defaultSchemaRef(): string {
  const url = SCHEMA_URL;
  try {
    const id = (JSON.parse(readFileSync(url, 'utf8')) as { $id?: unknown }).$id;
    if (typeof id === 'string' && /^https?:\/\//.test(id)) return id;
  } catch {
    // Fall through: a packaging problem must not stop an export.
  }
  return url.href;
}
