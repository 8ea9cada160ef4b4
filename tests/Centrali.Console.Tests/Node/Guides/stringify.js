// Reads a JSON array of base64 bodies on stdin; prints one line per body: what JSON.stringify(JSON.parse(body)) gives,
// base64-encoded, so the caller compares it byte for byte with the body.
let input = '';
process.stdin.on('data', c => input += c);
process.stdin.on('end', () => {
  for (const body of JSON.parse(input)) {
    const text = Buffer.from(body, 'base64').toString('utf8');
    console.log(Buffer.from(JSON.stringify(JSON.parse(text)), 'utf8').toString('base64'));
  }
});
