// Runs the toggl-webhooks-sync CLI for the CI integrations and reads their settings. Shared by
// action/github.mjs and action/gitlab.mjs.
import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { boundedCollector, FORMATS, MODES, parseExtraEnv, secretValues } from './report.mjs';

/** Per stream: far above any real plan, small enough that a runaway child cannot exhaust the job. */
const MAX_OUTPUT = 8 * 1024 * 1024;
/** The CLI bounds its own requests; this bounds the whole run should something still hang. */
const RUN_TIMEOUT_MS = 30 * 60 * 1000;

/** Settings from the environment the wrapper (action.yml, the GitLab template) sets. */
export function readSettings(env) {
  const mode = (env.TWS_MODE || 'plan').trim();
  const format = (env.TWS_OUTPUT_FORMAT || 'markdown').trim();
  if (!MODES.includes(mode)) throw new Error(`mode: expected one of ${MODES.join(', ')}, got '${mode}'`);
  if (!FORMATS.includes(format)) {
    throw new Error(`output-format: expected one of ${FORMATS.join(', ')}, got '${format}'`);
  }
  const reviewed = (env.TWS_REVIEWED_PLAN || 'required').trim();
  if (!['required', 'off'].includes(reviewed)) {
    throw new Error(`reviewed-plan: expected required or off, got '${reviewed}'`);
  }
  const paths = (env.TWS_PATHS || 'subscriptions/').split(/\s+/).filter(Boolean);
  const extraEnv = parseExtraEnv(env.TWS_EXTRA_ENV);
  const bool = (v, dflt) => (v === undefined || v === '' ? dflt : !/^(false|0|no|off)$/i.test(v.trim()));
  const tokens = [env.TOGGL_API_TOKEN, env.TWS_FORGE_TOKEN, ...Object.values(extraEnv)];
  return {
    mode,
    format,
    reviewed,
    paths,
    extraEnv,
    comment: bool(env.TWS_COMMENT, true),
    failOnError: bool(env.TWS_FAIL_ON_ERROR, true),
    cli: env.TWS_CLI || new URL('../dist/cli.js', import.meta.url).pathname,
    secrets: secretValues(tokens),
  };
}

/** The wrapper's own variables: settings and the forge token, none of which the CLI reads. */
const WRAPPER_VARIABLES = [
  'TWS_MODE',
  'TWS_OUTPUT_FORMAT',
  'TWS_REVIEWED_PLAN',
  'TWS_PATHS',
  'TWS_EXTRA_ENV',
  'TWS_COMMENT',
  'TWS_FAIL_ON_ERROR',
  'TWS_CLI',
  'TWS_FORGE_TOKEN',
  'GITHUB_TOKEN',
  'GITLAB_API_TOKEN',
];

/** The CLI arguments for a mode; `--` ends the options so a path cannot be read as a flag. */
export function cliArgs({ mode, format, paths, expectPlanHash }) {
  const args =
    mode === 'plan' ? ['plan', '--output', format, '--detailed-exitcode'] : ['sync', '--output', format];
  if (expectPlanHash) args.push('--expect-plan-hash', expectPlanHash);
  return [...args, '--', ...paths];
}

/**
 * Runs the CLI with the job's environment plus the extra variables, minus the forge token (the CLI has
 * no use for it). Resolves with the exit code and both streams, each bounded.
 */
export function runCli({ cli, args, env, extraEnv }) {
  const childEnv = { ...env, ...extraEnv, NO_COLOR: '1' };
  for (const name of WRAPPER_VARIABLES) delete childEnv[name];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], {
      env: childEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out = boundedCollector(MAX_OUTPUT);
    const err = boundedCollector(MAX_OUTPUT);
    child.stdout.on('data', (c) => out.push(c));
    child.stderr.on('data', (c) => err.push(c));
    const timer = setTimeout(() => child.kill('SIGTERM'), RUN_TIMEOUT_MS);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ code: 1, stdout: '', stderr: `could not run the CLI: ${e.message}` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const stderr = err.text() + (signal ? `\nthe CLI was stopped by ${signal}\n` : '');
      resolve({ code: code ?? 1, stdout: out.text(), stderr });
    });
  });
}

/** Appends `name=value` lines to a GITHUB_OUTPUT-style file (heredoc form for anything with a newline). */
export function writeOutputs(file, outputs) {
  if (!file) return;
  let text = '';
  for (const [name, value] of Object.entries(outputs)) {
    if (String(value).includes('\n')) {
      const delim = `EOF_${Math.random().toString(36).slice(2)}`;
      text += `${name}<<${delim}\n${value}\n${delim}\n`;
    } else {
      text += `${name}=${value}\n`;
    }
  }
  appendFileSync(file, text);
}

/** fetch with a deadline and a bounded body, JSON in and out; throws with the status on a non-2xx answer. */
export async function requestJson(url, { method = 'GET', headers = {}, body, timeoutMs = 30_000 } = {}) {
  const res = await fetch(url, {
    method,
    headers: {
      Accept: 'application/json',
      ...headers,
      ...(body ? { 'Content-Type': 'application/json' } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(timeoutMs),
    redirect: 'error',
  });
  const text = await readBounded(res, 4 * 1024 * 1024);
  if (!res.ok) {
    const e = new Error(`${method} ${new URL(url).pathname} answered ${res.status}`);
    e.status = res.status;
    throw e;
  }
  return { data: text ? JSON.parse(text) : null, headers: res.headers };
}

async function readBounded(res, max) {
  if (!res.body) return '';
  const chunks = [];
  let size = 0;
  for await (const chunk of res.body) {
    size += chunk.length;
    if (size > max) throw new Error(`answer larger than ${max} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
