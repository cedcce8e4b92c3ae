import net from 'node:net';

/**
 * A TCP forwarder between services and the real PACS, for outage tests and the soak. `up` pipes both ways;
 * `down` refuses every connection and drops open ones; `slow` delays every chunk each way by `latencyMs`;
 * `refuse-stow` lets reads through and answers every POST with a 503 carrying `refusal`.
 */
export class PacsProxy {
  mode: 'up' | 'down' | 'slow' | 'refuse-stow';
  latencyMs = 0;
  /** When true, the request line of each request passed on is kept in `requests` (a test's proof of what was read). */
  recordRequests = false;
  readonly requests: string[] = [];
  /** The text of the 503 in `refuse-stow` mode. */
  refusal = 'maintenance: database locked';
  private readonly server = net.createServer((client) => this.accept(client));
  private readonly sockets = new Set<net.Socket>();

  /** `port` 0 picks a free one (read `port` after `start`). */
  constructor(
    public port: number,
    private readonly upstreamPort: number,
    initialMode: PacsProxy['mode'] = 'up',
  ) {
    this.mode = initialMode;
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.port, '127.0.0.1', resolve);
    });
    this.port = (this.server.address() as net.AddressInfo).port;
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
    const forward = (from: net.Socket, to: net.Socket, isRequest: boolean) =>
      from.on('data', (chunk: Buffer) => {
        if (isRequest && this.recordRequests) {
          const line = chunk.subarray(0, 512).toString('latin1').split('\r\n')[0] ?? '';
          if (/^[A-Z]+ \S+ HTTP\/1\.[01]$/.test(line)) this.requests.push(line);
        }
        if (isRequest && this.mode === 'refuse-stow' && chunk.subarray(0, 5).toString('latin1') === 'POST ') {
          upstream.destroy();
          client.end(`HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(this.refusal)}\r\nConnection: close\r\n\r\n${this.refusal}`);
          return;
        }
        if (this.mode !== 'slow') return void to.write(chunk);
        from.pause();
        setTimeout(() => {
          to.write(chunk);
          from.resume();
        }, this.latencyMs);
      });
    forward(client, upstream, true);
    forward(upstream, client, false);
  }
}
