// Process entry: runs the CLI with the real streams and exits with its code.
import { main } from './main.js';

const code = await main(process.argv.slice(2), { out: process.stdout, err: process.stderr, env: process.env, cwd: process.cwd() });
// Exit explicitly: a lingering gRPC or socket handle must not keep `gardenos up` from returning.
process.exit(code);
