// The part of the CI integrations (GitHub Action, GitLab component) that involves no network: reading the
// CLI's report, composing the one pull-request comment / merge-request note, reading the reviewed plan back
// out of it, and keeping secrets out of everything that leaves the job. Pure functions; docs/ci.md
// describes the behaviour users see.

/** First line of every comment/note this integration writes; how it finds its own comment again. */
export const STICKY_MARKER = '<!-- toggl-webhooks-sync-plan -->';
const HASH_HEADER = /^<!-- toggl-webhooks-sync:plan-hash=([0-9a-f]{64}) -->$/;
const HEAD_HEADER = /^<!-- toggl-webhooks-sync:head-sha=([0-9a-f]{7,64}) -->$/;
/** Any of our markers inside text we embed: the CLI's own, or one a file or an error message echoes. */
const ANY_MARKER = /<!--\s*toggl-webhooks-sync[\s\S]*?-->/g;

/** GitHub refuses comments over 65536 characters; GitLab notes allow 1,000,000 but nobody reads that. */
export const MAX_BODY = 60_000;
const MAX_ERRORS = 10_000;

export const FORMATS = ['markdown', 'text', 'json'];
export const MODES = ['plan', 'sync'];

/**
 * Reads `NAME=value` lines (the `env` input). Blank lines and `#` comments are skipped; a name that is not
 * a valid variable name is an error naming the line, never echoing the value.
 */
export function parseExtraEnv(text) {
  const env = {};
  const lines = String(text ?? '').split(/\r?\n/);
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    const name = eq > 0 ? line.slice(0, eq).trim() : '';
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw new Error(`env input, line ${i + 1}: expected NAME=value (the value is not shown)`);
    }
    env[name] = line.slice(eq + 1);
  }
  return env;
}

/** Secret values worth masking: long enough that masking them cannot garble ordinary text. */
export function secretValues(values) {
  const out = new Set();
  for (const v of values) {
    if (typeof v !== 'string') continue;
    for (const part of [v, ...v.split(/\r?\n/)]) if (part.trim().length >= 4) out.add(part);
  }
  // Longest first, so a secret that contains another is masked whole.
  return [...out].sort((a, b) => b.length - a.length);
}

/** Replaces every occurrence of each secret value (and its URL-encoded form) with `***`. */
export function scrub(text, secrets) {
  let out = String(text ?? '');
  for (const s of secrets) {
    for (const form of new Set([s, encodeURIComponent(s)])) out = out.split(form).join('***');
  }
  return out;
}

/**
 * Counts and plan hash from what the CLI printed. JSON is read as a document; text and markdown by the
 * summary line every format prints (`Plan: N to create, ...`) and the hash line.
 */
export function parseReport(format, stdout) {
  const counts = { create: 0, update: 0, patch: 0, delete: 0 };
  let planHash = null;
  let found = false;
  if (format === 'json') {
    try {
      const doc = JSON.parse(stdout);
      for (const k of Object.keys(counts)) {
        if (Number.isInteger(doc?.summary?.[k])) {
          counts[k] = doc.summary[k];
          found = true;
        }
      }
      if (typeof doc?.plan_hash === 'string' && /^[0-9a-f]{64}$/.test(doc.plan_hash))
        planHash = doc.plan_hash;
    } catch {
      // Not a document (the run failed before printing one): no counts.
    }
  } else {
    const m = /Plan: (\d+) to create, (\d+) to update, (\d+) to patch, (\d+) to delete\./.exec(stdout);
    if (m) {
      [counts.create, counts.update, counts.patch, counts.delete] = m.slice(1, 5).map(Number);
      found = true;
    } else if (/^No changes\./m.test(stdout)) {
      found = true;
    }
    // The CLI prints its hash last; anything earlier that looks like one came from the report's content.
    const last = (re) => [...stdout.matchAll(re)].at(-1)?.[1];
    planHash =
      (format === 'markdown'
        ? last(/<!-- toggl-webhooks-sync:plan-hash=([0-9a-f]{64}) -->/g)
        : last(/^Plan hash: ([0-9a-f]{64})$/gm)) ?? null;
  }
  return { counts: found ? counts : null, planHash };
}

function cut(text, max, where) {
  return text.length > max ? `${text.slice(0, max)}\n\n… (truncated, see ${where})` : text;
}

/** A fence longer than any backtick run inside, so embedded text cannot close it. */
function fenced(text, lang = '') {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${lang}\n${text}\n${fence}`;
}

function verdictOf(mode, exitCode, refused) {
  if (refused) return `**Not applied.** ${refused}`;
  if (mode === 'plan') {
    if (exitCode === 0) return 'No changes.';
    if (exitCode === 2) return 'Merging applies the changes below.';
    return '**The plan failed.** Merging applies nothing until a plan succeeds; the errors are below.';
  }
  if (exitCode === 0 || exitCode === 2) return 'Applied.';
  return '**The sync failed.** The errors are below; changes that were not attempted are listed.';
}

/**
 * The comment/note body. The first lines are our markers (found again by `readPlanMarkers`); the CLI's
 * own markers and any marker-like text inside the report or errors are removed, so nothing but this
 * header can name a reviewed plan. A failed plan carries no hash: there is nothing reviewed to apply.
 */
export function composeBody({
  mode,
  exitCode,
  format,
  stdout,
  stderr,
  planHash,
  headSha,
  footer,
  secrets,
  refused,
}) {
  const header = [STICKY_MARKER];
  if (mode === 'plan' && exitCode !== 1 && planHash) {
    header.push(`<!-- toggl-webhooks-sync:plan-hash=${planHash} -->`);
    if (headSha) header.push(`<!-- toggl-webhooks-sync:head-sha=${headSha} -->`);
  }
  const report = scrub(String(stdout ?? '').replace(ANY_MARKER, ''), secrets).trim();
  const errors = scrub(String(stderr ?? '').replace(ANY_MARKER, ''), secrets).trim();
  const parts = [header.join('\n'), verdictOf(mode, exitCode, refused), ''];
  if (report) {
    const shown = cut(report, MAX_BODY - 12_000, 'the job log');
    parts.push(format === 'markdown' ? shown : fenced(shown, format === 'json' ? 'json' : ''), '');
  }
  if (errors && (exitCode === 1 || refused)) {
    parts.push(
      '<details open><summary>errors</summary>',
      '',
      fenced(cut(errors, MAX_ERRORS, 'the job log')),
      '</details>',
      '',
    );
  }
  if (footer) parts.push(`<sub>${footer}</sub>`, '');
  return parts.join('\n');
}

/** The plan hash and head commit a comment written by `composeBody` names; nulls when absent. */
export function readPlanMarkers(body) {
  const lines = String(body ?? '').split('\n');
  if (lines[0] !== STICKY_MARKER) return { planHash: null, headSha: null };
  let planHash = null;
  let headSha = null;
  // Only the header block: a marker further down is quoted text, not ours.
  for (const line of lines.slice(1)) {
    const h = HASH_HEADER.exec(line);
    const s = HEAD_HEADER.exec(line);
    if (h) planHash = h[1];
    else if (s) headSha = s[1];
    else break;
  }
  return { planHash, headSha };
}

/** Our sticky comment among a pull request's comments: written by a bot, starting with the marker. */
export function findSticky(comments, isOurs) {
  const mine = comments.filter((c) => String(c.body ?? '').startsWith(`${STICKY_MARKER}\n`) && isOurs(c));
  // The most recently updated one, should an earlier run have raced and written two.
  return mine.sort((a, b) => String(b.updated_at ?? '').localeCompare(String(a.updated_at ?? '')))[0];
}

/** The step's outputs, as `name=value` lines (values here never hold a newline or a secret). */
export function outputsOf({ exitCode, counts, planHash, commentId, commentUrl }) {
  const c = counts ?? { create: '', update: '', patch: '', delete: '' };
  return {
    'exit-code': String(exitCode),
    create: String(c.create),
    update: String(c.update),
    patch: String(c.patch),
    delete: String(c.delete),
    'plan-hash': planHash ?? '',
    'comment-id': commentId == null ? '' : String(commentId),
    'comment-url': commentUrl ?? '',
  };
}

/** Collects a child's output up to `max` bytes per stream: a runaway report cannot exhaust the job. */
export function boundedCollector(max) {
  const chunks = [];
  let size = 0;
  let truncated = false;
  return {
    push(chunk) {
      if (size >= max) {
        truncated = true;
        return;
      }
      const part = chunk.subarray(0, max - size);
      if (part.length < chunk.length) truncated = true;
      chunks.push(part);
      size += part.length;
    },
    text() {
      return Buffer.concat(chunks).toString('utf8') + (truncated ? '\n… (output truncated)\n' : '');
    },
  };
}
