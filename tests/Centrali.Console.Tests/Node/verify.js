// Reads {secrets: [...], headers: {...}, body: "<base64>"} on stdin; prints one line per secret: "ok" or "fail: <reason>".
const { Webhook } = require('standardwebhooks');
let input = '';
process.stdin.on('data', c => input += c);
process.stdin.on('end', () => {
  const { secrets, headers, body } = JSON.parse(input);
  const payload = Buffer.from(body, 'base64').toString('utf8');
  for (const secret of secrets) {
    try {
      new Webhook(secret).verify(payload, headers);
      console.log('ok');
    } catch (e) {
      console.log('fail: ' + e.message);
    }
  }
});
