import net from 'node:net';

/**
 * A TCP forwarder between the services and the PACS (as report's outage test uses): `down` refuses every
 * connection and drops open ones; `slow` delays every chunk in both directions by `latencyMs`.
 */
export class PacsProxy {
  mode: 'up' | 'down' | 'slow' = 'up';
  latencyMs = 0;
  private readonly server = net.createServer((client) => this.accept(client));
  private readonly sockets = new Set<net.Socket>();

  constructor(
    readonly port: number,
    private readonly upstreamPort: number,
  ) {}

  async start(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.port, '127.0.0.1', resolve);
    });
  }

  set(mode: PacsProxy['mode'], latencyMs = 0): void {
    this.mode = mode;
    this.latencyMs = latencyMs;
    // Kept-alive connections would otherwise carry on in the old mode.
    for (const socket of this.sockets) socket.destroy();
  }

  async stop(): Promise<void> {
    this.set('down');
    await new Promise((resolve) => this.server.close(resolve));
  }

  private accept(client: net.Socket): void {
    this.sockets.add(client);
    client.on('close', () => this.sockets.delete(client));
    client.on('error', () => undefined);
    if (this.mode === 'down') return void client.destroy();
    const upstream = net.connect(this.upstreamPort, '127.0.0.1');
    this.sockets.add(upstream);
    upstream.on('close', () => {
      this.sockets.delete(upstream);
      client.destroy();
    });
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    const forward = (from: net.Socket, to: net.Socket) =>
      from.on('data', (chunk: Buffer) => {
        if (this.mode === 'slow') {
          from.pause();
          setTimeout(() => {
            to.write(chunk);
            from.resume();
          }, this.latencyMs);
        } else to.write(chunk);
      });
    forward(client, upstream);
    forward(upstream, client);
  }
}
