import { connect, createServer, type Socket } from 'node:net';

/**
 * A loopback TCP relay to a real server that cuts the connection at a chosen moment, as a
 * server dying or a network failing would: at the first request matching `request`, either
 * `before` it is sent or `after-reply`, once its reply has been relayed. Everything before that
 * request (a client's handshake) is relayed untouched.
 */
export interface TcpCut {
  port: number;
  close(): Promise<void>;
}

export async function startTcpCut(targetPort: number, opts: { request: RegExp; when: 'before' | 'after-reply' }): Promise<TcpCut> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => sockets.delete(s));
    }
    const cut = () => {
      client.destroy();
      upstream.destroy();
    };
    let armed = false;
    client.on('data', (chunk: Buffer) => {
      if (!armed && opts.request.test(chunk.toString('latin1'))) {
        if (opts.when === 'before') return cut();
        armed = true;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk, armed ? cut : undefined));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
