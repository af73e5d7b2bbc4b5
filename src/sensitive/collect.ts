import { SecretSet } from './secret-set.js';
import { urlCarriesCredential } from './url.js';

// The shapes read here, structurally (src/config/types.ts and src/toggl/types.ts fit them): config/,
// toggl/ and plan/ import this folder, so it imports none of them back.

/** A declared subscription with the loader's marks (config's DesiredSubscription). */
interface DesiredSubscription {
  secret?: string | undefined;
  url_callback: string;
  sensitive: { url_callback: boolean; substituted: readonly string[] };
}

/** The desired state (config's DesiredState). */
interface DesiredState {
  workspaces: ReadonlyArray<{ subscriptions: ReadonlyMap<string, DesiredSubscription> }>;
}

/** A live subscription as the API lists it (toggl's Subscription). */
interface Subscription {
  description: string;
  url_callback: string;
  secret?: string | undefined;
}

/**
 * Which values of the desired and live state are sensitive, as plain lists for a `SecretSet`.
 * The rules live here and in the loader's marks only (docs/secrets.md).
 */

/** Every sensitive value the loader marked: declared secrets, substituted values, sensitive URLs. */
export function desiredSecrets(desired: DesiredState): string[] {
  const out: string[] = [];
  for (const ws of desired.workspaces) {
    for (const sub of ws.subscriptions.values()) {
      if (sub.secret !== undefined) out.push(sub.secret);
      if (sub.sensitive.url_callback) out.push(sub.url_callback);
      out.push(...sub.sensitive.substituted);
    }
  }
  return out;
}

/**
 * Whether a live URL is sensitive: when the declaration it is compared with has a sensitive URL (the
 * old value of a rotated `${VAR}`), when that declaration replaces it with another URL, or when it
 * carries a credential in its own text. A URL being replaced is sensitive whatever it looks like:
 * nothing in the live state says whether it was once a secret, and a change that writes a `${VAR}`
 * out as a literal must not print the old secret in the plan of that very change (docs/secrets.md).
 */
export function liveUrlIsSensitive(live: Subscription, declared?: DesiredSubscription): boolean {
  if (declared && (declared.sensitive.url_callback || declared.url_callback !== live.url_callback))
    return true;
  return urlCarriesCredential(live.url_callback);
}

/** Live secrets (always), and live URLs that are sensitive, of one workspace's list. */
export function liveSecrets(
  live: readonly Subscription[],
  declaredByDescription?: ReadonlyMap<string, DesiredSubscription>,
): string[] {
  const out: string[] = [];
  for (const sub of live) {
    if (typeof sub.secret === 'string') out.push(sub.secret);
    if (
      typeof sub.url_callback === 'string' &&
      liveUrlIsSensitive(sub, declaredByDescription?.get(sub.description))
    )
      out.push(sub.url_callback);
  }
  return out;
}

/** The secrets of one run: the token, the desired state's marked values, and sensitive live values. */
export function runSecrets(input: {
  tokens?: Iterable<string | undefined>;
  desired?: DesiredState;
  live?: Iterable<readonly Subscription[]>;
}): SecretSet {
  const values: string[] = input.desired ? desiredSecrets(input.desired) : [];
  const declared = new Map<string, DesiredSubscription>();
  for (const ws of input.desired?.workspaces ?? [])
    for (const [d, sub] of ws.subscriptions) declared.set(d, sub);
  for (const list of input.live ?? []) values.push(...liveSecrets(list, declared));
  return SecretSet.of({ tokens: input.tokens ?? [], values });
}
