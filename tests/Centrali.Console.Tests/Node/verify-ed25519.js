// Reads {publicKeys: ["whpk_…"], headers: {...}, body: "<base64>"} on stdin; prints one line per key: "ok" when one of the
// v1a signatures in webhook-signature verifies with it (Node's own ed25519, Standard Webhooks' signed content), else "fail".
const crypto = require('crypto');
let input = '';
process.stdin.on('data', c => input += c);
process.stdin.on('end', () => {
  const { publicKeys, headers, body } = JSON.parse(input);
  const signed = Buffer.concat([Buffer.from(`${headers['webhook-id']}.${headers['webhook-timestamp']}.`), Buffer.from(body, 'base64')]);
  const signatures = headers['webhook-signature'].split(' ').filter(s => s.startsWith('v1a,')).map(s => Buffer.from(s.slice(4), 'base64'));
  for (const key of publicKeys) {
    const raw = Buffer.from(key.slice('whpk_'.length), 'base64');
    const publicKey = crypto.createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
    console.log(signatures.some(s => crypto.verify(null, signed, publicKey, s)) ? 'ok' : 'fail');
  }
});
