import { randomBytes } from 'node:crypto';
import type { Subscription } from '../toggl/types.js';

interface Entry {
  sub: Subscription;
  /** Pending code while unvalidated; null once validated. */
  validationCode: string | null;
}

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** 20 letters, the shape of the secret in the docs' signature example (`PGuRrhCFajIyEvFlreKL`). */
export function generateSecret(): string {
  return Array.from(randomBytes(20), (b) => LETTERS[b % LETTERS.length]).join('');
}

export function generateValidationCode(): string {
  return randomBytes(16).toString('hex');
}

export const now = (): string => new Date().toISOString();

/** Serialises a subscription with the keys in the order of the docs' response example. */
export function toWire(s: Subscription): Subscription {
  const out: Subscription = {
    subscription_id: s.subscription_id,
    workspace_id: s.workspace_id,
    user_id: s.user_id,
    enabled: s.enabled,
    description: s.description,
    event_filters: s.event_filters.map((f) => ({ entity: f.entity, action: f.action })),
    url_callback: s.url_callback,
    secret: s.secret,
    validated_at: s.validated_at ?? null,
    has_pending_events: s.has_pending_events ?? false,
    created_at: s.created_at,
    updated_at: s.updated_at ?? null,
  };
  if (s.deleted_at) out.deleted_at = s.deleted_at;
  return out;
}

/** In-memory subscriptions of all workspaces; ids are global, as in the real service. */
export class Store {
  private nextId = 1;
  private readonly workspaces = new Map<number, Map<number, Entry>>();

  private ws(workspaceId: number): Map<number, Entry> {
    let w = this.workspaces.get(workspaceId);
    if (!w) {
      w = new Map();
      this.workspaces.set(workspaceId, w);
    }
    return w;
  }

  exists(subscriptionId: number): boolean {
    for (const w of this.workspaces.values()) if (w.has(subscriptionId)) return true;
    return false;
  }

  allocateId(): number {
    return this.nextId++;
  }

  list(workspaceId: number): Subscription[] {
    return [...this.ws(workspaceId).values()]
      .map((e) => toWire(e.sub))
      .sort((a, b) => a.subscription_id - b.subscription_id);
  }

  get(workspaceId: number, subscriptionId: number): Subscription | undefined {
    const e = this.ws(workspaceId).get(subscriptionId);
    return e ? toWire(e.sub) : undefined;
  }

  validationCode(workspaceId: number, subscriptionId: number): string | null | undefined {
    return this.ws(workspaceId).get(subscriptionId)?.validationCode;
  }

  descriptionTaken(workspaceId: number, description: string, exceptId?: number): boolean {
    for (const [id, e] of this.ws(workspaceId)) {
      if (id !== exceptId && e.sub.description === description) return true;
    }
    return false;
  }

  countEnabled(workspaceId: number, userId: number, exceptId?: number): number {
    let n = 0;
    for (const [id, e] of this.ws(workspaceId)) {
      if (id !== exceptId && e.sub.enabled && e.sub.user_id === userId) n++;
    }
    return n;
  }

  /** Inserts or replaces; `validationCode` null marks it validated. */
  put(sub: Subscription, validationCode: string | null): Subscription {
    if (sub.subscription_id >= this.nextId) this.nextId = sub.subscription_id + 1;
    const stored = toWire(sub);
    this.ws(sub.workspace_id).set(sub.subscription_id, { sub: stored, validationCode });
    return toWire(stored);
  }

  delete(workspaceId: number, subscriptionId: number): Subscription | undefined {
    const w = this.ws(workspaceId);
    const e = w.get(subscriptionId);
    if (!e) return undefined;
    w.delete(subscriptionId);
    return toWire(e.sub);
  }

  markValidated(workspaceId: number, subscriptionId: number): Subscription | undefined {
    const e = this.ws(workspaceId).get(subscriptionId);
    if (!e) return undefined;
    e.validationCode = null;
    e.sub.validated_at = now();
    return toWire(e.sub);
  }
}
