// Preloaded into Portkey's gateway by bin/bench (node -r): its start-server.js takes a port but no address, and
// Node then listens on every interface. The benchmark's servers listen on 127.0.0.1 only.
'use strict';
const net = require('net');
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
    if (typeof args[0] === 'number' && (args.length === 1 || typeof args[1] !== 'string')) {
        args.splice(1, typeof args[1] === 'undefined' ? 1 : 0, '127.0.0.1');
    } else if (args[0] && typeof args[0] === 'object' && args[0].port !== undefined && !args[0].host) {
        args[0] = { ...args[0], host: '127.0.0.1' };
    }
    return listen.apply(this, args);
};
