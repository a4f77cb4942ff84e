# wstest, with every listening socket bound to 127.0.0.1 (Python 2.7: run by ./wstest).
#
# wstest's fuzzingserver, echo server and web pages listen on all interfaces; the tests
# need only the loopback one, so the reactor's listen calls get it whenever wstest leaves
# the interface out.
import sys

from autobahntestsuite import wstest  # installs the reactor wstest runs on
from twisted.internet import reactor

LOOPBACK = "127.0.0.1"


def on_loopback(listen, interface_position):
    def listen_on_loopback(*args, **kwargs):
        args = list(args)
        if len(args) > interface_position:
            args[interface_position] = args[interface_position] or LOOPBACK
        else:
            kwargs["interface"] = kwargs.get("interface") or LOOPBACK
        return listen(*args, **kwargs)

    return listen_on_loopback


# listenTCP(port, factory, backlog, interface); listenSSL(port, factory, context, backlog,
# interface)
reactor.listenTCP = on_loopback(reactor.listenTCP, 3)
reactor.listenSSL = on_loopback(reactor.listenSSL, 4)

sys.argv[0] = "wstest"
sys.exit(wstest.run())
