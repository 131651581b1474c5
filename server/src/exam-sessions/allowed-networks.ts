import proxyAddr from 'proxy-addr';

// IPv4 and IPv6 ranges; an IPv4 client matches an IPv4-mapped IPv6 range and the other way round.
export function networkMatcher(networks: string[]): ((ip: string) => boolean) | null {
  if (networks.length === 0) return null;
  const inside = proxyAddr.compile(networks);
  return (ip) => inside(ip, 0);
}
