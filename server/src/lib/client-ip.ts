import type { Request } from 'express';

// Dual-stack sockets report IPv4 peers as IPv4-mapped IPv6; one device must have one spelling or the
// device lock would see two addresses for it.
export function normaliseIp(address: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  return (mapped ? mapped[1]! : address).toLowerCase();
}

// req.ip honours Express's `trust proxy`: with it unset this is the socket address and X-Forwarded-For
// is ignored.
export function clientIp(req: Request): string {
  return normaliseIp(req.ip ?? req.socket.remoteAddress ?? '');
}
