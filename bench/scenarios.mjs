// The workloads of the call-count and wall-time benchmarks: N workspaces, each declaring 5
// subscriptions, either already in sync or with one drift of every kind.

export const SUBS_PER_WORKSPACE = 5;
const FILTERS = [
  { entity: 'project', action: 'created' },
  { entity: 'time_entry', action: '*' },
  { entity: 'client', action: 'updated' },
];

export const workspaceIds = (n) => Array.from({ length: n }, (_, i) => 2_000_001 + i);

function declared(ws, k) {
  return {
    description: `Hook ${k}: workspace ${ws}`,
    url_callback: `https://hooks.example.com/toggl/${ws}/${k}`,
    enabled: true,
    event_filters: FILTERS.slice(0, 1 + (k % FILTERS.length)),
  };
}

function yamlFor(ws) {
  const lines = [`workspace_id: ${ws}`, 'subscriptions:'];
  for (let k = 0; k < SUBS_PER_WORKSPACE; k++) {
    const s = declared(ws, k);
    lines.push(`  - description: ${JSON.stringify(s.description)}`);
    lines.push(`    url_callback: ${s.url_callback}`);
    lines.push('    event_filters:');
    for (const f of s.event_filters) lines.push(`      - { entity: ${f.entity}, action: "${f.action}" }`);
  }
  return `${lines.join('\n')}\n`;
}

/** One file per workspace, as a team with a file per workspace would keep them. */
export function desiredFiles(n) {
  return Object.fromEntries(workspaceIds(n).map((ws) => [`ws-${ws}.yaml`, yamlFor(ws)]));
}

/**
 * Seeds the emulator's live state. `drift`: per workspace, one subscription missing (POST), one
 * with another URL (PUT), one disabled (PATCH) and one that no file declares (DELETE); 1 of 5
 * deleted stays under the mass-delete guard. Seeding order is fixed, so two emulators seeded alike
 * hand out the same subscription ids.
 */
export function seed(emu, n, drift) {
  for (const ws of workspaceIds(n)) {
    for (let k = 0; k < SUBS_PER_WORKSPACE; k++) {
      const s = declared(ws, k);
      if (drift && k === 0) continue;
      if (drift && k === 1) s.url_callback = `${s.url_callback}/old`;
      if (drift && k === 2) s.enabled = false;
      emu.seed(ws, s);
    }
    if (drift) emu.seed(ws, { ...declared(ws, 9), description: `Hand-made: workspace ${ws}` });
  }
}

/** The documented minimum (docs/plan-rules.md): one GET per declared workspace plus one call per differing subscription. */
export const minimumCalls = (n, drift) => n * (1 + (drift ? 4 : 0));
