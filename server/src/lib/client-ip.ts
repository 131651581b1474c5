import type { Request } from 'express';
import ipaddr from 'ipaddr.js';
import { InvalidInputError } from './errors.ts';

// One spelling per address: IPv4-mapped IPv6 (dual-stack sockets) as IPv4, IPv6 compressed and lower case.
// A device must not look like two devices because its address was written two ways.
export function normaliseIp(address: string): string | undefined {
  if (!ipaddr.isValid(address)) return undefined;
  const parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6') {
    const v6 = parsed as ipaddr.IPv6;
    return v6.isIPv4MappedAddress() ? v6.toIPv4Address().toString() : v6.toString();
  }
  return parsed.toString();
}

// A network as an allowed-networks entry: an address alone, or a CIDR range with its address normalised
// and an IPv4-mapped IPv6 range written as the IPv4 range it is. Undefined when it is neither.
export function normaliseNetwork(network: string): string | undefined {
  if (!network.includes('/')) return normaliseIp(network);
  let address: ipaddr.IPv4 | ipaddr.IPv6;
  let prefix: number;
  try {
    [address, prefix] = ipaddr.parseCIDR(network);
  } catch {
    return undefined;
  }
  if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress() && prefix >= 96) {
    return `${(address as ipaddr.IPv6).toIPv4Address().toString()}/${prefix - 96}`;
  }
  return `${address.toString()}/${prefix}`;
}

// req.ip honours Express's `trust proxy`: with it unset this is the socket address and X-Forwarded-For is
// ignored. A forwarded value that is not an address is the proxy's (or the client's) mistake, never ours.
export function clientIp(req: Request): string {
  const address = req.ip ?? req.socket.remoteAddress ?? '';
  const normalised = normaliseIp(address);
  if (normalised) return normalised;
  if (address === req.socket.remoteAddress) return address.slice(0, 45).toLowerCase();
  throw new InvalidInputError('The client address in X-Forwarded-For is not an IPv4 or IPv6 address.', [
    { path: 'X-Forwarded-For', message: 'not an IP address' },
  ]);
}

// For limits an IPv6 /64 is one address: one subscriber's network hands out as many addresses from it as it likes.
export function limitedAddress(ip: string): string {
  if (!ip.includes(':') || !ipaddr.isValid(ip)) return ip;
  const parts = (ipaddr.parse(ip) as ipaddr.IPv6).parts.slice(0, 4);
  return `${parts.map((part) => part.toString(16)).join(':')}::/64`;
}
