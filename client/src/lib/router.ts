import { useSyncExternalStore } from 'react';

// Two participant pages do not justify a router library; history state plus one event is enough.
const NAVIGATE_EVENT = 'examgate:navigate';

function subscribe(onChange: () => void): () => void {
  window.addEventListener('popstate', onChange);
  window.addEventListener(NAVIGATE_EVENT, onChange);
  return () => {
    window.removeEventListener('popstate', onChange);
    window.removeEventListener(NAVIGATE_EVENT, onChange);
  };
}

export function usePathname(): string {
  return useSyncExternalStore(subscribe, () => window.location.pathname);
}

export function navigate(pathname: string, options: { replace?: boolean } = {}): void {
  if (options.replace) window.history.replaceState(null, '', pathname);
  else window.history.pushState(null, '', pathname);
  window.dispatchEvent(new Event(NAVIGATE_EVENT));
}
