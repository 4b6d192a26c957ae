// gardenos dashboard-web: the dashboard's web side, started by `gardenos dashboard` as root over an IPC channel.
import { runWebSide } from '../../dashboard/web-side.js';
import type { Command } from '../command.js';

const command: Command = {
  name: 'dashboard-web',
  summary: "the dashboard's web side (started by `gardenos dashboard`, never by hand)",
  usage: `Usage: gardenos dashboard-web

Started by \`gardenos dashboard\` run as root, as the unprivileged gardenos-dashboard user: it serves the
page on the socket the collector bound and gets the token and every update over its IPC channel. It
reads no file of the platform's. See docs/dashboard.md, "Who it runs as".`,
  options: {},
  async run() {
    await runWebSide();
    return 0;
  },
};

export default command;
