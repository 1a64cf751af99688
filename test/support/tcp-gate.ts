// A TCP proxy on a fixed loopback port that starts shut (connections refused, as with a server
// not up yet), is opened to a target (the registry, a queue server, an emulator) and can be cut
// again (open connections reset, new ones refused); and a free port to name ahead.
import { connect, createServer, type Server, type Socket } from "node:net";

export interface TcpGate {
  readonly port: number;
  /** Starts accepting and forwarding to the target. */
  open(): Promise<void>;
  /** Stops listening and resets every forwarded connection. */
  close(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return typeof address === "object" && address !== null ? address.port : 0;
}

export async function shutTcpGate(target: { readonly host: string; readonly port: number }): Promise<TcpGate> {
  const port = await freePort();
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  return {
    port,
    async open() {
      if (server !== undefined) return;
      server = createServer((client) => {
        const upstream = connect(target.port, target.host);
        for (const socket of [client, upstream]) {
          sockets.add(socket);
          socket.on("error", () => socket.destroy());
          socket.on("close", () => sockets.delete(socket));
        }
        client.pipe(upstream).pipe(client);
      });
      const listening = server;
      await new Promise<void>((resolve) => listening.listen(port, "127.0.0.1", resolve));
    },
    async close() {
      const listening = server;
      server = undefined;
      for (const socket of sockets) socket.resetAndDestroy();
      if (listening !== undefined) await new Promise<void>((resolve) => listening.close(() => resolve()));
    },
  };
}
