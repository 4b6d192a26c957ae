// The HAProxy CSV stats of a host and its Prometheus's alerts, as status reads them.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { hostsSpec, THREE_HOSTS_YAML } from '../render/hosts/fixtures.js';
import { hostsMonitoringStatus, parseStatsCsv } from './status.js';

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

describe('hostsMonitoringStatus', () => {
  const spec = hostsSpec(THREE_HOSTS_YAML);
  test('asks Prometheus on the monitoring host and keeps the firing alerts; a Prometheus that does not answer says why', async () => {
    const asked: string[] = [];
    const up = await hostsMonitoringStatus(spec, async (url) => {
      asked.push(url);
      return {
        ok: true,
        alerts: [{ name: 'EtcdMemberDown', severity: 'critical', summary: 's', fix: 'f', since: null }],
      };
    });
    assert.deepEqual(asked, ['http://10.20.0.11:9090']);
    assert.equal(up?.reachable, true);
    assert.deepEqual(
      up?.firingAlerts.map((a) => a.name),
      ['EtcdMemberDown'],
    );
    const down = await hostsMonitoringStatus(spec, async () => ({ ok: false, error: 'ECONNREFUSED' }));
    assert.deepEqual(down, {
      prometheusURL: 'http://10.20.0.11:9090',
      reachable: false,
      firingAlerts: [],
      error: 'ECONNREFUSED',
    });
    const off = hostsSpec(`${THREE_HOSTS_YAML}monitoring: { enabled: false }\n`);
    assert.equal(await hostsMonitoringStatus(off, async () => assert.fail('must not ask')), null);
  });
});
