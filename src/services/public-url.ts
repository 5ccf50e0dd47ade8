import type { Config } from '../config/load.js';

/**
 * The base of the links vidgate hands out: VIDGATE_PUBLIC_URL, or else this host on the port
 * the server actually bound (PORT=0 binds an ephemeral one, known only after listen). Links are
 * made while answering requests, which arrive only after the bind, so every reader sees the
 * bound port; the config's default (PORT as set) is what a reader before the bind would see.
 */
export class PublicUrl {
  private boundPort: number | null = null;

  constructor(private readonly config: Pick<Config, 'publicUrl' | 'publicUrlSet'>) {}

  /** the address listen() reported, e.g. http://0.0.0.0:8080 */
  bound(address: string): void {
    this.boundPort = Number(new URL(address).port);
  }

  get value(): string {
    if (this.config.publicUrlSet || this.boundPort === null) return this.config.publicUrl;
    return `http://localhost:${this.boundPort}`;
  }
}
