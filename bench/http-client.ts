import { Agent, request } from 'node:http';

export interface Reply {
  status: number;
  body: string;
}

/** A keep-alive node:http client for one vidgate, with a bearer token on every request. */
export class Client {
  private readonly agent: Agent;
  private readonly url: URL;

  constructor(
    base: string,
    private readonly token: string,
    sockets: number,
  ) {
    this.url = new URL(base);
    this.agent = new Agent({ keepAlive: true, maxSockets: sockets });
  }

  send(method: 'GET' | 'POST', path: string, body?: string): Promise<Reply> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}` };
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(body));
    }
    return new Promise((resolve, reject) => {
      const req = request(
        {
          agent: this.agent,
          host: this.url.hostname,
          port: this.url.port,
          method,
          path,
          headers,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
