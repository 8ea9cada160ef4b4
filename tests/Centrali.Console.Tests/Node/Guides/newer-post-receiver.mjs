// The newer outbound-webhooks post's receiver ("Step 4: Verify the signature"), run as it is written. Only the lines
// marked "harness" are not the post's: a port to listen on, announced as {"port": N}. The post's handler prints
// "got event: <event> <recordId>" for each delivery it verifies.

// ---- The post ----
import express from 'express';
import crypto from 'crypto';
const app = express();
const WEBHOOK_SECRET = process.env.CENTRALI_WEBHOOK_SECRET;
// Use raw body middleware for the webhook route only
app.post(
'/webhooks/centrali',
express.raw({ type: 'application/json' }),
(req, res) => {
const signature = req.get('X-Signature');
if (!signature) return res.status(400).send('missing signature');
const expected = crypto
.createHmac('sha256', WEBHOOK_SECRET)
.update(req.body) // req.body is a Buffer of the raw bytes
.digest('base64');
const valid = crypto.timingSafeEqual(
Buffer.from(signature),
Buffer.from(expected)
);
if (!valid) return res.status(401).send('invalid signature');
const event = JSON.parse(req.body.toString('utf8'));
console.log('got event:', event.event, event.recordId);
// Do work, then 2xx to acknowledge
res.status(200).send('ok');
}
);
// ---- harness ----
const server = app.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })));
