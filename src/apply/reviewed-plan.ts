import { open, rename, rm, writeFile } from 'node:fs/promises';
import type { DesiredState } from '../config/types.js';
import { PlanError } from '../errors.js';
import type { PlanIdentity } from '../plan/identity.js';
import {
  buildSavedPlan,
  DEFAULT_MAX_PLAN_AGE_MS,
  explainDifferences,
  MAX_PLAN_FILE_BYTES,
  parseSavedPlan,
  type SavedPlan,
  sourcesOf,
} from '../plan/saved.js';
import { VERSION } from '../version.js';
import type { ReconcileResult, WorkspaceFailure } from './types.js';

/**
 * The I/O around saved plans for `plan --out`, `sync --plan` and `--expect-plan-hash` (docs/ci.md);
 * the decisions themselves are pure, in src/plan/saved.ts.
 */

/** Reads and checks a plan file before anything else happens (no config read, no API call). */
export async function readSavedPlan(
  file: string,
  now: Date,
  maxAgeMs: number = DEFAULT_MAX_PLAN_AGE_MS,
): Promise<SavedPlan> {
  let text: string;
  try {
    text = await readCapped(file, MAX_PLAN_FILE_BYTES);
  } catch (err) {
    if (err instanceof PlanError) throw err;
    throw new PlanError(
      `cannot read the plan file ${file}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`,
    );
  }
  return parseSavedPlan(text, file, now, maxAgeMs);
}

/** At most `max` bytes; a longer file is refused without reading the rest. */
async function readCapped(file: string, max: number): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(max + 1);
    let length = 0;
    while (length <= max) {
      const { bytesRead } = await handle.read(buffer, length, max + 1 - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > max) throw new PlanError(`${file}: larger than ${max} bytes; not a plan file`);
    return buffer.subarray(0, length).toString('utf8');
  } finally {
    await handle.close();
  }
}

/**
 * The reconcile `check`: the plan made now must have the expected hash and (with a plan file) the
 * saved one; otherwise every difference is named and the whole run is refused before any change.
 */
export function reviewedPlanCheck(opts: {
  desired: DesiredState;
  saved?: SavedPlan | undefined;
  expectedHash?: string | undefined;
}): (identity: PlanIdentity | undefined) => WorkspaceFailure[] {
  return (identity) => {
    const refuse = (workspace_id: number, message: string): WorkspaceFailure => ({
      workspace_id,
      stage: 'plan',
      error: new PlanError(message),
    });
    if (!identity) return [refuse(0, 'no plan hash could be computed; refusing to apply')];
    const failures: WorkspaceFailure[] = [];
    if (opts.expectedHash !== undefined && identity.hash !== opts.expectedHash) {
      failures.push(
        refuse(
          0,
          `the plan made now (hash ${identity.hash}) is not the reviewed plan (hash ${opts.expectedHash}): ` +
            'the files or the live subscriptions changed since the review; plan again and review the new plan',
        ),
      );
    }
    if (opts.saved && identity.hash !== opts.saved.plan_hash) {
      const differences = explainDifferences(opts.saved, {
        identity: identity.document,
        sources: sourcesOf(opts.desired),
      });
      failures.push(
        refuse(
          0,
          `the plan made now (hash ${identity.hash}) is not the saved plan (hash ${opts.saved.plan_hash}); changed since:`,
        ),
      );
      for (const d of differences) failures.push(refuse(d.workspace_id, d.message));
    }
    return failures;
  };
}

/**
 * `plan --out FILE`: the plan as a reviewer reads it and `sync --plan` checks it. A plan with errors
 * (an unreadable workspace, a guard or limit refusal) is not saved: it could never be applied as shown.
 * Written to a temporary file first and renamed, so a reader never sees half a plan.
 */
export async function writeSavedPlan(opts: {
  file: string;
  result: ReconcileResult;
  identity: PlanIdentity | undefined;
  desired: DesiredState;
  paths: string[];
  now: Date;
  /** The JSON output as printed (the command renders it): already free of secrets and URL credentials. */
  review: unknown;
}): Promise<void> {
  if (!opts.identity) throw new PlanError('no plan hash could be computed; the plan was not saved');
  if (opts.result.failures.length > 0) {
    throw new PlanError(`the plan has errors; it was not saved to ${opts.file}`);
  }
  const saved = buildSavedPlan({
    hash: opts.identity.hash,
    identity: opts.identity.document,
    createdAt: opts.now,
    createdBy: `toggl-webhooks-sync ${VERSION}`,
    paths: opts.paths,
    review: opts.review,
    desired: opts.desired,
  });
  const tmp = `${opts.file}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, `${JSON.stringify(saved, null, 2)}\n`, { flag: 'wx' });
    await rename(tmp, opts.file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw new PlanError(
      `cannot write the plan file ${opts.file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
    );
  }
}
