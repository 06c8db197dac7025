/**
 * Records audited HTTP requests once their response has gone out, so handlers need no audit code
 * beyond an occasional `ctx.noteAudit(...)` (affected rows, a target the URL does not name):
 *   - REST writes: POST/PUT/PATCH/DELETE on `_table` and `_schema`, and procedure calls by POST
 *     (GET calls run read-only);
 *   - System API changes: every method but GET/HEAD/OPTIONS under `/api/v1/system`, logins included;
 *   - failed authentication: every 401, on any path.
 * Whatever the outcome — a refused write (403) is recorded with its status. The entry is handed to
 * the audit recorder, which only enqueues it.
 *
 * Mounted right after the request context middleware, so it sees every later answer.
 */
import { memoized } from '../collections.js';
import type { RequestContext } from '../executor/request-context.js';
import type { AuditCredential, AuditRecorder, AuditSurface } from '../system/audit-log.js';
import { clientIpOf, pathOf, presentedCredentialOf, type DataRequest, type DataResponse, type Trust } from './exchange.js';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);
const DATA_WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Paths can be long: entries keep a bounded prefix of names. */
const MAX_NAME = 256;

interface Route {
  readonly surface: AuditSurface;
  /** Audited whatever the status (a write or a System API change), not only on 401. */
  readonly isChange: boolean;
  readonly service?: string;
  /** `_table`, `_schema`, `_proc`, or `system/…`: the action without its method and target. */
  readonly component: string;
  readonly target?: string;
}

function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment).slice(0, MAX_NAME);
  } catch {
    return segment.slice(0, MAX_NAME);
  }
}

/** Routes classified so far, by method and path: requests that reach the check (writes, POSTs to `_graphql`) repeat a few paths. */
const classified = new Map<string, Route>();
const MAX_CLASSIFIED = 1024;

/** `classifyRoute`, remembered (it is a function of its arguments). */
function routeOf(method: string, path: string): Route {
  if (path.length > MAX_NAME) return classifyRoute(method, path); // not kept: a long path is rarely repeated
  return memoized(classified, `${method} ${path}`, MAX_CLASSIFIED, () => classifyRoute(method, path));
}

/** What a request path addresses, for the audit entry. */
export function classifyRoute(method: string, path: string): Route {
  const system = /^\/api\/v1\/system(?:\/(.*))?$/.exec(path);
  if (system) {
    const rest = (system[1] ?? '').replace(/\/+$/, '');
    const service = /^service\/([^/]+)/.exec(rest)?.[1];
    return {
      surface: 'system',
      isChange: !READS.has(method),
      component: `system${rest ? `/${rest.split('/').map(decoded).join('/')}` : ''}`.slice(0, MAX_NAME),
      ...(service !== undefined ? { service: decoded(service) } : {}),
    };
  }
  const data = /^\/api\/v1\/([^/]+)\/(_table|_schema|_proc)(?:\/([^/]+))?/.exec(path);
  if (data) {
    const component = data[2] as string;
    const isChange = component === '_proc' ? !READS.has(method) : DATA_WRITES.has(method);
    return {
      surface: 'rest',
      isChange,
      service: decoded(data[1] as string),
      component,
      ...(data[3] !== undefined ? { target: decoded(data[3]) } : {}),
    };
  }
  const service = /^\/api\/v1\/([^/]+)/.exec(path)?.[1];
  return {
    surface: path === '/mcp' || path.startsWith('/mcp/') ? 'mcp' : 'rest',
    isChange: false,
    component: path.slice(0, MAX_NAME),
    ...(service !== undefined ? { service: decoded(service) } : {}),
  };
}

/** The credential a request presented (whether or not it was accepted). */
function credentialOf(req: DataRequest, method: string, route: Route): AuditCredential {
  const presented = presentedCredentialOf(req);
  if (presented === 'none' && route.component === 'system/admin/session' && method === 'POST') return 'password';
  return presented;
}

/** `trust`: which proxies' X-Forwarded-For to believe for the client IP (see exchange.ts). */
export function auditMiddleware(audit: AuditRecorder, trust: Trust) {
  return (req: DataRequest, res: DataResponse, next: (error?: unknown) => void): void => {
    const at = Date.now();
    const started = performance.now();
    const method = req.method ?? 'GET';
    const path = pathOf(req); // now: Express's routers rewrite req.url while they handle the request
    // 'close' comes last either way: after 'finish' when the response went out, alone when the client left first.
    res.once('close', () => {
      const status = res.statusCode;
      // A read is never a change (see classifyRoute): most requests end here, unclassified.
      if (READS.has(method) && status !== 401) return;
      const route = routeOf(method, path);
      if (!route.isChange && status !== 401) return;
      const ctx = res.locals?.ctx as RequestContext | undefined;
      if (!ctx) return;
      const note = ctx.auditNote;
      const target = route.target ?? note.target;
      audit.record({
        at: new Date(at),
        surface: route.surface,
        principal: note.principal ?? ctx.principal,
        credential: credentialOf(req, method, route),
        service: route.service ?? note.service,
        action: `${method} ${route.component}${route.surface === 'rest' && target !== undefined && route.component.startsWith('_') ? `/${target}` : ''}`,
        target,
        affectedRows: note.affectedRows,
        status,
        durationMs: performance.now() - started,
        requestId: ctx.requestId,
        clientIp: clientIpOf(req, trust),
      });
    });
    next();
  };
}
