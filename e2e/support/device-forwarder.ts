import net from 'node:net';

export interface DeviceForwarder {
  url: string;
  // The same browser on another network: the page keeps its origin (and so its IndexedDB and its device
  // key), the server sees a new source address. Open connections are cut, as a network switch would.
  moveTo(ip: string): void;
  close(): Promise<void>;
}

// A browser cannot choose its source address, so each simulated device talks to its own forwarder, whose
// outgoing socket binds the device's 127.x address: the server sees a genuinely distinct peer, and no
// X-Forwarded-For trust is involved.
export async function startDeviceForwarder(deviceIp: string, targetPort: number): Promise<DeviceForwarder> {
  const sockets = new Set<net.Socket>();
  let sourceIp = deviceIp;
  const server = net.createServer((incoming) => {
    const outgoing = net.connect({ host: '127.0.0.1', port: targetPort, localAddress: sourceIp });
    sockets.add(incoming).add(outgoing);
    incoming.pipe(outgoing).pipe(incoming);
    const close = () => {
      incoming.destroy();
      outgoing.destroy();
      sockets.delete(incoming);
      sockets.delete(outgoing);
    };
    incoming.on('error', close).on('close', close);
    outgoing.on('error', close).on('close', close);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    moveTo: (ip) => {
      sourceIp = ip;
      for (const socket of sockets) socket.destroy();
      sockets.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
