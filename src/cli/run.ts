// Process entry: runs the CLI with the real streams and exits with its code.
import { main } from './main.js';

// grpc-js (under etcd3) sets the TLS server name to the IP address of an https etcd member, and Node
// warns about it on every connection (DEP0123): noise for a user, not something they can change.
process.removeAllListeners('warning');
process.on('warning', (w: Error & { code?: string }) => {
  if (w.code !== 'DEP0123') process.stderr.write(`${w.name}: ${w.message}\n`);
});

const code = await main(process.argv.slice(2), {
  out: process.stdout,
  err: process.stderr,
  env: process.env,
  cwd: process.cwd(),
});
// Exit explicitly: a lingering gRPC or socket handle must not keep `gardenos up` from returning.
process.exit(code);
