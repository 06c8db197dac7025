/**
 * The routes of one data component (`_table`, `_proc`, `_schema`, `_graphql`) as a table the data dispatcher
 * (data-dispatch.ts) looks requests up in, without Express's router. Route modules define their
 * routes on it with Express's vocabulary (`get`, `post`, … `all`).
 *
 * Matching follows Express's defaults, which these routes were first served with:
 * case-insensitive, a trailing slash optional, `:name` segments decoded with decodeURIComponent (a
 * malformed escape is a 400), HEAD served by the GET handler, and `all` only for the methods a path
 * has no handler of its own for.
 */
import { ApiError } from '../errors.js';
import type { DataRequest, DataResponse } from './exchange.js';

export type RouteHandler = (req: DataRequest, res: DataResponse) => unknown;

interface Route {
  /** Literal segments lowercased; parameter segments as `:name`. */
  readonly segments: readonly string[];
  readonly handlers: Map<string, RouteHandler>;
  fallback?: RouteHandler;
}

export interface RouteMatch {
  readonly handler: RouteHandler;
  readonly params: Record<string, string>;
}

/** Express's message for an undecodable parameter (router/lib/layer.js). */
export function decodeParam(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw new ApiError(400, `Failed to decode param '${value}'`, 'badRequest');
  }
}

/**
 * A handler made on first use by `load` (which imports its module then), run directly for every
 * request after it. A load that fails is tried again by the next request.
 */
export function lazyHandler(load: () => Promise<RouteHandler>): RouteHandler {
  let loading: Promise<RouteHandler> | undefined;
  let loaded: RouteHandler | undefined;
  return (req, res) => {
    if (loaded) return loaded(req, res);
    loading ??= load().then(
      (handler) => (loaded = handler),
      (error: unknown) => {
        loading = undefined;
        throw error;
      },
    );
    return loading.then((handler) => handler(req, res));
  };
}

export class RouteTable {
  readonly #routes: Route[] = [];

  get(path: string, handler: RouteHandler): this {
    return this.#add(path, 'GET', handler);
  }
  post(path: string, handler: RouteHandler): this {
    return this.#add(path, 'POST', handler);
  }
  put(path: string, handler: RouteHandler): this {
    return this.#add(path, 'PUT', handler);
  }
  patch(path: string, handler: RouteHandler): this {
    return this.#add(path, 'PATCH', handler);
  }
  delete(path: string, handler: RouteHandler): this {
    return this.#add(path, 'DELETE', handler);
  }
  all(path: string, handler: RouteHandler): this {
    this.#route(path).fallback ??= handler;
    return this;
  }

  /**
   * The handler for `method` on `path` (relative to the component, e.g. `/orders/7`), or undefined
   * when no route has that shape (the caller answers 404). Throws 400 for a malformed escape.
   */
  match(method: string, path: string): RouteMatch | undefined {
    const trimmed = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
    const parts = trimmed === '' || trimmed === '/' ? [] : trimmed.slice(1).split('/');
    for (const route of this.#routes) {
      if (route.segments.length !== parts.length) continue;
      const params: Record<string, string> = {};
      let matches = true;
      for (let i = 0; i < parts.length && matches; i++) {
        const segment = route.segments[i] as string;
        const part = parts[i] as string;
        if (segment.startsWith(':')) {
          if (part === '') matches = false;
          else params[segment.slice(1)] = part;
        } else if (segment !== part.toLowerCase()) matches = false;
      }
      if (!matches) continue;
      const handler = route.handlers.get(method) ?? (method === 'HEAD' ? route.handlers.get('GET') : undefined) ?? route.fallback;
      if (!handler) continue;
      for (const name of Object.keys(params)) params[name] = decodeParam(params[name] as string);
      return { handler, params };
    }
    return undefined;
  }

  #route(path: string): Route {
    const segments = path === '/' ? [] : path.slice(1).split('/').map((s) => (s.startsWith(':') ? s : s.toLowerCase()));
    const key = segments.join('/');
    let route = this.#routes.find((r) => r.segments.join('/') === key);
    if (!route) {
      route = { segments, handlers: new Map() };
      this.#routes.push(route);
    }
    return route;
  }

  #add(path: string, method: string, handler: RouteHandler): this {
    const route = this.#route(path);
    if (!route.handlers.has(method)) route.handlers.set(method, handler);
    return this;
  }
}
