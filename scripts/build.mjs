#!/usr/bin/env node
// `npm run build`: typecheck with tsc, then bundle with esbuild.
//
//   dist/cli.js              the entry (CommonJS, as dist/package.json says): checks the Node version,
//                            answers --version, and runs the program with a code cache (src/boot/).
//   dist/app.cjs             the program: our code, yaml, commander and the validator's runtime.
//   dist/vendor-*.cjs        one script per library that only some commands need (got, pino,
//                            prom-client, chokidar, hpagent), loaded on its first require(): `validate`
//                            never reads them. Every dependency is bundled; nothing needs node_modules.
//   .tmp/lib/*.js            the same sources as importable modules for scripts/demo.mjs and bench/ (the
//                            emulator and the reconcile internals in-process); never shipped.
//
// Why scripts and not ES module chunks: a script can be compiled with V8's code cache and asked for
// that cache after the run, with every function the run compiled (docs/limits-and-budgets.md,
// "Start-up"). The plugins below shape what a command loads: some Node built-ins and libraries are
// reached on first use only. What each command loads is pinned by test/shipping/startup-loads.test.ts,
// from the metafile this build writes to .tmp/dist-meta.json.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
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
  // The logger's line stream (src/log/logger.ts), built with pino when a first line is written.
  ['node:stream', []],
  // Saved plans and export files (src/apply/reviewed-plan.ts, src/export/export.ts); loading it loads
  // readline and more, about 1.5 ms, for a plan that writes no file.
  ['node:fs/promises', []],
]);

const builtinsViaRequire = {
  name: 'builtins-via-require',
  setup(b) {
    b.onResolve({ filter: /^node:/ }, (args) => {
      if (args.namespace === 'builtin-require') return { path: args.path, external: true };
      if (LAZY_BUILTINS.has(args.path)) return { path: args.path, namespace: 'builtin-require' };
      // CommonJS output requires an external module where it is imported, with no interop object
      // around it (named imports read its properties); ES module output needs the rerouting.
      return args.kind === 'import-statement' && b.initialOptions.format !== 'cjs'
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
  // For `decompress: true`, which the client never sets (src/toggl/transport.ts); it loads node:zlib.
  'decompress-response': { exports: ['default'], commonjs: false },
  // Ours: the proxy agents, needed only when HTTPS_PROXY & co. apply (src/toggl/proxy.ts).
  hpagent: { exports: ['HttpProxyAgent', 'HttpsProxyAgent'], commonjs: true },
  // pino, whose script loads with a one-shot command's first log line (createLazyLogger).
  pino: { exports: ['default'], commonjs: true },
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

/**
 * Libraries that not every command needs, each in a script of its own that is loaded on first
 * require: `validate` never reads got, pino, prom-client or chokidar, not even to skip over them.
 * Everything else (our code, yaml, commander, the validator's runtime) is `app.cjs`.
 */
const VENDORS = {
  got: 'vendor-got',
  pino: 'vendor-pino',
  'prom-client': 'vendor-prom-client',
  chokidar: 'vendor-chokidar',
  hpagent: 'vendor-hpagent',
};

/** Options of the program's CommonJS scripts, which src/boot/scripts.ts runs with a V8 code cache. */
const script = {
  ...common,
  format: 'cjs',
  outdir,
  outExtension: { '.js': '.cjs' },
  // src/boot/scripts.ts reads them as latin1 (no UTF-8 decoding): every other character is escaped.
  charset: 'ascii',
  minifySyntax: true,
  minifyWhitespace: true,
  // Names stay readable in stack traces and in pino/commander messages that print function names.
  minifyIdentifiers: false,
  sourcemap: false,
  legalComments: 'none',
  metafile: true,
  // `require`, `module` and `__filename` are the parameters src/boot/scripts.ts passes in.
  banner: { js: "var __twsFileUrl = require('node:url').pathToFileURL(__filename).href;" },
  define: { ...common.define, 'import.meta.url': '__twsFileUrl' },
  plugins: [builtinsViaRequire, lazyLibraries],
};

/**
 * An ES module library in its own script: the app imports it through a stand-in that takes the
 * script's exports one by one. Marked external, its default import would be the whole exports object:
 * esbuild gives an import from a CommonJS module Node's meaning (default = module.exports), and our
 * sources are ES modules in a `"type": "module"` package. CommonJS libraries need no stand-in.
 */
const esmVendors = {};
for (const pkg of Object.keys(VENDORS)) {
  const meta = JSON.parse(readFileSync(`${root}node_modules/${pkg}/package.json`, 'utf8'));
  if (meta.type === 'module') esmVendors[pkg] = Object.keys(await import(pkg)).filter((n) => n !== 'default');
}
const vendorImports = {
  name: 'vendor-imports',
  setup(b) {
    const names = Object.keys(VENDORS).map((n) => n.replace(/[-/]/g, '\\$&'));
    const filter = new RegExp(`^(${names.join('|')})$`);
    b.onResolve({ filter }, (args) =>
      args.namespace === 'vendor-esm' || !(args.path in esmVendors)
        ? { path: args.path, external: true }
        : { path: args.path, namespace: 'vendor-esm' },
    );
    b.onLoad({ filter: /.*/, namespace: 'vendor-esm' }, (args) => ({
      contents: [
        `const ns = require(${JSON.stringify(args.path)});`,
        'export default ns.default;',
        ...esmVendors[args.path].map((n) => `export const ${n} = ns[${JSON.stringify(n)}];`),
      ].join('\n'),
      loader: 'js',
    }));
  },
};

const builds = [
  build({
    ...script,
    entryPoints: { app: 'src/cli/main.ts' },
    // Lazy stand-ins first: theirs is the import; the require inside them reaches the vendor script.
    plugins: [lazyLibraries, vendorImports, builtinsViaRequire],
  }),
  ...Object.entries(VENDORS).map(([pkg, name]) =>
    build({
      ...script,
      stdin: {
        contents: `module.exports = require(${JSON.stringify(pkg)});`,
        resolveDir: root,
        sourcefile: `${name}.js`,
      },
      outfile: `${outdir}/${name}.cjs`,
      outdir: undefined,
      // Intl.ListFormat built on first use, not at start-up (src/util/lazy-list-format.ts): got's type
      // checker builds two when it loads.
      define: { ...script.define, 'Intl.ListFormat': 'LazyListFormat' },
      inject: ['src/util/lazy-list-format.ts'],
    }),
  ),
];
const results = await Promise.all(builds);
const outputs = Object.assign({}, ...results.map((r) => r.metafile.outputs));
const inputs = Object.assign({}, ...results.map((r) => r.metafile.inputs));
assertNoPackageTwice(outputs);

// Each script's digest keys its code cache: V8 checks only a cached script's length, not its text.
const scripts = {};
for (const file of readdirSync(outdir).filter((f) => f.endsWith('.cjs'))) {
  const bytes = readFileSync(`${outdir}/${file}`);
  // esbuild escapes non-ASCII in strings but not in regular expression literals: write those with \u.
  const nonAscii = bytes.findIndex((b) => b > 0x7f);
  if (nonAscii >= 0) {
    const around = bytes.subarray(Math.max(0, nonAscii - 60), nonAscii + 20).toString('utf8');
    throw new Error(`${file} is not ASCII (src/boot/scripts.ts reads it as latin1): ...${around}...`);
  }
  const digest = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
  scripts[file.slice(0, -'.cjs'.length)] = digest;
}

const entry = await build({
  ...common,
  // CommonJS, by dist/package.json: an ES module entry loads Node's ES module loader first.
  format: 'cjs',
  // import.meta.url only in src/version.ts's branch for running from src/, which the define removes.
  banner: {},
  entryPoints: { cli: 'src/cli.ts' },
  outdir,
  minifySyntax: true,
  minifyWhitespace: true,
  minifyIdentifiers: false,
  legalComments: 'none',
  metafile: true,
  plugins: [builtinsViaRequire],
  define: {
    ...common.define,
    'import.meta.url': 'undefined',
    __TWS_SCRIPTS__: JSON.stringify({ scripts, vendors: VENDORS }),
  },
});
writeFileSync(`${outdir}/package.json`, `${JSON.stringify({ type: 'commonjs' }, null, 2)}\n`);
Object.assign(outputs, entry.metafile.outputs);
Object.assign(inputs, entry.metafile.inputs);
const metafile = { inputs, outputs };
writeFileSync(`${outdir}/THIRD_PARTY_LICENSES.txt`, thirdPartyLicenses(metafile));
if (outdir === `${root}dist`) {
  mkdirSync(`${root}.tmp`, { recursive: true });
  writeFileSync(`${root}.tmp/dist-meta.json`, JSON.stringify(metafile));
}

/** A library bundled into two scripts would run twice, with two states: the build fails instead. */
function assertNoPackageTwice(outputs) {
  const seen = new Map();
  for (const [file, output] of Object.entries(outputs)) {
    for (const input of Object.keys(output.inputs)) {
      const pkg = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input)?.[1];
      if (!pkg) continue;
      const other = seen.get(pkg);
      if (other && other !== file) throw new Error(`${pkg} is bundled into both ${other} and ${file}`);
      seen.set(pkg, file);
    }
  }
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
