'use strict';
// contexts.js - the contexts every engine of make bench-peers evaluates,
// from a fixed seed so that every run and every machine gets the same
// file: one a line, "targeting_key<TAB>email<TAB>country".
//   - targeting keys user-0000000 ... : all distinct;
//   - email vip@example.com for 1 in 100, else user-N@example.org;
//   - country DE, FR or NL (the flag's) for 25% each, else one of five
//     others (5% each).
// So about 1% + 99% x 75% match a rule and the rest (~25%) reach the 20%
// split: the expected share of on is 0.01 + 0.99 x (0.75 + 0.25 x 0.2).
//
// Why so few reach the split: each engine buckets with its own hash, so
// its share of on is a sample, of standard deviation sqrt(f x 0.2 x 0.8 /
// N) for a fraction f of N contexts reaching the split.  The engines must
// agree within 0.001; with f = 0.25 and N = 1,000,000 that is five
// standard deviations (with f = 0.7, under three, and a correct engine
// would fail the check by chance).  The file is the same on every run.
//
//   node contexts.js OUT N
const fs = require('node:fs');

// Twenty equally likely slots: DE, FR and NL five each, five others one each.
const COUNTRIES = [
  ...Array(5).fill('DE'), ...Array(5).fill('FR'), ...Array(5).fill('NL'),
  'US', 'GB', 'ES', 'IT', 'PL',
];

// mulberry32: a small, well-mixed 32-bit generator; any fixed one would do.
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function* contexts(n) {
  const rand = prng(20261202);
  for (let i = 0; i < n; i++) {
    const key = `user-${String(i).padStart(7, '0')}`;
    const email = rand() < 0.01 ? 'vip@example.com' : `user-${i}@example.org`;
    const country = COUNTRIES[Math.floor(rand() * COUNTRIES.length)];
    yield [key, email, country];
  }
}

// Reads the file back: [{key, email, country}, ...].
function read(file) {
  const text = fs.readFileSync(file, 'utf8');
  const out = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const [key, email, country] = line.split('\t');
    out.push({ key, email, country });
  }
  return out;
}

function write(file, n) {
  const tmp = `${file}.tmp`;
  const fd = fs.openSync(tmp, 'w');
  let chunk = [];
  for (const c of contexts(n)) {
    chunk.push(c.join('\t'));
    if (chunk.length === 10000) {
      fs.writeSync(fd, `${chunk.join('\n')}\n`);
      chunk = [];
    }
  }
  if (chunk.length) fs.writeSync(fd, `${chunk.join('\n')}\n`);
  fs.fsyncSync(fd);
  fs.closeSync(fd);
  fs.renameSync(tmp, file);
}

module.exports = { read, write };

if (require.main === module) {
  const [out, n] = process.argv.slice(2);
  if (!out || !(Number(n) > 0)) {
    console.error('usage: node contexts.js OUT N');
    process.exit(2);
  }
  write(out, Number(n));
}
