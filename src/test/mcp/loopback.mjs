// Preloaded into the MCP "everything" server (node --import): its Streamable HTTP entry point listens on every
// interface (app.listen(PORT)); this forces every listening socket of the process onto 127.0.0.1 and prints the
// address it got, so PORT=0 works and nothing is exposed beyond the machine.
import net from 'node:net';

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (args[0] !== null && typeof args[0] === 'object') {
    args[0] = { ...args[0], host: '127.0.0.1' };
  } else if (typeof args[1] === 'string') {
    args[1] = '127.0.0.1';
  } else {
    args.splice(1, 0, '127.0.0.1');
  }
  this.once('listening', () => process.stderr.write(`loopback-listening ${JSON.stringify(this.address())}\n`));
  return listen.apply(this, args);
};
