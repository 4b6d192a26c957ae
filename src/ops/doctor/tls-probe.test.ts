// doctor's TLS probe decides by Node's error code for the OpenSSL reason, never by the sentence OpenSSL writes.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handshakeErrorMeansTls, speaksTls } from './live-env.js';

describe('TLS probe', () => {
  test('alerts and certificate demands are TLS; a non-TLS record or another error is not', () => {
    // Codes as Node reports them (seen against node:tls servers with and without requestCert, and node:http).
    for (const code of [
      'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE',
      'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
      'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE',
    ]) {
      assert.equal(handshakeErrorMeansTls(code), true, code);
    }
    for (const code of ['ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_SSL_PACKET_LENGTH_TOO_LONG', 'ECONNRESET', undefined]) {
      assert.equal(handshakeErrorMeansTls(code), false, String(code));
    }
  });

  test('a plain HTTP server does not speak TLS; a closed port is unknown', async () => {
    const server = createServer((_, res) => res.end('plain'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      assert.equal(await speaksTls('127.0.0.1', (server.address() as AddressInfo).port), false);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
    assert.equal(await speaksTls('127.0.0.1', 1, 500), undefined);
  });
});
