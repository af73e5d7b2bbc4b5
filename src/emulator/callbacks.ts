import { createHmac } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { Subscription } from '../toggl/types.js';

/** `sha256=<hex>` of HMAC-SHA256(secret, raw body): the `X-Webhook-Signature-256` header value. */
export function signBody(secret: string, rawBody: string): string {
  return `sha256=${createHmac('sha256', secret).update(rawBody, 'utf8').digest('hex')}`;
}

/**
 * The special PING event, serialised with the keys in the order of the docs' raw example, plus
 * `validation_code` (documented) and `validation_code_url` (not documented; it saves the receiver
 * from building the validate URL) while the subscription is not validated.
 */
export function pingEvent(sub: Subscription, validationCode: string | null, validateBaseUrl: string): string {
  const at = new Date().toISOString();
  const event: Record<string, unknown> = {
    event_id: 0,
    created_at: at,
    creator_id: sub.user_id,
    metadata: { request_type: 'POST', event_user_id: sub.user_id },
    payload: 'ping',
    subscription_id: sub.subscription_id,
    timestamp: at,
    url_callback: sub.url_callback,
  };
  if (validationCode) {
    event['validation_code'] = validationCode;
    event['validation_code_url'] =
      `${validateBaseUrl}/validate/${sub.workspace_id}/${sub.subscription_id}/${validationCode}`;
  }
  return JSON.stringify(event);
}

export type DeliveryOutcome =
  | { kind: 'answered'; status: number; body: string }
  | { kind: 'failed'; error: string };

const MAX_RESPONSE_BYTES = 64 * 1024;

class DeliveryTimeout extends Error {}

/**
 * Error texts shaped like the Go HTTP client's (the service is written in Go), since they end up in
 * "URL endpoint … request failed with error: {HTTP error}".
 */
function describeFailure(
  url: string,
  err: NodeJS.ErrnoException & { address?: string; port?: number },
): string {
  const prefix = `Post "${url}": `;
  if (err instanceof DeliveryTimeout) {
    return `${prefix}context deadline exceeded (Client.Timeout exceeded while awaiting headers)`;
  }
  switch (err.code) {
    case 'ECONNREFUSED': {
      const host = err.address?.includes(':') ? `[${err.address}]` : err.address;
      return `${prefix}dial tcp ${host}:${err.port}: connect: connection refused`;
    }
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `${prefix}dial tcp: lookup ${new URL(url).hostname}: no such host`;
    case 'ECONNRESET':
      return `${prefix}EOF`;
    default:
      return `${prefix}${err.message}`;
  }
}

/** Why a `url_callback` cannot even be attempted (Go: "unsupported protocol scheme"), else null. */
export function unusableUrl(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(url)?.[1] ?? '';
    return `Post "${url}": unsupported protocol scheme "${scheme}"`;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return `Post "${url}": unsupported protocol scheme "${parsed.protocol.slice(0, -1)}"`;
  }
  return null;
}

/**
 * POSTs one signed event. Redirects are not followed (a 3xx is a non-2xx answer) and each delivery
 * uses its own connection, so nothing lingers after the emulator closes.
 */
export function deliver(
  url: string,
  secret: string,
  rawBody: string,
  timeoutMs: number,
  inFlight: Set<http.ClientRequest>,
): Promise<DeliveryOutcome> {
  const unusable = unusableUrl(url);
  if (unusable) return Promise.resolve({ kind: 'failed', error: unusable });
  const target = new URL(url);
  const lib = target.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (o: DeliveryOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      inFlight.delete(req);
      resolve(o);
    };
    const req = lib.request(target, {
      method: 'POST',
      agent: false,
      headers: {
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(rawBody),
        'User-Agent': 'toggl-webhooks-emulator',
        'X-Webhook-Signature-256': signBody(secret, rawBody),
        Connection: 'close',
      },
    });
    inFlight.add(req);
    const timer = setTimeout(() => req.destroy(new DeliveryTimeout('timeout')), timeoutMs);
    req.on('error', (err) => finish({ kind: 'failed', error: describeFailure(url, err) }));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size <= MAX_RESPONSE_BYTES) chunks.push(c);
      });
      // A receiver that answers and then breaks the body still answered with its status.
      const answered = () =>
        finish({
          kind: 'answered',
          status: res.statusCode ?? 0,
          body: Buffer.concat(chunks).toString('utf8'),
        });
      res.on('end', answered);
      res.on('error', answered);
      res.on('close', answered);
    });
    req.end(rawBody);
  });
}

/** Synchronous validation: the receiver echoed `{"validation_code": "<code>"}` in its response body. */
export function echoesCode(body: string, code: string | null): boolean {
  if (!code) return false;
  try {
    const parsed: unknown = JSON.parse(body);
    return (
      typeof parsed === 'object' &&
      parsed !== null &&
      (parsed as Record<string, unknown>)['validation_code'] === code
    );
  } catch {
    return false;
  }
}
