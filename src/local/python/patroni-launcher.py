"""Runs the installed Patroni, with an upstream fix its version lacks applied first.

Patroni before 3.0.3 (Debian 12 ships 3.0.2) can overwrite another node's leader key in etcd: a
leader whose lease expired while it was paused (SIGSTOP, a frozen VM, a long stall) takes a new lease
and writes the leader key without checking that nobody took it meanwhile. The new leader then sees
the old one holding the key and demotes itself, and the writes it acknowledged are rewound away.
Upstream fixed it in 3.0.3 (patroni/patroni#2689, "make sure the leader key isn't unconditionally
overwritten"): the write only creates the key. The same change is made here, for versions before
3.0.3 only, with one step more: when the key is someone else's the update counts as failed, so this
node gives up the leader role at once instead of one loop later.

Usage: python3 patroni-launcher.py PATRONI_YML
"""
import sys
import time

from patroni.version import __version__


def version_tuple(text):
    parts = []
    for piece in text.split('.')[:3]:
        digits = ''.join(c for c in piece if c.isdigit())
        parts.append(int(digits or 0))
    return tuple(parts + [0] * (3 - len(parts)))


def patch_update_leader():
    from patroni.dcs import ReturnFalseException, catch_return_false_exception
    from patroni.dcs.etcd3 import Etcd3, Etcd3Error, Leader

    @catch_return_false_exception
    def _update_leader(self):
        retry = self._retry.copy()

        def _retry(*args, **kwargs):
            kwargs['retry'] = retry
            return retry(*args, **kwargs)

        self._run_and_handle_exceptions(self._do_refresh_lease, True, retry=_retry)

        if self._lease:
            cluster = self.cluster
            leader_lease = cluster and isinstance(cluster.leader, Leader) and cluster.leader.session
            if leader_lease != self._lease:
                retry.deadline = retry.stoptime - time.time()
                if retry.deadline < 1:
                    raise Etcd3Error('update_leader timeout')
                # create_revision 0: write the key only if it does not exist (our old one went with our old lease).
                try:
                    created = self._run_and_handle_exceptions(self._client.put, self.leader_path,
                                                              self._name, self._lease, '0', retry=_retry)
                except ReturnFalseException:
                    created = True  # an etcd error, not a refusal: as upstream, try again next loop
                if not created:
                    return False
        return bool(self._lease)

    Etcd3._update_leader = _update_leader


if version_tuple(__version__) < (3, 0, 3):
    patch_update_leader()

from patroni.__main__ import main  # noqa: E402

if __name__ == '__main__':
    sys.argv[0] = 'patroni'
    sys.exit(main())
