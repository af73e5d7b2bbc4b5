import { ApiError, AuthError, NotFoundError, ValidationError } from '../../src/errors.js';
import type {
  EventFilterCatalog,
  Subscription,
  SubscriptionInput,
  TogglApi,
  WorkspaceLimits,
} from '../../src/toggl/types.js';

export interface FakeCall {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  workspaceId: number;
  subscriptionId?: number;
  body?: unknown;
}

/** Decides per call whether it fails: return an error to throw it instead of answering. */
export type FailHook = (call: FakeCall) => Error | undefined;

/**
 * An in-memory TogglApi for unit tests of reconcile: the documented uniqueness rule, generated secrets,
 * PUT refusing an empty secret, 403 for unknown workspaces, 404 for unknown ids. Every call is recorded.
 * `lostResponse` makes the next matching call take effect and then fail as if its answer were lost,
 * followed by the client's retry (which meets "already in use" for a create).
 */
export class FakeApi implements TogglApi {
  readonly calls: FakeCall[] = [];
  readonly state = new Map<number, Subscription[]>();
  fail: FailHook = () => undefined;
  /** Runs after a call is recorded and before it is handled (e.g. to abort a signal mid-run). */
  onCall: (call: FakeCall) => void = () => {};
  lostCreate = false;
  private nextId = 100;

  constructor(workspaces: number[]) {
    for (const ws of workspaces) this.state.set(ws, []);
  }

  seed(ws: number, sub: Partial<Subscription> & { description: string }): Subscription {
    const s: Subscription = {
      subscription_id: this.nextId++,
      workspace_id: ws,
      user_id: 1,
      url_callback: 'https://hooks.example.com/x',
      enabled: true,
      event_filters: [{ entity: 'project', action: 'created' }],
      secret: `generated-${this.nextId}`,
      validated_at: null,
      ...sub,
    };
    this.ws(ws).push(s);
    return structuredClone(s);
  }

  mutations(): FakeCall[] {
    return this.calls.filter((c) => c.method !== 'GET');
  }

  private ws(id: number): Subscription[] {
    const list = this.state.get(id);
    if (!list)
      throw new AuthError({
        method: 'GET',
        path: `/subscriptions/${id}`,
        status: 403,
        apiMessage: 'User not found/accessible for workspace',
      });
    return list;
  }

  private record(call: FakeCall): void {
    this.calls.push(call);
    this.onCall(call);
    const err = this.fail(call);
    if (err) throw err;
  }

  private find(ws: number, id: number, method: string): Subscription {
    const sub = this.ws(ws).find((s) => s.subscription_id === id);
    if (!sub) {
      throw new NotFoundError({
        method,
        path: `/subscriptions/${ws}/${id}`,
        status: 404,
        apiMessage: `subscription ${id} for workspace ${ws} was not found`,
      });
    }
    return sub;
  }

  async listSubscriptions(workspaceId: number): Promise<Subscription[]> {
    this.record({ method: 'GET', workspaceId });
    return structuredClone(this.ws(workspaceId));
  }

  async createSubscription(workspaceId: number, body: SubscriptionInput): Promise<Subscription> {
    this.record({ method: 'POST', workspaceId, body: structuredClone(body) });
    const list = this.ws(workspaceId);
    if (list.some((s) => s.description === body.description)) {
      throw inUse(workspaceId, body.description);
    }
    const sub: Subscription = {
      subscription_id: this.nextId++,
      workspace_id: workspaceId,
      user_id: 1,
      description: body.description,
      url_callback: body.url_callback,
      enabled: body.enabled,
      event_filters: structuredClone(body.event_filters),
      secret: body.secret ?? `generated-${this.nextId}`,
      validated_at: null,
    };
    list.push(sub);
    if (this.lostCreate) {
      this.lostCreate = false;
      // The retry after the lost answer: the description is now taken.
      this.calls.push({ method: 'POST', workspaceId, body: structuredClone(body) });
      throw inUse(workspaceId, body.description);
    }
    return structuredClone(sub);
  }

  async updateSubscription(
    workspaceId: number,
    subscriptionId: number,
    body: SubscriptionInput,
  ): Promise<Subscription> {
    this.record({ method: 'PUT', workspaceId, subscriptionId, body: structuredClone(body) });
    const sub = this.find(workspaceId, subscriptionId, 'PUT');
    if (!body.secret) {
      throw new ValidationError({
        method: 'PUT',
        path: `/subscriptions/${workspaceId}/${subscriptionId}`,
        status: 400,
        apiMessage: 'Subscription secret must not be empty',
      });
    }
    if (this.ws(workspaceId).some((s) => s.description === body.description && s !== sub)) {
      throw inUse(workspaceId, body.description);
    }
    Object.assign(sub, structuredClone(body));
    return structuredClone(sub);
  }

  async setEnabled(workspaceId: number, subscriptionId: number, enabled: boolean): Promise<Subscription> {
    this.record({ method: 'PATCH', workspaceId, subscriptionId, body: { enabled } });
    const sub = this.find(workspaceId, subscriptionId, 'PATCH');
    sub.enabled = enabled;
    return structuredClone(sub);
  }

  async deleteSubscription(workspaceId: number, subscriptionId: number): Promise<void> {
    this.record({ method: 'DELETE', workspaceId, subscriptionId });
    this.find(workspaceId, subscriptionId, 'DELETE');
    this.state.set(
      workspaceId,
      this.ws(workspaceId).filter((s) => s.subscription_id !== subscriptionId),
    );
  }

  async ping(): Promise<{ status?: string }> {
    throw new Error('not used by reconcile');
  }
  async validate(): Promise<void> {
    throw new Error('not used by reconcile');
  }
  async eventFilters(): Promise<EventFilterCatalog> {
    throw new Error('not used by reconcile');
  }
  async limits(): Promise<WorkspaceLimits> {
    throw new Error('not used by reconcile');
  }
  async status(): Promise<{ status?: string }> {
    throw new Error('not used by reconcile');
  }
}

export function inUse(ws: number, description: string): ValidationError {
  return new ValidationError({
    method: 'POST',
    path: `/subscriptions/${ws}`,
    status: 400,
    apiMessage: `Subscription description '${description}' is already in use for workspace ${ws}`,
    workspaceId: ws,
  });
}

export function apiFailure(method: string, path: string, status: number, apiMessage: string): ApiError {
  if (status === 400) return new ValidationError({ method, path, status, apiMessage });
  if (status === 403) return new AuthError({ method, path, status, apiMessage });
  return new ApiError('E_API', { method, path, status, apiMessage });
}
