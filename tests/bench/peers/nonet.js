'use strict';
// nonet.js - loaded with `node --require` before any peer: every way a
// Node.js program reaches the network goes through one of the functions
// replaced here (a TCP or TLS socket's connect, a UDP socket, a DNS query,
// fetch), and each replacement records the attempt and throws.  A peer
// may catch the throw and carry on, so the attempts are also counted and
// the process exits with status 3 naming them: the bench then fails.
// Unix-domain sockets (IPC, a path rather than a host) are left alone.
const net = require('node:net');
const dgram = require('node:dgram');
const dns = require('node:dns');

const attempts = [];

function refuse(what) {
  attempts.push(what);
  const err = new Error(`bench-peers: network use refused: ${what}`);
  err.code = 'EBENCHNONET';
  throw err;
}

function describe(args) {
  const a = args[0];
  if (Array.isArray(a)) return describe(a);
  if (a && typeof a === 'object') return `${a.host ?? a.hostname ?? 'localhost'}:${a.port ?? '?'}${a.path ? ` ${a.path}` : ''}`;
  return `${args[1] ?? 'localhost'}:${a}`;
}

function isIpc(args) {
  const a = Array.isArray(args[0]) ? args[0][0] : args[0];
  return (typeof a === 'string' && Number.isNaN(Number(a))) ||
    (a && typeof a === 'object' && typeof a.path === 'string' && a.port === undefined);
}

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(...args) {
  if (isIpc(args)) return connect.apply(this, args);
  return refuse(`connect ${describe(args)}`);
};
dgram.createSocket = (...args) => refuse(`udp socket ${JSON.stringify(args[0])}`);
for (const fn of ['lookup', 'lookupService', 'resolve', 'resolve4', 'resolve6', 'resolveAny']) {
  dns[fn] = (host) => refuse(`dns ${fn} ${host}`);
  dns.promises[fn] = async (host) => refuse(`dns ${fn} ${host}`);
  if (fn !== 'lookup') {
    dns.Resolver.prototype[fn] = (host) => refuse(`dns ${fn} ${host}`);
    dns.promises.Resolver.prototype[fn] = async (host) => refuse(`dns ${fn} ${host}`);
  }
}
globalThis.fetch = async (url) => refuse(`fetch ${url}`);

process.on('exit', (code) => {
  if (attempts.length > 0) {
    console.error(`bench-peers: ${attempts.length} network attempt(s) refused: ${[...new Set(attempts)].join('; ')}`);
    process.exitCode = code || 3;
  }
});

module.exports = { attempts };
