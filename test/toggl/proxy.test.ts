import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { proxyFor } from '../../src/toggl/proxy.js';
import { assertBuilt } from '../support/cli.js';
import { type E2E, startE2E } from '../support/e2e.js';
import { tool } from '../support/tools.js';

const openssl = tool('openssl');

const API = 'https://api.track.toggl.com/webhooks/api/v1';

describe('proxyFor: which proxy the environment names for the API URL', () => {
  const proxy = (url: string, env: Record<string, string>) => proxyFor(url, env)?.href;

  it('reads HTTPS_PROXY for https and HTTP_PROXY for http, lower case first, ALL_PROXY as fallback', () => {
    expect(proxy(API, {})).toBeUndefined();
    expect(proxy(API, { HTTPS_PROXY: 'http://up:3128' })).toBe('http://up:3128/');
    expect(proxy(API, { https_proxy: 'http://low:3128', HTTPS_PROXY: 'http://up:3128' })).toBe(
      'http://low:3128/',
    );
    expect(proxy(API, { HTTP_PROXY: 'http://plain:3128' })).toBeUndefined();
    expect(proxy('http://emulator:8080/api', { http_proxy: 'http://plain:3128' })).toBe('http://plain:3128/');
    expect(proxy(API, { ALL_PROXY: 'http://all:3128' })).toBe('http://all:3128/');
    expect(proxy(API, { all_proxy: 'http://all:1', HTTPS_PROXY: 'http://https:2' })).toBe('http://https:2/');
    // An empty variable is unset (an empty value in a manifest).
    expect(proxy(API, { https_proxy: ' ', HTTPS_PROXY: 'http://up:3128' })).toBe('http://up:3128/');
    // No scheme: http:// as curl assumes.
    expect(proxy(API, { HTTPS_PROXY: 'proxy.corp:3128' })).toBe('http://proxy.corp:3128/');
  });

  it('goes direct for hosts NO_PROXY lists', () => {
    const env = (list: string) => ({ HTTPS_PROXY: 'http://p:3128', NO_PROXY: list });
    expect(proxy(API, env('*'))).toBeUndefined();
    expect(proxy(API, env('api.track.toggl.com'))).toBeUndefined();
    expect(proxy(API, env('toggl.com'))).toBeUndefined();
    expect(proxy(API, env('.toggl.com'))).toBeUndefined();
    expect(proxy(API, env('*.toggl.com'))).toBeUndefined();
    expect(proxy(API, env('localhost, 10.0.0.0,api.track.toggl.com:443'))).toBeUndefined();
    expect(proxy(API, { HTTPS_PROXY: 'http://p:3128', no_proxy: 'TOGGL.COM' })).toBeUndefined();
    // Near misses still use the proxy.
    expect(proxy(API, env('ggl.com'))).toBe('http://p:3128/');
    expect(proxy(API, env('api.track.toggl.com:8443'))).toBe('http://p:3128/');
    expect(proxy(API, env('track'))).toBe('http://p:3128/');
    expect(
      proxy('http://127.0.0.1:9/x', { HTTP_PROXY: 'http://p:1', NO_PROXY: '127.0.0.1' }),
    ).toBeUndefined();
    expect(proxy('http://[::1]:9/x', { HTTP_PROXY: 'http://p:1', NO_PROXY: '::1' })).toBeUndefined();
  });

  it('refuses an unusable proxy setting without echoing it (it may hold a password)', () => {
    const secret = 'pa55-Hunter2';
    for (const value of [`socks5://u:${secret}@p:1080`, `http://u:${secret}@[bad`]) {
      let message = '';
      try {
        proxyFor(API, { HTTPS_PROXY: value });
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).toMatch(/^HTTPS_PROXY/);
      expect(message).not.toContain(secret);
    }
  });
});

/** One subscription file for workspace 1. */
function filesOf(e: E2E): string {
  return e.files({
    'a.yaml': [
      'workspace_id: 1',
      'subscriptions:',
      '  - description: "Slack: projects"',
      '    url_callback: https://hooks.example.com/a',
      '    event_filters:',
      '      - { entity: project, action: created }',
      '',
    ].join('\n'),
  });
}

/** A forward proxy that only speaks CONNECT (as corporate proxies for https do), on loopback. */
async function startConnectProxy(credentials?: string) {
  const seen: { target: string; authorization: string | undefined }[] = [];
  const server = http.createServer((_req, res) => {
    res.writeHead(405).end();
  });
  server.on('connect', (req, client: net.Socket, head: Buffer) => {
    const authorization = req.headers['proxy-authorization'];
    seen.push({ target: req.url ?? '', authorization });
    if (credentials && authorization !== `Basic ${Buffer.from(credentials).toString('base64')}`) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic\r\n\r\n');
      return;
    }
    const [host, port] = (req.url ?? '').split(':');
    const upstream = net.connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

describe('the built CLI behind a real CONNECT proxy on loopback', () => {
  let e2e: E2E | undefined;
  let proxy: Awaited<ReturnType<typeof startConnectProxy>> | undefined;
  beforeAll(() => assertBuilt());
  afterEach(async () => {
    await proxy?.close();
    await e2e?.close();
    proxy = undefined;
    e2e = undefined;
  });

  const files = filesOf;

  it('sends every API request through the proxy named by HTTP_PROXY / http_proxy, with its credentials', async () => {
    e2e = await startE2E({ workspaces: [1] });
    const password = 'Pr0xy-S3cret-9vQ';
    proxy = await startConnectProxy(`ops:${password}`);
    const target = new URL(e2e.emu.url).host;
    for (const variable of ['HTTP_PROXY', 'http_proxy']) {
      proxy.seen.length = 0;
      const calls = e2e.emu.calls.length;
      const proxyUrl = proxy.url.replace('//', `//ops:${password}@`);
      const run = await e2e.cli(['plan', '--log-level', 'trace', files(e2e)], { [variable]: proxyUrl });
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain('Slack: projects');
      expect(e2e.emu.calls.length).toBeGreaterThan(calls);
      // The tunnel is kept alive: at least one CONNECT, each to the API's host, each authenticated.
      expect(proxy.seen.length).toBeGreaterThan(0);
      for (const s of proxy.seen) {
        expect(s.target).toBe(target);
        expect(s.authorization).toBe(`Basic ${Buffer.from(`ops:${password}`).toString('base64')}`);
      }
      expect(`${run.stdout}${run.stderr}`).not.toContain(password);
    }
  });

  it('goes direct when NO_PROXY lists the API host, and fails (without the password) when the proxy refuses', async () => {
    e2e = await startE2E({ workspaces: [1] });
    const password = 'Wr0ng-Pa55-x7';
    proxy = await startConnectProxy('ops:right');
    const proxyUrl = proxy.url.replace('//', `//ops:${password}@`);

    const direct = await e2e.cli(['plan', files(e2e)], {
      HTTP_PROXY: proxyUrl,
      NO_PROXY: 'localhost,127.0.0.1',
    });
    expect(direct.code, direct.stderr).toBe(0);
    expect(proxy.seen).toEqual([]);

    const refused = await e2e.cli(['plan', '--log-level', 'trace', files(e2e)], {
      HTTP_PROXY: proxyUrl,
      TOGGL_RETRIES: '0',
    });
    expect(refused.code).not.toBe(0);
    expect(proxy.seen.length).toBeGreaterThan(0);
    expect(`${refused.stdout}${refused.stderr}`).not.toContain(password);
  });
});

openssl.describe('an https API behind the proxy, with a private CA (NODE_EXTRA_CA_CERTS)', () => {
  let e2e: E2E | undefined;
  let proxy: Awaited<ReturnType<typeof startConnectProxy>> | undefined;
  let terminator: tls.Server | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'tws-proxy-tls-'));
  afterEach(async () => {
    await proxy?.close();
    await new Promise<void>((r) => (terminator ? terminator.close(() => r()) : r()));
    await e2e?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('tunnels TLS through CONNECT, trusting the CA only when NODE_EXTRA_CA_CERTS names it', async () => {
    // A certificate for 127.0.0.1 that no public root signed, as a TLS-inspecting proxy's would be.
    const made = await openssl.run([
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=toggl-test',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ]);
    expect(made.code, made.stderr).toBe(0);
    e2e = await startE2E({ workspaces: [1] });
    const emulatorPort = Number(new URL(e2e.emu.url).port);
    // TLS in front of the emulator: the CLI talks https to it, through the proxy.
    terminator = tls.createServer(
      { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) },
      (socket) => {
        const upstream = net.connect(emulatorPort, '127.0.0.1');
        socket.pipe(upstream).pipe(socket);
        upstream.on('error', () => socket.destroy());
        socket.on('error', () => upstream.destroy());
      },
    );
    await new Promise<void>((r) => terminator!.listen(0, '127.0.0.1', r));
    const apiUrl = new URL(e2e.emu.url);
    apiUrl.protocol = 'https:';
    apiUrl.port = String((terminator.address() as AddressInfo).port);
    proxy = await startConnectProxy();
    const env = { TOGGL_API_URL: apiUrl.href, HTTPS_PROXY: proxy.url, TOGGL_RETRIES: '0' };

    const untrusted = await e2e.cli(['plan', filesOf(e2e)], env);
    expect(untrusted.code).not.toBe(0);
    expect(untrusted.stderr).toMatch(/SELF_SIGNED_CERT|self-signed certificate/);
    expect(proxy.seen.length).toBeGreaterThan(0);

    proxy.seen.length = 0;
    const trusted = await e2e.cli(['plan', filesOf(e2e)], {
      ...env,
      NODE_EXTRA_CA_CERTS: join(dir, 'cert.pem'),
    });
    expect(trusted.code, trusted.stderr).toBe(0);
    expect(trusted.stdout).toContain('Slack: projects');
    expect(proxy.seen.map((s) => s.target)).toContain(`127.0.0.1:${apiUrl.port}`);

    // Straight to the API, no proxy. The bundle loads TLS with the first https request, not at
    // start-up (scripts/build.mjs, LAZY_BUILTINS): the certificate and the host name are still checked.
    const direct = { TOGGL_API_URL: apiUrl.href, TOGGL_RETRIES: '0' };
    const directUntrusted = await e2e.cli(['plan', filesOf(e2e)], direct);
    expect(directUntrusted.code).not.toBe(0);
    expect(directUntrusted.stderr).toMatch(/SELF_SIGNED_CERT|self-signed certificate/);
    const directTrusted = await e2e.cli(['plan', filesOf(e2e)], {
      ...direct,
      NODE_EXTRA_CA_CERTS: join(dir, 'cert.pem'),
    });
    expect(directTrusted.code, directTrusted.stderr).toBe(0);
    expect(directTrusted.stdout).toContain('Slack: projects');
    // A trusted certificate for another host name: refused (tls.checkServerIdentity ran).
    const other = await openssl.run([
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=elsewhere.invalid',
      '-addext',
      'subjectAltName=DNS:elsewhere.invalid',
      '-keyout',
      join(dir, 'other-key.pem'),
      '-out',
      join(dir, 'other-cert.pem'),
    ]);
    expect(other.code, other.stderr).toBe(0);
    terminator.setSecureContext({
      key: readFileSync(join(dir, 'other-key.pem')),
      cert: readFileSync(join(dir, 'other-cert.pem')),
    });
    const wrongHost = await e2e.cli(['plan', filesOf(e2e)], {
      ...direct,
      NODE_EXTRA_CA_CERTS: join(dir, 'other-cert.pem'),
    });
    expect(wrongHost.code).not.toBe(0);
    expect(wrongHost.stderr).toMatch(/ERR_TLS_CERT_ALTNAME_INVALID|does not match certificate's altnames/);
  });
});
