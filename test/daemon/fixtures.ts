import { type Emulator, startEmulator } from '../../src/emulator/index.js';

export const WS = 4242001;
export const TOKEN = 'daemon-e2e-token-8fK2';

export interface SubSpec {
  description: string;
  url?: string;
  enabled?: boolean;
}

/** One subscription file for workspace `ws`, in the format of docs/configuration.md. */
export function subsYaml(subs: SubSpec[], ws = WS): string {
  const lines = [`workspace_id: ${ws}`, 'subscriptions:'];
  for (const s of subs) {
    lines.push(`  - description: ${JSON.stringify(s.description)}`);
    lines.push(
      `    url_callback: ${s.url ?? `https://hooks.example.com/${encodeURIComponent(s.description)}`}`,
    );
    if (s.enabled === false) lines.push('    enabled: false');
    lines.push('    event_filters:', '      - { entity: project, action: created }');
  }
  return `${lines.join('\n')}\n`;
}

export async function emulator(): Promise<{ emu: Emulator; env: Record<string, string> }> {
  const emu = await startEmulator({ port: 0, token: TOKEN, workspaces: [WS], callbackCheck: false });
  return {
    emu,
    env: {
      TOGGL_API_URL: emu.url,
      TOGGL_API_TOKEN: TOKEN,
      // The real API wants 1 request per second; the emulator does not, and tests must be quick.
      TOGGL_REQUEST_SPACING_MS: '0',
    },
  };
}

/** Live descriptions -> url_callback, for comparing with what the files declare. */
export function liveUrls(emu: Emulator, ws = WS): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of emu.subscriptions(ws)) out[s.description] = s.url_callback;
  return out;
}

export function mutations(emu: Emulator): string[] {
  return emu.calls.filter((c) => c.method !== 'GET').map((c) => `${c.method} ${c.path}`);
}
