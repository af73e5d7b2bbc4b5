// Renders the benchmark results as Markdown: printed by `npm run bench` and written to BENCHMARKS.md.
import { mib, ms, ratio } from './lib.mjs';

const verdict = (ok) => (ok ? 'met' : '**missed**');

function table(header, rows) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

function coldSummary(cold) {
  const rows = [];
  for (const [key, target, label] of [
    ['version', 1.3, '`--version`'],
    ['validate', 2.0, '`validate examples/subscriptions`'],
    ['plan', 2.5, '`plan`, 1 in-sync workspace on loopback'],
  ]) {
    for (const c of cold.rows.filter((x) => x.key === key && x.build === 'this build')) {
      const prev = cold.rows.find((x) => x.key === key && x.build === 'previous' && x.node === c.node);
      rows.push([
        `${label} / \`node -e 0\` (Node ${c.node})`,
        `≤ ${target}x`,
        `${ratio(c.ratio)}x${prev ? ` (previous build ${ratio(prev.ratio)}x)` : ''}`,
        verdict(c.ratio <= target),
      ]);
    }
  }
  return rows;
}

function scaleSummary(scale) {
  if (!scale || scale.rows.length < 2) return [];
  const a = scale.rows[scale.rows.length - 2];
  const b = scale.rows[scale.rows.length - 1];
  const first = scale.rows[0];
  const perWsLate = (b.cpuS - a.cpuS) / (b.workspaces - a.workspaces);
  const perWsEarly = (scale.rows[1].cpuS - first.cpuS) / (scale.rows[1].workspaces - first.workspaces);
  return [
    [
      `plan ${b.workspaces.toLocaleString('en')} x ${scale.subscriptionsPerWorkspace}: CPU linear in workspaces`,
      'per-workspace CPU does not grow',
      `${b.cpuS.toFixed(2)} s; ${ms(perWsEarly * 1000)} → ${ms(perWsLate * 1000)} per added workspace`,
      verdict(perWsLate <= perWsEarly * 1.2),
    ],
    [
      `plan ${b.workspaces.toLocaleString('en')} x ${scale.subscriptionsPerWorkspace}: peak RSS`,
      'bounded (proportional to the input)',
      `${mib(b.rss)} (${mib(first.rss)} at ${first.workspaces})`,
      'measured',
    ],
  ];
}

export function renderReport(r) {
  const out = [];
  const m = r.machine;
  out.push('# Benchmarks', '');
  out.push(
    `Measured by \`${r.command}\` on ${m.date}. Rewritten by every run; the figures below are real measurements, ` +
      'not targets. Timings are medians unless marked otherwise.',
    '',
  );
  out.push(
    table(
      ['machine', ''],
      [
        ['CPU', `${m.cpu} (${m.cores} cores)`],
        ['memory', `${(m.memory / 1024 ** 3).toFixed(1)} GiB`],
        ['OS', m.os],
        ['Node.js', m.node],
        ['load average (1 min) at start / end', `${m.loadStart.toFixed(2)} / ${m.loadEnd.toFixed(2)}`],
        ['bench wall time', `${Math.round(m.seconds)} s`],
      ],
    ),
    '',
  );
  if (m.loadStart > m.cores * 0.5 || m.loadEnd > m.cores * 0.5) {
    out.push(
      `> The machine was busy with other work during this run (load average above ${m.cores * 0.5} on ${m.cores} cores): ` +
        'absolute times are pessimistic and ratios noisier than on an idle machine.',
      '',
    );
  }

  out.push('## Summary', '');
  const calls = r.calls;
  const worstCallRatio = Math.max(...calls.map((c) => c.callRatio));
  const worstTimeRatio = Math.max(...calls.map((c) => c.timeRatio));
  const cold = r.coldStart;
  const coldOf = (word) => cold.find((c) => c.command.includes(word));
  const mem = r.memory.samples;
  // Growth from the second checkpoint (1,000 reconciles by default): start-up allocations are done.
  const first = mem[Math.min(1, mem.length - 1)];
  const last = mem[mem.length - 1];
  const growth = (last.rss - first.rss) / first.rss;
  const watchTarget = r.watch.debounceMs + 300;
  out.push(
    table(
      ['what', 'target', 'measured', 'verdict'],
      [
        [
          'API calls per reconcile / minimum',
          '1.00',
          `${ratio(worstCallRatio)} (worst of 6 cases)`,
          verdict(worstCallRatio <= 1.0000001),
        ],
        [
          'reconcile wall time / bare fetch loop',
          '≤ 1.2',
          `${ratio(worstTimeRatio)} (worst of 6 cases)`,
          verdict(worstTimeRatio <= 1.2),
        ],
        ...coldSummary(cold),
        [
          `daemon RSS after ${last.reconciles.toLocaleString('en')} reconciles`,
          '< 90 MiB',
          `${mib(Math.max(...mem.map((s) => s.rss)))} (highest sample)`,
          verdict(Math.max(...mem.map((s) => s.rss)) < 90 * 1024 * 1024),
        ],
        [
          `daemon RSS growth, ${first.reconciles} → ${last.reconciles.toLocaleString('en')} reconciles`,
          '< 5%',
          `${(growth * 100).toFixed(1)}%`,
          verdict(growth < 0.05),
        ],
        ...scaleSummary(r.scale),
        [
          'watch: file saved → change applied',
          `≤ ${watchTarget} ms (debounce ${r.watch.debounceMs} ms + 300 ms)`,
          `median ${ms(r.watch.medianMs)}, worst ${ms(r.watch.worstMs)}`,
          verdict(r.watch.worstMs <= watchTarget),
        ],
        ['`npm audit --omit=dev`', 'no high or critical', r.audit.summary, r.audit.verdict],
      ],
    ),
    '',
  );

  out.push('## API calls per reconcile', '');
  out.push(
    'Each declared workspace holds 5 subscriptions. *In sync*: live equals desired. *Drift*: per workspace one ' +
      'subscription missing (POST), one with another URL (PUT), one disabled (PATCH) and one that no file ' +
      'declares (DELETE). The minimum (docs/plan-rules.md): one GET per declared workspace plus one call per differing ' +
      "subscription. Counted from the emulator's request log for one reconcile through the library (as `sync` " +
      'wires it); the built CLI made the same calls (last column).',
    '',
  );
  out.push(
    table(
      [
        'workspaces',
        'state',
        'minimum',
        '/subscriptions calls',
        'ratio',
        'pre-check GETs',
        'CLI `sync`: all calls',
      ],
      calls.map((c) => [
        c.workspaces,
        c.scenario,
        c.minimum,
        c.subscriptionCalls,
        ratio(c.callRatio),
        c.precheckCalls,
        c.cliCalls,
      ]),
    ),
    '',
  );
  out.push(
    'Pre-check GETs are `GET /event_filters` (once per run) and `GET /limits/{ws}` (per workspace whose plan creates ' +
      'or updates), read only when a plan has changes, so that a plan the API would refuse half-way fails before ' +
      'its first change. A converged run makes none. The daemon caches both for 15 minutes.',
    '',
  );

  out.push('## Reconcile wall time against the floor', '');
  out.push(
    'Library: `reconcile()` with `TogglClient` and the limits pre-check, in-process, request spacing off. Floor: the ' +
      'very same HTTP requests (method, path, body, recorded from the library run) sent by a bare sequential ' +
      '`fetch` loop, against an emulator in the same state. Both share the process with the emulator; trials are ' +
      'interleaved. CLI: the whole `node dist/cli.js sync` process (start-up, load, reconcile, output). In ' +
      'production the client spaces requests 1 s apart (the documented safe rate), so a reconcile of N calls ' +
      'takes about N seconds and the overhead per call below is invisible there.',
    '',
  );
  out.push(
    table(
      [
        'workspaces',
        'state',
        'calls',
        'library',
        'bare loop',
        'ratio',
        'overhead per call',
        'CLI whole process',
        'trials',
      ],
      calls.map((c) => [
        c.workspaces,
        c.scenario,
        c.subscriptionCalls + c.precheckCalls,
        ms(c.libMs),
        ms(c.bareMs),
        ratio(c.timeRatio),
        ms((c.libMs - c.bareMs) / (c.subscriptionCalls + c.precheckCalls)),
        ms(c.cliMs),
        c.trials,
      ]),
    ),
    '',
  );

  out.push('## Cold start', '');
  out.push(
    `Whole-process time from spawn to exit, median of ${cold.rows[0].runs} runs, all commands of a Node line ` +
      'interleaved, each run right after a `node -e 0` of its own; the ratio is the median of those pairs.' +
      ` *this build*: dist/ (the program as code-cached scripts, src/boot/scripts.ts), its code cache ` +
      'written by the first run and read by the others; *previous*: the build of commit ' +
      `${cold.previousCommit} ` +
      '(`BENCH_PREVIOUS`; the default, 5c51f97, is the last build before the code cache: ES module chunks ' +
      "with Node's own compile cache), built from its commit in .tmp/bench-previous and timed in the same " +
      'run. `plan` runs against the emulator on loopback with one declared workspace already in sync (one ' +
      'GET). *code cache off* is every run compiling the program afresh, as the first run on a machine ' +
      'does. With `BENCH_NODES` the table has a block per Node line.',
    '',
  );
  out.push(
    table(
      ['Node', 'command', 'build', 'median', 'fastest', '/ `node -e 0`'],
      cold.rows.map((c) => [
        c.node,
        `\`${c.command}\``,
        c.build,
        ms(c.medianMs),
        ms(c.minMs),
        `${ratio(c.ratio)}x`,
      ]),
    ),
    '',
  );
  if (r.scale) {
    out.push('## Scale', '');
    out.push(
      `\`plan\` of W declared workspaces x ${r.scale.subscriptionsPerWorkspace} subscriptions, all in sync, against ` +
        "the emulator with request spacing off. CPU (user + system) and peak RSS are the CLI process's own " +
        `(process.resourceUsage at exit), median of ${r.scale.runs}. Growth is per added workspace between rows.`,
      '',
    );
    const rows = r.scale.rows;
    out.push(
      table(
        [
          'workspaces',
          'subscriptions',
          'API calls',
          'CPU',
          'CPU per workspace (step)',
          'peak RSS',
          'RSS per workspace (step)',
          'wall',
        ],
        rows.map((x, i) => {
          const prev = rows[i - 1];
          const dw = prev ? x.workspaces - prev.workspaces : undefined;
          return [
            x.workspaces.toLocaleString('en'),
            x.subscriptions.toLocaleString('en'),
            x.calls.toLocaleString('en'),
            `${x.cpuS.toFixed(2)} s`,
            dw ? ms(((x.cpuS - prev.cpuS) * 1000) / dw) : '',
            mib(x.rss),
            dw ? `${((x.rss - prev.rss) / dw / 1024).toFixed(0)} KiB` : '',
            `${x.wallS.toFixed(2)} s`,
          ];
        }),
      ),
      '',
    );
  }
  out.push('Where the start-up time goes: importing each dependency in a fresh process (median of 7).', '');
  out.push(
    table(
      ['import', 'time'],
      r.imports.map((i) => [i.name, ms(i.medianMs)]),
    ),
    '',
  );

  if (r.tokens) {
    const t = r.tokens;
    const slower = Math.max(t.aloneA, t.aloneB);
    out.push('## Several organisations (one token each)', '');
    out.push(
      `\`sync\` creating ${t.sizes.a} subscriptions in organisation A and ${t.sizes.b} in organisation B, each with its ` +
        `own token (\`token_env\`), request spacing ${t.spacingMs} ms per token, built CLI against one emulator serving ` +
        `both users; median of ${t.runs} runs, a fresh emulator each.`,
      '',
      table(
        ['run', 'wall time', 'vs the slower organisation alone'],
        [
          ['organisation A alone', ms(t.aloneA), ratio(t.aloneA / slower)],
          ['organisation B alone', ms(t.aloneB), ratio(t.aloneB / slower)],
          ['both in one run', ms(t.both), ratio(t.both / slower)],
          ['(A + B one after the other)', ms(t.aloneA + t.aloneB), ratio((t.aloneA + t.aloneB) / slower)],
        ],
      ),
      '',
    );
  }
  out.push('## Daemon memory', '');
  out.push(
    'The real daemon (`runDaemon`: loader, client, reconcile, metrics, probe server, file watcher, JSON logs to ' +
      '/dev/null) in a child process with `--interval` 1 ms, reconciling `examples/subscriptions` (2 workspaces, ' +
      'in sync) against the emulator. RSS and V8 heap after a forced GC at each checkpoint.',
    '',
  );
  const memHeader = ['reconciles', 'RSS', 'V8 heap used', 'V8 heap reserved', 'daemon CPU', 'elapsed'];
  const memRows = (samples) =>
    samples.map((s) => [
      s.reconciles.toLocaleString('en'),
      mib(s.rss),
      mib(s.heapUsed),
      mib(s.heapTotal),
      `${s.cpuSeconds.toFixed(1)} s`,
      `${Math.round(s.seconds)} s`,
    ]);
  out.push(table(memHeader, memRows(mem)), '');
  if (r.memoryDefault) {
    out.push(
      `Above with \`node ${r.memory.nodeFlags.join(' ')}\` and \`NODE_OPTIONS=${r.memory.nodeOptions}\` as the ` +
        "image runs it (read from the Dockerfile). With plain node (V8's defaults: 16 MiB semi-spaces, JIT tiers) " +
        'the same daemon holds more:',
      '',
    );
    out.push(table(memHeader, memRows(r.memoryDefault.samples)), '');
  }

  out.push('## Watch latency', '');
  out.push(
    `\`node dist/cli.js sync --watch\` as a child process; ${r.watch.latencies.length} saves of a file that changes ` +
      "one subscription's URL; latency from the write to the emulator answering the PUT (the change applied). " +
      `The watcher's debounce is ${r.watch.debounceMs} ms (src/daemon/watcher.ts).`,
    '',
  );
  const sorted = [...r.watch.latencies].sort((a, b) => a - b);
  out.push(
    table(
      ['median', 'fastest', 'worst', 'target'],
      [[ms(r.watch.medianMs), ms(sorted[0]), ms(r.watch.worstMs), `≤ ${watchTarget} ms`]],
    ),
    '',
  );

  out.push('## Dependency audit', '');
  out.push(r.audit.markdown, '');
  return `${out.join('\n')}\n`;
}
