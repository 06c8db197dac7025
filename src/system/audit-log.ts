/**
 * The audit log: one recorder every surface calls (REST and the System API through
 * http/audit-middleware.ts; GraphQL mutations and MCP tool calls directly) with `record(entry)`.
 *
 * `record` only enqueues, so the request path makes no extra round trip to the store; a background
 * flusher writes the queue in batches (every `flushIntervalMs`, or at once when `batchSize` entries
 * wait), one INSERT per batch. `close()` — called by graceful shutdown after the last request has
 * finished and before the store closes — writes whatever is still queued. Entries older than the
 * retention period are pruned at start and then periodically.
 *
 * What an entry holds is fixed by `AuditEntry`: who (principal kind and id, API key id), what
 * (surface, service, action, target, affected rows), how it ended (status, duration), and the
 * request id. There is no field for credentials, request bodies or row values, so none can leak in.
 *
 * May import: auth (principals), system/store.
 */
import type { Logger } from 'pino';
import type { Principal } from '../auth/principal.js';
import type { MetaQueryable } from './store/meta-store.js';
import { insertAuditRecords, pruneAuditRecords, type AuditCredential, type AuditRecord, type AuditSurface } from './store/audit-repo.js';

export type { AuditCredential, AuditSurface } from './store/audit-repo.js';

/** One audited event, as a surface reports it. */
export interface AuditEntry {
  readonly surface: AuditSurface;
  /** Who authentication established (anonymous when it failed or nothing was presented). */
  readonly principal: Principal;
  /** What the request presented to authenticate. */
  readonly credential: AuditCredential;
  readonly service?: string | undefined;
  /** `POST _table/orders`, `DELETE system/role/3`, or an MCP tool name. */
  readonly action: string;
  /** The table or procedure addressed. */
  readonly target?: string | undefined;
  readonly affectedRows?: number | undefined;
  /** The HTTP status (or its equivalent for other transports: 200 success, 4xx refused, 500 failed). */
  readonly status: number;
  readonly durationMs: number;
  readonly requestId: string;
  readonly clientIp?: string | undefined;
  /** When it started; default: now. */
  readonly at?: Date | undefined;
}

/** What surfaces depend on. */
export interface AuditRecorder {
  record(entry: AuditEntry): void;
}

export interface AuditLogOptions {
  readonly retentionDays: number;
  readonly flushIntervalMs?: number;
  readonly batchSize?: number;
  /** Entries kept in memory while the store does not answer; beyond it the oldest are dropped (and logged). */
  readonly maxQueued?: number;
  /** How often to prune; default hourly. */
  readonly pruneIntervalMs?: number;
}

const DAY_MS = 86_400_000;

export class AuditLog implements AuditRecorder {
  private queue: AuditRecord[] = [];
  private timer: NodeJS.Timeout | undefined;
  private pruneTimer: NodeJS.Timeout | undefined;
  /** The flush in progress; flushes never overlap, so batches are written in order. */
  private flushing: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly flushIntervalMs: number;
  private readonly batchSize: number;
  private readonly maxQueued: number;

  constructor(
    private readonly store: MetaQueryable,
    private readonly logger: Logger,
    private readonly options: AuditLogOptions,
  ) {
    this.flushIntervalMs = options.flushIntervalMs ?? 250;
    this.batchSize = options.batchSize ?? 100;
    this.maxQueued = options.maxQueued ?? 50_000;
  }

  record(entry: AuditEntry): void {
    if (this.closed) {
      this.logger.warn({ action: entry.action, requestId: entry.requestId }, 'audit entry after shutdown not recorded');
      return;
    }
    this.queue.push(toRecord(entry));
    if (this.queue.length > this.maxQueued) {
      const dropped = this.queue.splice(0, this.queue.length - this.maxQueued);
      this.logger.error({ dropped: dropped.length }, 'audit queue full: oldest entries dropped');
    }
    if (this.queue.length >= this.batchSize) this.schedule(0);
    else this.schedule(this.flushIntervalMs);
  }

  /** Writes everything queued so far; resolves when it is in the store (or the attempt failed and was logged). */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.drain());
    return this.flushing;
  }

  /** Deletes entries older than the retention period (relative to `now`); returns how many. */
  async prune(now: Date = new Date()): Promise<number> {
    const deleted = await pruneAuditRecords(this.store, new Date(now.getTime() - this.options.retentionDays * DAY_MS));
    if (deleted > 0) this.logger.info({ deleted, retentionDays: this.options.retentionDays }, 'audit log pruned');
    return deleted;
  }

  /** Prunes now, then periodically in the background (the timer does not keep the process alive). */
  async startRetention(): Promise<void> {
    await this.prune();
    this.pruneTimer = setInterval(() => {
      this.prune().catch((error: unknown) => this.logger.warn({ err: error }, 'audit log pruning failed'));
    }, this.options.pruneIntervalMs ?? 3_600_000);
    this.pruneTimer.unref();
  }

  /** Stops the timers and writes what is queued; later `record` calls are refused (and logged). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    this.timer = undefined;
    await this.flush();
  }

  private schedule(delayMs: number): void {
    if (this.timer && delayMs > 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, delayMs);
    // Shutdown flushes explicitly; a pending flush must not keep a finished process alive.
    this.timer.unref();
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.batchSize);
      try {
        await insertAuditRecords(this.store, batch);
      } catch (error) {
        // Keep the entries for the next attempt (bounded by maxQueued) rather than losing them.
        this.queue.unshift(...batch);
        this.logger.error({ err: error, queued: this.queue.length }, 'writing the audit log failed; will retry');
        if (!this.closed) this.schedule(Math.max(this.flushIntervalMs, 1000));
        return;
      }
    }
  }
}

function toRecord(entry: AuditEntry): AuditRecord {
  const who = principalFields(entry.principal);
  return {
    at: entry.at ?? new Date(),
    surface: entry.surface,
    principalKind: who.kind,
    principalId: who.id,
    keyId: who.keyId,
    credential: entry.credential,
    service: entry.service ?? null,
    action: entry.action,
    target: entry.target ?? null,
    affectedRows: entry.affectedRows ?? null,
    status: entry.status,
    durationMs: Math.round(entry.durationMs * 10) / 10,
    requestId: entry.requestId,
    clientIp: entry.clientIp ?? null,
  };
}

function principalFields(principal: Principal): { kind: string; id: string | null; keyId: number | null } {
  switch (principal.kind) {
    case 'anonymous':
      return { kind: 'anonymous', id: null, keyId: null };
    case 'apiKey':
      return { kind: 'apiKey', id: String(principal.keyId), keyId: principal.keyId };
    case 'admin':
      return { kind: 'admin', id: String(principal.adminId), keyId: null };
    case 'user':
      return { kind: 'user', id: principal.subject, keyId: null };
  }
}
