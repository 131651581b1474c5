import type { Express } from 'express';

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

// Every route the app has, read from Express's own router: a route added tomorrow is tested tomorrow.
export function routesOf(app: Express): { method: string; path: string }[] {
  const walk = (stack: Layer[]): { method: string; path: string }[] =>
    stack.flatMap((layer) =>
      layer.route
        ? Object.keys(layer.route.methods).map((method) => ({ method: method.toUpperCase(), path: layer.route!.path }))
        : walk(layer.handle?.stack ?? []),
    );
  return walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
}
