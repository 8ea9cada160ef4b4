// The older webhooks guide's receiver, run as it is written. Only the lines marked "harness" are not the guide's:
// the JSON body parser its handler assumes (req.body is the parsed event), a stand-in CRM that prints what it is given,
// and a port to listen on. Prints one JSON line per contact the guide's code creates, after {"port": N}.

// ---- The guide, "Example Implementation" ----
const express = require('express');
const app = express();
// ---- harness ----
app.use(express.json());
const report = line => process.stdout.write(JSON.stringify(line) + '\n');
const crm = { createContact: async contact => report({ contact }) };
async function handleFunctionCompleted(data) {}
// ---- The guide, "Signature Verification" ----
const crypto = require('crypto');
function verifyWebhook(payload, signature, secret) {
const hash = crypto
.createHmac('sha256', secret)
.update(JSON.stringify(payload))
.digest('hex');
return `sha256=${hash}` === signature;
}
// ---- The guide, "Example Implementation" ----
app.post('/webhooks/centrali', async (req, res) => {
// 1. Verify signature
const signature = req.headers['x-centrali-signature'];
if (!verifyWebhook(req.body, signature, process.env.WEBHOOK_SECRET)) {
return res.status(401).send('Invalid signature');
}
// 2. Respond immediately
res.status(200).send('OK');
// 3. Process async
try {
await processWebhook(req.body);
} catch (error) {
console.error('Webhook processing failed:', error);
}
});
async function processWebhook(event) {
switch (event.event) {
case 'record.created':
await handleRecordCreated(event.data);
break;
case 'function.completed':
await handleFunctionCompleted(event.data);
break;
}
}
// ---- The guide, "External System Sync" ----
async function handleRecordCreated(data) {
// Sync to external CRM
await crm.createContact({
id: data.recordId,
...data.record
});
}
// ---- harness ----
const server = app.listen(0, '127.0.0.1', () => report({ port: server.address().port }));
