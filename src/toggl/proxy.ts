import type { Agents } from 'got';
import { HttpProxyAgent, HttpsProxyAgent } from 'hpagent';
import { TwsError } from '../errors.js';

/**
 * Outbound proxy selection, the way curl reads the environment (docs/helm-and-docker.md, "Behind a
 * proxy"):
 * - an https:// API URL goes through `https_proxy` / `HTTPS_PROXY`, an http:// one through `http_proxy` /
 *   `HTTP_PROXY`; `all_proxy` / `ALL_PROXY` is the fallback for both; lower case wins over upper case;
 * - `no_proxy` / `NO_PROXY` lists hosts reached directly: `*` (everything), `host`, `.domain` or
 *   `domain` (the domain and every sub-domain), each optionally with `:port`; IP addresses match
 *   literally. Loopback is not special: list `localhost,127.0.0.1` when needed;
 * - a proxy URL without a scheme means http://; credentials in it (`http://user:pass@proxy:3128`) are
 *   sent as Proxy-Authorization and never printed.
 *
 * Pure: the environment is a parameter, so every command reads it in one place (src/toggl/config.ts).
 */
export function proxyFor(apiUrl: string, env: NodeJS.ProcessEnv): URL | undefined {
  const target = new URL(apiUrl);
  const scheme = target.protocol === 'https:' ? 'https' : 'http';
  const chosen = firstSet(env, `${scheme}_proxy`) ?? firstSet(env, 'all_proxy');
  if (!chosen) return undefined;
  if (bypassed(target, env)) return undefined;
  return parseProxy(chosen.name, chosen.value);
}

/** The agents got uses for requests through `proxy` (a CONNECT tunnel, kept alive between requests). */
export function proxyAgents(proxy: URL): Agents {
  const options = { proxy, keepAlive: true, maxSockets: 4 };
  return { http: new HttpProxyAgent(options), https: new HttpsProxyAgent(options) };
}

function firstSet(env: NodeJS.ProcessEnv, lower: string): { name: string; value: string } | undefined {
  for (const name of [lower, lower.toUpperCase()]) {
    const value = env[name]?.trim();
    if (value) return { name, value };
  }
  return undefined;
}

function bypassed(target: URL, env: NodeJS.ProcessEnv): boolean {
  const list = firstSet(env, 'no_proxy')?.value.toLowerCase();
  if (!list) return false;
  const host = target.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = target.port || (target.protocol === 'https:' ? '443' : '80');
  return list
    .split(/[\s,]+/)
    .filter(Boolean)
    .some((entry) => {
      if (entry === '*') return true;
      // host, host:port, [v6]:port; a bare IPv6 address (several colons) has no port.
      const m = /^(\[[^\]]*\]|[^:]*)(?::(\d+))?$/.exec(entry);
      const name = (m ? (m[1] as string) : entry).replace(/^\[|\]$/g, '').replace(/^\*?\./, '.');
      if (m?.[2] && m[2] !== port) return false;
      if (name.startsWith('.')) return host.endsWith(name) || host === name.slice(1);
      return host === name || host.endsWith(`.${name}`);
    });
}

function parseProxy(variable: string, value: string): URL {
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`);
  } catch {
    // The value may hold credentials: name the variable, never echo it.
    throw new TwsError(
      'E_CONFIG',
      `${variable} is not a proxy URL (expected http://[user:password@]host:port)`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TwsError(
      'E_CONFIG',
      `${variable}: only http:// and https:// proxies are supported, not ${url.protocol}`,
    );
  }
  return url;
}
