#!/usr/bin/env node
// `npm run build`: typecheck with tsc, then bundle with esbuild.
//
//   dist/cli.js (+ dist/chunk-*.js)  the shipped program: every dependency bundled, ESM, no node_modules
//                                    needed at run time. Commands import their implementation lazily, and
//                                    each lazy import becomes a chunk, so `validate` never parses got,
//                                    pino or prom-client. The schema ships beside it in schemas/.
//   .tmp/lib/*.js                    the same sources as importable modules for scripts/demo.mjs and
//                                    bench/ (the emulator and the reconcile internals in-process); never
//                                    shipped.
//
// `--single-file` bundles dist/cli.js without chunks (the bench compares both layouts).
//
// Two plugins below shape what a command loads at start-up (docs/limits-and-budgets.md, "Start-up"):
// Node built-ins are reached through require(), and got's HTTP/2 wrapper loads on first use only. The
// chunks each command loads are pinned by test/shipping/startup-loads.test.ts, from the metafile this
// build writes to .tmp/dist-meta.json.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const singleFile = args.includes('--single-file');
const outdir = args.find((a) => a.startsWith('--outdir='))?.slice('--outdir='.length) ?? `${root}dist`;
const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8'));

if (!args.includes('--no-typecheck')) {
  execFileSync(
    process.execPath,
    [`${root}node_modules/typescript/bin/tsc`, '-p', `${root}tsconfig.build.json`, '--noEmit'],
    {
      stdio: 'inherit',
    },
  );
}

/** Options shared by the shipped bundle and the in-process library. */
const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  // The oldest Node the package supports (package.json engines).
  target: 'node20.19',
  // The bundled CommonJS libraries (commander, pino, prom-client, ajv's runtime) call require() for
  // Node built-ins; an ESM file has no require of its own.
  banner: {
    js: "import { createRequire as __twsCreateRequire } from 'node:module';\nconst require = __twsCreateRequire(import.meta.url);",
  },
  define: { __TWS_VERSION__: JSON.stringify(pkg.version) },
  logLevel: 'warning',
  absWorkingDir: root,
};

/**
 * Node built-ins through require() instead of an ESM import. Importing a built-in as ESM builds its
 * ESM facade, which reads every export once: on Node 22 and 24 that runs `node:http`'s lazy getters and
 * loads Node's internal fetch implementation (undici), about 10 ms that no command uses. require()
 * returns the same module object and leaves the getters alone. Only static imports are rerouted; the
 * bundled CommonJS libraries already call require().
 *
 * LAZY_BUILTINS are required on first use instead, through a stand-in that forwards every property
 * read (named imports too: esbuild's interop reads them through the stand-in's prototype, which is
 * forwarded as well). TLS is needed only for an https:// API URL, and then loads with the first request
 * (on Node 24 loading node:https costs about 15 ms, most of `node -e 0`); child_process is commander's,
 * for executable subcommands this program does not have.
 */
const LAZY_BUILTINS = new Map([
  ['node:https', []],
  // got reads tls.checkServerIdentity for every request's options, https or not: it gets a function
  // that calls the real one, so reading it does not load TLS.
  ['node:tls', ['checkServerIdentity']],
  ['node:child_process', []],
]);

const builtinsViaRequire = {
  name: 'builtins-via-require',
  setup(b) {
    b.onResolve({ filter: /^node:/ }, (args) => {
      if (args.namespace === 'builtin-require') return { path: args.path, external: true };
      if (LAZY_BUILTINS.has(args.path)) return { path: args.path, namespace: 'builtin-require' };
      return args.kind === 'import-statement'
        ? { path: args.path, namespace: 'builtin-require' }
        : { path: args.path, external: true };
    });
    b.onLoad({ filter: /.*/, namespace: 'builtin-require' }, (args) => {
      const path = JSON.stringify(args.path);
      if (!LAZY_BUILTINS.has(args.path))
        return { contents: `module.exports = require(${path});`, loader: 'js' };
      const lines = [
        'let real;',
        `const load = () => (real ??= require(${path}));`,
        `const functions = new Map(${JSON.stringify(LAZY_BUILTINS.get(args.path))}.map((name) => [`,
        '  name,',
        '  { [name]: (...a) => load()[name](...a) }[name],',
        ']));',
        'const read = (key) => functions.get(key) ?? load()[key];',
        'const forward = { get: (_, key) => read(key), has: (_, key) => key in load() };',
        'const inherited = new Proxy({}, forward);',
        // __esModule is what esbuild's interop asks first; a built-in has none, and asking must not load it.
        'module.exports = new Proxy({}, {',
        "  get: (_, key) => (key === '__esModule' ? undefined : read(key)),",
        '  has: forward.has,',
        '  getPrototypeOf: () => inherited,',
        '});',
      ];
      return { contents: lines.join('\n'), loader: 'js' };
    });
  },
};

/**
 * Libraries imported at start-up for options a run rarely or never uses, each loaded on first use
 * instead: the importer receives a stand-in per export that loads the real module when it is first
 * touched (called, constructed, read, or used with instanceof), so got itself is unchanged and the
 * option would still work. Value: the exports got imports, and whether the module is CommonJS (its default
 * export is then the module object).
 * - http2-wrapper, for `http2: true`: loads node:http2 and builds a TLS socket to find a class; it cost
 *   more than the rest of got's dependencies together.
 * - cacheable-request (with keyv, http-cache-semantics, normalize-url), for `cache`.
 * - cacheable-lookup, for `dnsCache`.
 */
const LAZY_LIBRARIES = {
  'http2-wrapper': { exports: ['default'], commonjs: true },
  'cacheable-request': { exports: ['default', 'CacheError'], commonjs: false },
  'cacheable-lookup': { exports: ['default'], commonjs: false },
  // Ours: the proxy agents, needed only when HTTPS_PROXY & co. apply (src/toggl/proxy.ts).
  hpagent: { exports: ['HttpProxyAgent', 'HttpsProxyAgent'], commonjs: true },
};

const lazyLibraries = {
  name: 'lazy-libraries',
  setup(b) {
    const names = Object.keys(LAZY_LIBRARIES);
    const filter = new RegExp(`^(${names.map((n) => n.replace(/[-/]/g, '\\$&')).join('|')})$`);
    b.onResolve({ filter }, (args) =>
      // The stand-in's own require() reaches the real module.
      args.namespace === 'lazy-library' || args.kind !== 'import-statement'
        ? undefined
        : { path: args.path, namespace: 'lazy-library', pluginData: args.resolveDir },
    );
    b.onLoad({ filter: /.*/, namespace: 'lazy-library' }, (args) => {
      const { exports, commonjs } = LAZY_LIBRARIES[args.path];
      const pick = (name) => (commonjs && name === 'default' ? 'load()' : `load()[${JSON.stringify(name)}]`);
      const lines = [
        'let real;',
        `const load = () => (real ??= require(${JSON.stringify(args.path)}));`,
        // A function target, so that a class stand-in can be called and constructed; every other
        // operation is forwarded to the real export.
        'const lazy = (get) => {',
        '  const standIn = new Proxy(function () {}, {',
        '    get: (_, key) => get()[key],',
        '    has: (_, key) => key in get(),',
        '    apply: (_, self, args) => Reflect.apply(get(), self, args),',
        '    construct: (_, args, newTarget) =>',
        '      Reflect.construct(get(), args, newTarget === standIn ? get() : newTarget),',
        '  });',
        '  return standIn;',
        '};',
        ...exports.map((name) =>
          name === 'default'
            ? `export default lazy(() => ${pick(name)});`
            : `export const ${name} = lazy(() => ${pick(name)});`,
        ),
      ];
      return { contents: lines.join('\n'), loader: 'js', resolveDir: args.pluginData };
    });
  },
};

rmSync(outdir, { recursive: true, force: true });
const shipped = await build({
  ...common,
  entryPoints: { cli: 'src/cli.ts' },
  outdir,
  splitting: !singleFile,
  chunkNames: 'chunk-[hash]',
  minifySyntax: true,
  minifyWhitespace: true,
  // Names stay readable in stack traces and in pino/commander messages that print function names.
  minifyIdentifiers: false,
  sourcemap: false,
  legalComments: 'none',
  metafile: true,
  plugins: [builtinsViaRequire, lazyLibraries],
  // Intl.ListFormat built on first use, not at start-up (src/util/lazy-list-format.ts).
  define: { ...common.define, 'Intl.ListFormat': 'LazyListFormat' },
  inject: ['src/util/lazy-list-format.ts'],
});
writeFileSync(`${outdir}/THIRD_PARTY_LICENSES.txt`, thirdPartyLicenses(shipped.metafile));
if (outdir === `${root}dist`) {
  mkdirSync(`${root}.tmp`, { recursive: true });
  writeFileSync(`${root}.tmp/dist-meta.json`, JSON.stringify(shipped.metafile));
}

if (!args.includes('--no-lib')) {
  const lib = `${root}.tmp/lib`;
  rmSync(lib, { recursive: true, force: true });
  await build({
    ...common,
    entryPoints: [
      'src/emulator/index.ts',
      'src/config/load.ts',
      'src/apply/reconcile.ts',
      'src/apply/prechecks.ts',
      'src/toggl/client.ts',
      'src/toggl/config.ts',
      'src/commands/daemon.ts',
      'src/generated/schema-validator.ts',
    ],
    outbase: 'src',
    outdir: lib,
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
  });
}

/** The license text of every package whose code went into the bundle, as their licenses require. */
function thirdPartyLicenses(metafile) {
  const packages = new Set();
  for (const input of Object.keys(metafile.inputs)) {
    const match = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (match) packages.add(match[1]);
  }
  const sections = [];
  for (const name of [...packages].sort()) {
    const dir = `${root}node_modules/${name}`;
    const meta = JSON.parse(readFileSync(`${dir}/package.json`, 'utf8'));
    const file = readdirSync(dir).find((f) => /^(licen[cs]e|copying)/i.test(f));
    const text = file ? readFileSync(`${dir}/${file}`, 'utf8').trim() : `License: ${meta.license}`;
    sections.push(`${name}@${meta.version} (${meta.license})\n\n${text}`);
  }
  return `Third-party code bundled into dist/ (${sections.length} packages).\n\n${sections.join(`\n\n${'-'.repeat(72)}\n\n`)}\n`;
}
