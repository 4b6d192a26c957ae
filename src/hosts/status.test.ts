// The HAProxy CSV stats of a host, as status reads them.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseStatsCsv } from './status.js';

describe('parseStatsCsv', () => {
  test('keeps the servers of the PostgreSQL backends, with their status', () => {
    const csv = [
      '# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status,weight',
      'stats,FRONTEND,,,1,1,,1,0,0,0,0,0,,,,,OPEN,',
      'primary,FRONTEND,,,0,0,,0,0,0,0,0,0,,,,,OPEN,',
      'primary,h1,0,0,0,0,100,0,0,0,,0,,0,0,0,0,UP,1',
      'primary,h2,0,0,0,0,100,0,0,0,,0,,0,0,0,0,MAINT,1',
      'primary,BACKEND,0,0,0,0,10,0,0,0,0,0,,0,0,0,0,UP,1',
      'replicas,h2,0,0,0,0,100,0,0,0,,0,,0,0,0,0,DOWN,1',
      'k3s-api,h1,0,0,0,0,,0,0,0,,0,,0,0,0,0,DOWN,1',
      '',
    ].join('\n');
    assert.deepEqual(parseStatsCsv(csv), [
      { backend: 'primary', server: 'h1', status: 'UP' },
      { backend: 'primary', server: 'h2', status: 'MAINT' },
      { backend: 'replicas', server: 'h2', status: 'DOWN' },
    ]);
    assert.deepEqual(parseStatsCsv(''), []);
    assert.deepEqual(parseStatsCsv('<html>401</html>'), []);
  });
});
