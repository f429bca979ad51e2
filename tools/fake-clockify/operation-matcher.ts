/** Maps an incoming (server, method, path) to the catalogue operation it calls, with its path params. */
import type { ClockifyOperation, HttpMethod, ServerKind } from '../../src/integrations/clockify/catalogue.js';

export type MatchedOperation = { op: ClockifyOperation; params: Record<string, string> };

type Route = { op: ClockifyOperation; regex: RegExp; names: string[]; literals: number };

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function toRoute(op: ClockifyOperation): Route {
  const names: string[] = [];
  let literals = 0;
  const pattern = op.path
    .split('/')
    .map((segment) => {
      const m = /^\{([^}]+)\}$/.exec(segment);
      if (m) {
        names.push(m[1]!);
        return '([^/]+)';
      }
      literals++;
      return escape(segment);
    })
    .join('/');
  return { op, regex: new RegExp(`^${pattern}/?$`), names, literals };
}

export function createOperationMatcher(operations: readonly ClockifyOperation[]) {
  const routes = new Map<string, Route[]>();
  for (const op of operations) {
    const key = `${op.server} ${op.method}`;
    const list = routes.get(key) ?? [];
    list.push(toRoute(op));
    routes.set(key, list);
  }
  // More literal segments first, so `/users/info` wins over `/users/{userId}`.
  for (const list of routes.values()) list.sort((a, b) => b.literals - a.literals);

  return function match(server: ServerKind, method: string, path: string): MatchedOperation | undefined {
    const list = routes.get(`${server} ${method.toUpperCase() as HttpMethod}`) ?? [];
    for (const route of list) {
      const m = route.regex.exec(path);
      if (m === null) continue;
      const params: Record<string, string> = {};
      route.names.forEach((name, i) => {
        params[name] = decodeURIComponent(m[i + 1]!);
      });
      return { op: route.op, params };
    }
    return undefined;
  };
}
