// Checks of Docker, only where it is installed: an inactive docker group, a docker0 bridge without IPv4.
import type { Check } from './types.js';

export const dockerGroup: Check = {
  id: 'docker.group-inactive',
  layer: 'docker',
  title: 'this login session can use the Docker socket',
  async run(ctx) {
    const d = ctx.env.docker();
    if (!d) return { skipped: 'Docker is not installed' };
    if (d.isRoot) return [];
    if (d.socketGid === undefined) return { skipped: `no socket at ${d.socketPath}` };
    if (d.processGroups.includes(d.socketGid)) return [];
    const listed = d.groupMembers.includes(d.userName);
    return [
      {
        severity: 'error',
        title: listed
          ? `${d.userName} is in the docker group, but this session is not`
          : `${d.userName} is not in the docker group`,
        evidence: `${d.socketPath} belongs to gid ${d.socketGid}; this process has groups ${d.processGroups.join(', ')}; /etc/group docker members: ${d.groupMembers.join(', ') || 'none'}`,
        cause:
          'docker commands fail with "permission denied" on the socket, which build output easily hides behind DNS-looking errors',
        fix: listed
          ? 'log out and back in, or run `newgrp docker`'
          : `\`sudo usermod -aG docker ${d.userName}\`, then log out and back in`,
      },
    ];
  },
};

export const docker0: Check = {
  id: 'docker.bridge-no-ipv4',
  layer: 'docker',
  title: 'the docker0 bridge has its IPv4 address',
  async run(ctx) {
    const d = ctx.env.docker();
    if (!d) return { skipped: 'Docker is not installed' };
    if (!d.docker0) return { skipped: 'no docker0 interface' };
    if (d.docker0.ipv4.length > 0) return [];
    return [
      {
        severity: 'error',
        title: 'docker0 has no IPv4 address',
        evidence: '/sys/class/net/docker0 exists but the interface has no IPv4 address (172.17.0.1/16 by default)',
        cause: 'containers on the default bridge have no route out: pulls, pings and DNS from containers fail',
        fix: '`sudo systemctl restart docker` restores the bridge address',
      },
    ];
  },
};
