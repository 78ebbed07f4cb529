// server.js DIR BUCKET - starts the S3-compatible server the publish tests
// use (@20minutes/s3rver, which checks AWS Signature V4: a request signed
// with the wrong secret gets 403 SignatureDoesNotMatch) on 127.0.0.1 at a
// free port, its objects under DIR, with BUCKET made; prints "port N" once
// it listens and serves until killed.  Credentials: S3RVER / S3RVER.
'use strict';
const S3rver = require('@20minutes/s3rver');

const [dir, bucket] = process.argv.slice(2);
if (!dir || !bucket) {
  console.error('usage: node server.js DIR BUCKET');
  process.exit(2);
}
new S3rver({
  address: '127.0.0.1',
  port: 0,
  silent: true,
  directory: dir,
  configureBuckets: [{ name: bucket }],
})
  .run()
  .then(({ port }) => console.log(`port ${port}`))
  .catch((e) => {
    console.error(`s3 server: ${e.message}`);
    process.exit(1);
  });
