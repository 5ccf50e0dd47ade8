// A real S3-compatible server (s3rver) for the tests, in its own process so that the memory a
// test measures is vidgate's alone: `s3rver-main.ts DIR BUCKET` prints {"port":N} once up.
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';

interface S3rverOptions {
  address: string;
  port: number;
  silent: boolean;
  directory: string;
  configureBuckets: Array<{ name: string }>;
}
interface S3rverServer {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
type S3rverClass = new (options: S3rverOptions) => S3rverServer;

// s3rver is CommonJS and ships no types
const S3rver = createRequire(import.meta.url)('@20minutes/s3rver') as S3rverClass;

const [directory = '', bucket = ''] = process.argv.slice(2);
const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
  silent: true,
  directory,
  configureBuckets: [{ name: bucket }],
});
const address = await server.run();
process.stdout.write(`${JSON.stringify({ port: address.port })}\n`);
process.on('SIGTERM', () => {
  void server.close().then(() => process.exit(0));
});
