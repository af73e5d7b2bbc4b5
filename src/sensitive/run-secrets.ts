import { desiredSecrets, liveSecrets } from './collect.js';
import { SecretSet } from './secret-set.js';

/**
 * The secrets of one command run, growing as the run learns them: the token when the client is made,
 * the desired state's marked values when the files load, live secrets and sensitive live URLs as the
 * API answers. Made by the command's shell and passed explicitly to the logger, the renderers and
 * error printing; there is no process-wide list (docs/secrets.md).
 */
// The desired and live shapes as collect.ts reads them, structurally: config/ and toggl/ import this
// folder, so it imports neither back.
type DesiredState = Parameters<typeof desiredSecrets>[0];
type DesiredSubscription =
  NonNullable<Parameters<typeof liveSecrets>[1]> extends ReadonlyMap<string, infer D> ? D : never;
type Subscription = Parameters<typeof liveSecrets>[0][number];

export class RunSecrets {
  #set: SecretSet = SecretSet.empty;
  readonly #declared = new Map<string, DesiredSubscription>();

  /** Everything known so far; immutable, so a renderer's view does not change under it. */
  get set(): SecretSet {
    return this.#set;
  }

  addToken(token: string | undefined): this {
    this.#set = this.#set.with({ tokens: [token] });
    return this;
  }

  addValues(values: Iterable<string | undefined>): this {
    this.#set = this.#set.with({ values });
    return this;
  }

  /** The loader's marks; also decides which live URLs are sensitive (those replacing a sensitive one). */
  addDesired(desired: DesiredState): this {
    for (const ws of desired.workspaces) {
      for (const [description, sub] of ws.subscriptions) this.#declared.set(description, sub);
    }
    return this.addValues(desiredSecrets(desired));
  }

  addLive(live: readonly Subscription[]): this {
    return this.addValues(liveSecrets(live, this.#declared));
  }

  scrub(untrusted: string): string {
    return this.#set.scrub(untrusted);
  }

  /** For the program's own words (see `SecretSet.maskLong`). */
  maskLong(text: string): string {
    return this.#set.maskLong(text);
  }
}
