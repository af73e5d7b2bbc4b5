import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDesiredState } from '../../src/config/load.js';
import { tokenAlias } from '../../src/config/types.js';
import { ConfigError } from '../../src/errors.js';
import { writeTree } from '../support/tmp.js';

const doc = (ws: number, tokenEnv?: string) =>
  `workspace_id: ${ws}\n${tokenEnv === undefined ? '' : `token_env: ${tokenEnv}\n`}subscriptions:\n` +
  '  - description: "One"\n    url_callback: https://hooks.example.com/x\n' +
  '    event_filters: [{ entity: project, action: created }]\n';

async function issuesOf(files: Record<string, string>, env: NodeJS.ProcessEnv = {}): Promise<string[]> {
  const dir = writeTree(files);
  try {
    await loadDesiredState([dir], env);
  } catch (err) {
    if (err instanceof ConfigError)
      return err.issues.map(
        (i) => `${i.file.slice(dir.length + 1)}:${i.line}:${i.col}: ${i.message.replaceAll(`${dir}/`, '')}`,
      );
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('token_env: a token per workspace, named by variable', () => {
  it('keeps the variable name as the workspace token alias; absent means TOGGL_API_TOKEN', async () => {
    const dir = writeTree({ 'a.yaml': doc(1, 'ACME_TOGGL_TOKEN'), 'b.yaml': doc(2) });
    const state = await loadDesiredState([dir], { ACME_TOGGL_TOKEN: 'x'.repeat(32) });
    expect(state.workspaces.map((w) => [w.workspace_id, tokenAlias(w)])).toEqual([
      [1, 'ACME_TOGGL_TOKEN'],
      [2, 'TOGGL_API_TOKEN'],
    ]);
    // The _FILE variant satisfies it too (Docker / Kubernetes secrets); the file is read when the client is made.
    await expect(
      loadDesiredState([join(dir, 'a.yaml')], { ACME_TOGGL_TOKEN_FILE: '/run/secrets/acme' }),
    ).resolves.toBeTruthy();
  });

  it('refuses an unset variable at FILE:LINE:COL, in every command that loads files', async () => {
    expect(await issuesOf({ 'a.yaml': doc(1, 'ACME_TOGGL_TOKEN') }, { ACME_TOGGL_TOKEN: '  ' })).toEqual([
      'a.yaml:2:12: token_env: neither ACME_TOGGL_TOKEN nor ACME_TOGGL_TOKEN_FILE is set (the API token for workspace 1)',
    ]);
  });

  it('refuses a token pasted in place of a name, without echoing it', async () => {
    const token = 'ABCDEF0123456789ABCDEF0123456789';
    const issues = await issuesOf({ 'a.yaml': doc(1, token) });
    expect(issues).toEqual([
      'a.yaml:2:12: token_env looks like an API token itself; put the token in an environment variable and name that variable here',
    ]);
    const lower = await issuesOf({ 'a.yaml': doc(1, token.toLowerCase()) });
    expect(lower.join('\n')).not.toContain(token.toLowerCase());
    expect(lower).toHaveLength(1);
  });

  it('refuses a _FILE name and disagreeing documents', async () => {
    expect(await issuesOf({ 'a.yaml': doc(1, 'ACME_FILE') }, { ACME_FILE: '/x' })).toEqual([
      'a.yaml:2:12: token_env: name the variable without _FILE (ACME); ACME_FILE is then read when ACME is unset',
    ]);
    const env = { A_TOKEN: 'a', B_TOKEN: 'b' };
    const other = doc(1, 'B_TOKEN').replace('"One"', '"Two"');
    expect(await issuesOf({ 'a.yaml': doc(1, 'A_TOKEN'), 'b.yaml': other }, env)).toEqual([
      `b.yaml:2:12: token_env: B_TOKEN disagrees with token_env: A_TOKEN for workspace 1 at ${'a.yaml'}:2:12 (set it once, or the same everywhere)`,
    ]);
  });
});
