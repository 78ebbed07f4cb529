'use strict';
// Shared by the tests: the conformance fixtures, scratch directories, and
// publishing a snapshot the way a sync tool must (a new file renamed into
// place).
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const FIXTURES = path.resolve(__dirname, '..', '..', 'fixtures');
const PUB = path.join(FIXTURES, 'test-signing.pub');

function snapshot(name) {
  return path.join(FIXTURES, 'snapshots', `${name}.rsnap`);
}

function cases() {
  return fs.readFileSync(path.join(FIXTURES, 'cases.jsonl'), 'utf8')
    .split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

function scratch(t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rulestead-node-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

// Copies fixture `name` to dst through dst.incoming and rename().
function publish(name, dst) {
  const tmp = `${dst}.incoming`;
  fs.copyFileSync(snapshot(name), tmp);
  fs.chmodSync(tmp, 0o644);
  fs.renameSync(tmp, dst);
}

// Resolves with the first event `name` the emitter emits for which
// accept(ev) holds, or rejects after ms.
function nextEvent(emitter, name, accept = () => true, ms = 10000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(name, on);
      reject(new Error(`no '${name}' event within ${ms} ms`));
    }, ms);
    function on(ev) {
      if (!accept(ev)) return;
      clearTimeout(timer);
      emitter.off(name, on);
      resolve(ev);
    }
    emitter.on(name, on);
  });
}

module.exports = { FIXTURES, PUB, snapshot, cases, scratch, publish, nextEvent };
