import { createHmac } from 'node:crypto';
import { type DesiredState, tokenAlias } from '../config/types.js';
import { planKeyFromToken } from '../plan/identity.js';
import { type ClientHooks, TogglClient } from '../toggl/client.js';
import { type ClientConfig, clientConfigFromEnv, tokenFromEnv } from '../toggl/config.js';
import { RoutedApi } from '../toggl/routed.js';
import type { TogglApi } from '../toggl/types.js';

/** What a run needs to talk to the API under several tokens (docs/configuration.md). */
export interface TokenRouting {
  /** Every call goes to the client of its workspace's token. */
  api: TogglApi;
  /** The token alias (variable name) of a workspace: reconcile's lane, the label in logs. */
  laneOf: (workspaceId: number) => string;
  /** The plan-hash key of an alias, derived from its token (src/plan/identity.ts). */
  keyFor: (alias: string) => Uint8Array;
  /**
   * Names the API URL and token a workspace's calls use (undefined: the calls that name no workspace),
   * for caches of their answers on disk (apply/precheck-file.ts): an HMAC keyed with the token, so it
   * reveals neither, and a rotated token or another API starts afresh.
   */
  cacheScope: (workspaceId: number | undefined) => string;
}

const SCOPE_LABEL = 'toggl-webhooks-sync answer-cache scope v1';

interface Client {
  api: TogglApi;
  key: Uint8Array;
  token: string;
  apiUrl: string;
}

/**
 * One TogglClient per token alias, made on first use and kept for the life of the command, so each
 * token has one request spacer and one quota budget however many workspaces use it. Tokens are read
 * only for the aliases the loaded files name: a missing token fails the run before any API call.
 */
export class TokenClients {
  private readonly clients = new Map<string, Client>();

  constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly overrides: Partial<ClientConfig>,
    private readonly hooks: (alias: string) => ClientHooks = () => ({}),
  ) {}

  /** The tokens read so far, for the run's secret set (src/sensitive/): never printed. */
  tokens(): string[] {
    return [...this.clients.values()].map((c) => c.token);
  }

  private client(alias: string): Client {
    const existing = this.clients.get(alias);
    if (existing) return existing;
    const token = tokenFromEnv(this.env, undefined, alias);
    const config = clientConfigFromEnv(this.env, { ...this.overrides, token });
    const made: Client = {
      api: new TogglClient(config, this.hooks(alias)) as TogglApi,
      key: planKeyFromToken(token),
      token,
      apiUrl: config.apiUrl,
    };
    this.clients.set(alias, made);
    return made;
  }

  /** Clients for every alias `desired` names (reading their tokens now), and the routing over them. */
  forDesired(desired: DesiredState): TokenRouting {
    const aliasOf = new Map(desired.workspaces.map((ws) => [ws.workspace_id, tokenAlias(ws)]));
    const aliases = [...new Set(aliasOf.values())];
    if (aliases.length === 0) aliases.push(tokenAlias({}));
    const byWorkspace = new Map<number, TogglApi>();
    for (const [ws, alias] of aliasOf) byWorkspace.set(ws, this.client(alias).api);
    const first = aliases[0] as string;
    return {
      api: new RoutedApi(byWorkspace, this.client(first).api),
      laneOf: (ws) => aliasOf.get(ws) ?? first,
      keyFor: (alias) => this.client(alias).key,
      cacheScope: (ws) => {
        const { token, apiUrl } = this.client((ws === undefined ? undefined : aliasOf.get(ws)) ?? first);
        return createHmac('sha256', token).update(`${SCOPE_LABEL}\n${apiUrl}`).digest('hex');
      },
    };
  }
}
